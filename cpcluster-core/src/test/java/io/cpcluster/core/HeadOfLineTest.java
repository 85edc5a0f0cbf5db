package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.CallOptions;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A link's reader never stops for calls: a handler that ignores its caller's cancel keeps its
 * room, and the caller's next call past the room is refused at once, while the other direction's
 * calls on the same link are answered as before.
 */
@Timeout(120)
class HeadOfLineTest {
    private final TestCluster cluster = new TestCluster();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        cluster.close();
    }

    /**
     * The client gives up on a call to a handler that ignores interrupts, then calls again
     * (its slot is free). The server's reader now waits for room that never comes, so it reads
     * nothing more: a call the server makes to the client on the same link never gets its
     * answer, and the link is never closed (a pause is not counted against the peer).
     */
    @Test
    void aHungHandlerDoesNotStopTheServersOwnCallsFromBeingAnswered() {
        ClusterNode server = cluster.node("server", b -> b.maxCallsInFlight(1)
                .handle("stubborn", Integer.class, x -> {
                    while (true) {
                        try {
                            if (release.await(60, TimeUnit.SECONDS)) {
                                return x;
                            }
                        } catch (InterruptedException ignored) {
                            // a handler stuck in something that does not heed interrupts
                        }
                    }
                }));
        ClusterNode client = cluster.node("client", b -> b.maxCallsInFlight(1)
                .handle("quick", Integer.class, x -> x));
        DirectLink link = client.connect(server.self().id());
        DirectLink serverSide = TestCluster.await(() -> server.links().stream().findFirst().orElse(null));

        CompletableFuture<Integer> first = link.call("stubborn", 1, Integer.class,
                CallOptions.timeout(Duration.ofMillis(300)));
        await().atMost(Duration.ofSeconds(10)).until(first::isDone);
        link.call("stubborn", 2, Integer.class, CallOptions.timeout(Duration.ofMillis(300)));

        AtomicReference<Object> answer = new AtomicReference<>();
        try {
            answer.set(serverSide.call("quick", 7, Integer.class, CallOptions.timeout(Duration.ofSeconds(3))).join());
        } catch (CompletionException e) {
            answer.set(e.getCause().toString());
        }
        assertEquals(7, answer.get(), "the server's own call on a link whose peer is alive (link open: "
                + serverSide.isOpen() + ")");
    }
}
