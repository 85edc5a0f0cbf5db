package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.CallOptions;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ways of waiting an application may well write, each of which must end: a continuation that
 * waits for another call's continuation on the same link, a submit inside a submit's
 * continuation, and a cancelled handler that is writing to another link (whose link must survive
 * the cancel's interrupt).
 */
@Timeout(90)
class BlockingPatternsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestCluster cluster = new TestCluster();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean stop;

    @AfterEach
    void close() {
        stop = true;
        release.countDown();
        threads.shutdownNow();
        cluster.close();
    }

    /**
     * A lane task (here a call's continuation; a message consumer or a SERIAL handler is the
     * same) that joins a dependent stage of another call on the same link waits forever: the
     * dependent is queued on the very lane that is busy joining it. The inner call has a 2 s
     * deadline, and still nothing ever completes; meanwhile the lane delivers nothing else.
     */
    @Test
    void aContinuationThatJoinsAnotherCallsContinuationOnTheSameLinkEnds() {
        CountDownLatch echoGate = new CountDownLatch(1);
        ClusterNode server = cluster.node("server", b -> b
                .handle("slow", Integer.class, x -> {
                    release.await(30, TimeUnit.SECONDS);
                    return x;
                })
                .handle("echo", String.class, x -> {
                    echoGate.await(30, TimeUnit.SECONDS);
                    return x;
                }));
        ClusterNode client = cluster.node("client");
        DirectLink link = client.connect(server.self().id());
        AtomicReference<Object> outcome = new AtomicReference<>();
        link.call("slow", 1, Integer.class).thenAccept(first -> {
            try {
                CompletableFuture<String> inner = link.call("echo", "b", String.class,
                        CallOptions.timeout(Duration.ofSeconds(2)));
                CompletableFuture<String> dependent = inner.thenApply(s -> s + "!");
                echoGate.countDown();
                outcome.set(dependent.join());
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        });
        release.countDown();

        Object got = TestCluster.await(outcome::get);
        assertEquals("b!", got);
    }

    /**
     * Submitter completes a submit's future from the call's whenComplete, which LaneFuture runs
     * on the link's lane, and it reuses one link per peer: a continuation of one submit that
     * waits for another submit to the same peer waits for an action queued behind itself on the
     * same lane, and gets the second submit's deadline instead of its answer.
     */
    @Test
    void aSubmitInsideAContinuationOfAnotherSubmitGetsItsAnswer() {
        CountDownLatch started = new CountDownLatch(1);
        cluster.node("server", b -> b
                .handle("slow", Integer.class, x -> {
                    started.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    return x;
                })
                .handle("work", Integer.class, x -> {
                    // A task that takes 300 ms, so that its answer comes after Submitter has
                    // attached its whenComplete (else that runs inline and nothing deadlocks).
                    new CountDownLatch(1).await(300, TimeUnit.MILLISECONDS);
                    return x;
                }));
        ClusterNode client = cluster.node("client");
        TestCluster.await(() -> client.nodes().size() == 2 ? true : null);
        io.cpcluster.SubmitOptions options = io.cpcluster.SubmitOptions.IDEMPOTENT.withTimeout(Duration.ofSeconds(3));
        CompletableFuture<Object> nested = client.submit("slow", 1, Integer.class, options).thenApply(first -> {
            try {
                return client.submit("work", 2, Integer.class, options).join();
            } catch (RuntimeException e) {
                return e.toString();
            }
        });
        await().atMost(WAIT).until(() -> started.getCount() == 0);
        release.countDown();

        assertEquals(2, nested.orTimeout(20, TimeUnit.SECONDS).join());
    }

    /**
     * The peer's CANCEL interrupts the handler's thread. Java closes a socket when a virtual
     * thread blocked in its I/O is interrupted, so a handler that is writing to another link
     * (here: sending to a third node that reads slowly) loses that link for everyone: the
     * interrupt meant for one call destroys a connection the whole node shares.
     */
    @Test
    void cancellingACallDoesNotCloseAnotherLinkItsHandlerWritesTo() {
        ClusterNode sink = cluster.node("sink");
        AtomicReference<DirectLink> toSink = new AtomicReference<>();
        AtomicReference<String> handlerEnded = new AtomicReference<>();
        ClusterNode relay = cluster.node("relay", b -> b.handle("relay", Integer.class, x -> {
            byte[] message = new byte[16 * 1024];
            try {
                while (!stop) {
                    toSink.get().send(message);
                }
                handlerEnded.set("stopped");
            } catch (RuntimeException e) {
                handlerEnded.set(e.toString());
            }
            return x;
        }));
        ClusterNode client = cluster.node("client");
        toSink.set(relay.connect(sink.self().id()));
        DirectLink sinkSide = TestCluster.await(() -> sink.links().stream().findFirst().orElse(null));
        sinkSide.onMessage(message -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        DirectLink link = client.connect(relay.self().id());

        CompletableFuture<Integer> call = link.call("relay", 1, Integer.class);
        // The relay's handler runs and writes to the sink (soon blocked: the sink does not
        // consume); then the client gives up on the call. Without the cancel the handler stays
        // blocked in send() and the relay's link to the sink stays open (checked by hand).
        await().atMost(WAIT).until(() -> relay.stats().peerCallsRunning() == 1);
        call.cancel(true);

        // The interrupt waits for the write: the relay's link to the sink stays open.
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> toSink.get().isOpen());
        release.countDown();
        stop = true;
        String ended = TestCluster.await(handlerEnded::get);
        assertTrue(toSink.get().isOpen(), "cancelling one call closed the relay's link to the sink ("
                + toSink.get() + "); the handler saw " + ended);
    }
}
