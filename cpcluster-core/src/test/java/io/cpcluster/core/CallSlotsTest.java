package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.CallOptions;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkOverloadedException;
import io.cpcluster.NodeStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The slots of a link's calls: a call that completes in any way, however short its deadline and
 * however many callers race, gives its slot back before anyone sees it complete.
 */
@Timeout(120)
class CallSlotsTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    /**
     * Many callers, deadlines of a millisecond, four slots: deadlines race the calls' admission,
     * their sending and their answers, for six seconds. Every call ends, and every slot comes
     * back: a new call gets through, and the stats show nothing in flight or waiting. (A deadline
     * that fired before a call was marked sent once left its slot taken for good.)
     */
    @Test
    void shortDeadlinesUnderLoadLeakNoSlots() throws Exception {
        ClusterNode server = cluster.node("server", b -> b.handle("quick", Integer.class, x -> x));
        ClusterNode client = cluster.node("client", b -> b.maxCallsInFlight(4));
        DirectLink link = client.connect(server.self().id());
        int callers = 4 * Runtime.getRuntime().availableProcessors() + 16;
        List<Thread> threads = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        for (int i = 0; i < callers; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < until) {
                    CompletableFuture<Integer> call = link.call("quick", 1, Integer.class,
                            CallOptions.timeout(Duration.ofMillis(1)));
                    call.exceptionally(e -> 0).join();
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(60));
        }
        // Every call has ended; a new one must get through.
        try {
            assertEquals(7, link.call("quick", 7, Integer.class).join());
        } catch (CompletionException e) {
            NodeStats stats = client.stats();
            org.junit.jupiter.api.Assertions.fail("after every call ended, with " + stats.callsInFlight()
                    + " in flight and " + stats.callsWaiting() + " waiting (per NodeStats), a new call failed: "
                    + e.getCause());
        }
        await("every call ended and gave its slot back").atMost(Duration.ofSeconds(10)).until(() -> {
            NodeStats stats = client.stats();
            return stats.callsInFlight() + " in flight, " + stats.callsWaiting() + " waiting";
        }, org.hamcrest.Matchers.equalTo("0 in flight, 0 waiting"));
    }

    /**
     * A call frees its slot before anyone sees it complete: with one slot and a queue of one,
     * "join the first call, then make two more" sends one and queues one, round after round.
     * (A future that woke its waiter before freeing the slot made the third call look overloaded.)
     */
    @Test
    void aCallWhoseFutureIsDoneHasFreedItsSlot() {
        ClusterNode server = cluster.node("server", b -> b.handle("quick", Integer.class, x -> x));
        ClusterNode client = cluster.node("client", b -> b.maxCallsInFlight(1));
        DirectLink link = client.connect(server.self().id());
        AtomicInteger refused = new AtomicInteger();
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        int rounds = 0;
        while (System.nanoTime() < until && refused.get() == 0) {
            link.call("quick", 1, Integer.class).join();
            CompletableFuture<Integer> second = link.call("quick", 2, Integer.class);
            CompletableFuture<Integer> third = link.call("quick", 3, Integer.class);
            for (CompletableFuture<Integer> call : List.of(second, third)) {
                try {
                    call.join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof LinkOverloadedException) {
                        refused.incrementAndGet();
                    } else {
                        throw e;
                    }
                }
            }
            rounds++;
        }
        assertEquals(0, refused.get(), "calls refused as overloaded right after the call before them had answered"
                + " (in " + rounds + " rounds)");
    }
}
