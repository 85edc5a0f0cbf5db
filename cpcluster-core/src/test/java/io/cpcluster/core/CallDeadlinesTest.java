package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.CallOptions;
import io.cpcluster.CallTimeoutException;
import io.cpcluster.ClusterException;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.NoSuchNodeException;
import io.cpcluster.SubmitOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls with deadlines and cancellation: a call that ends without its answer frees its slot at
 * once and asks the peer to stop (a CANCEL frame, which interrupts the handler); futures never run
 * application code on the threads that read the network.
 */
class CallDeadlinesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestCluster cluster = new TestCluster();
    private final CountDownLatch never = new CountDownLatch(1);
    /** How many "hang" calls the server started, and how many of those were interrupted. */
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger interrupted = new AtomicInteger();
    private ClusterNode server;
    private ClusterNode client;
    private DirectLink link;

    @BeforeEach
    void link() {
        server = cluster.node("server", b -> b
                .handle("hang", Integer.class, x -> {
                    started.incrementAndGet();
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                        throw e;
                    }
                    return x;
                })
                .handle("quick", Integer.class, x -> x));
        client = cluster.node("client", b -> b.maxCallsInFlight(1).callTimeout(Duration.ofSeconds(30)));
        link = client.connect(server.self().id());
    }

    @AfterEach
    void close() {
        never.countDown();
        cluster.close();
    }

    private static Throwable failure(CompletableFuture<?> future) {
        return assertThrows(CompletionException.class, future::join).getCause();
    }

    @Test
    void aCallPastItsTimeoutFailsWithCallTimeoutExceptionFreesItsSlotAndInterruptsThePeersHandler() {
        CallTimeoutException timeout = assertInstanceOf(CallTimeoutException.class,
                failure(link.call("hang", 1, Integer.class, CallOptions.timeout(Duration.ofMillis(200)))));
        assertTrue(timeout.getMessage().contains("got no answer within 200 ms"), timeout.getMessage());
        await().atMost(WAIT).until(() -> interrupted.get() == 1);
        // The only slot is free again, on both ends.
        assertEquals(2, link.call("quick", 2, Integer.class).join());
        await().atMost(WAIT).until(() -> server.stats().peerCallsRunning() == 0);
        assertEquals(1, client.stats().callsTimedOut());
        assertEquals(0, client.stats().callsInFlight());
    }

    @Test
    void withoutOptionsACallTakesTheNodesCallTimeout() {
        ClusterNode impatient = cluster.node("impatient", b -> b.callTimeout(Duration.ofMillis(300)));
        DirectLink quickLink = impatient.connect(server.self().id());
        CallTimeoutException timeout = assertInstanceOf(CallTimeoutException.class,
                failure(quickLink.call("hang", 1, Integer.class)));
        assertTrue(timeout.getMessage().contains("within 300 ms"), timeout.getMessage());
        await().atMost(WAIT).until(() -> interrupted.get() == 1);
    }

    /**
     * A submit without options takes the node's {@code callTimeout} too. (The server is the only
     * node serving "hang", so the timeout, not a retry elsewhere, ends it.)
     */
    @Test
    void withoutOptionsASubmitTakesTheNodesCallTimeout() {
        ClusterNode impatient = cluster.node("impatient", b -> b.callTimeout(Duration.ofMillis(300)));
        CompletableFuture<Integer> submitted = impatient.submit("hang", 1, Integer.class);
        await("the submit ends").atMost(WAIT).until(submitted::isDone);
        CallTimeoutException timeout = assertInstanceOf(CallTimeoutException.class, failure(submitted));
        assertTrue(timeout.getMessage().contains("within 300 ms") && timeout.getMessage().contains("callTimeout"),
                timeout.getMessage());
        await("the handler is interrupted").atMost(WAIT).until(() -> interrupted.get() == 1);
    }

    @Test
    void theDeadlineCanBeTurnedOff() {
        ClusterNode impatient = cluster.node("impatient", b -> b.callTimeout(Duration.ofMillis(100)));
        DirectLink quickLink = impatient.connect(server.self().id());
        CompletableFuture<Integer> patient = quickLink.call("hang", 1, Integer.class, CallOptions.WITHOUT_TIMEOUT);
        CompletableFuture<Integer> submitted = impatient.submit("hang", 2, Integer.class,
                io.cpcluster.SubmitOptions.IDEMPOTENT.withTimeout(CallOptions.NO_TIMEOUT));
        await().atMost(WAIT).until(() -> started.get() == 2);
        // Well past the node's 100 ms: still waiting, until the handlers return.
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> !patient.isDone() && !submitted.isDone());
        never.countDown();
        assertEquals(1, patient.join());
        assertEquals(2, submitted.join());
        assertThrows(IllegalArgumentException.class, () -> CallOptions.timeout(CallOptions.NO_TIMEOUT.plusDays(1)));
    }

    @Test
    void cancellingACallFreesItsSlotAndInterruptsThePeersHandler() {
        CompletableFuture<Integer> call = link.call("hang", 1, Integer.class);
        await().atMost(WAIT).until(() -> started.get() == 1);
        assertTrue(call.cancel(true));
        assertInstanceOf(CancellationException.class, assertThrows(CancellationException.class, call::join));
        await().atMost(WAIT).until(() -> interrupted.get() == 1);
        assertEquals(3, link.call("quick", 3, Integer.class).join());
        assertEquals(1, client.stats().callsCancelled());
    }

    @Test
    void aCallThatTimesOutWhileWaitingForRoomIsNeverSent() {
        CompletableFuture<Integer> first = link.call("hang", 1, Integer.class);
        await().atMost(WAIT).until(() -> started.get() == 1);
        CompletableFuture<Integer> waiting = link.call("hang", 2, Integer.class,
                CallOptions.timeout(Duration.ofMillis(200)));
        assertEquals(1, client.stats().callsWaiting());
        assertInstanceOf(CallTimeoutException.class, failure(waiting));
        assertEquals(0, client.stats().callsWaiting());
        first.cancel(true);
        assertEquals(4, link.call("quick", 4, Integer.class).join());
        assertEquals(1, started.get(), "the call that waited for room never reached the peer");
    }

    @Test
    void invokeBlocksForItsAnswerAndInterruptingItCancelsTheCall() throws Exception {
        assertEquals(5, link.invoke("quick", 5, Integer.class));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                link.invoke("hang", 6, Integer.class);
            } catch (RuntimeException e) {
                thrown.set(e);
            }
        });
        await().atMost(WAIT).until(() -> started.get() == 1);
        caller.interrupt();
        caller.join(WAIT);
        ClusterException failure = assertInstanceOf(ClusterException.class, thrown.get());
        assertTrue(failure.getMessage().contains("interrupted while waiting for the answer"), failure.getMessage());
        await().atMost(WAIT).until(() -> interrupted.get() == 1);
        assertEquals(7, link.invoke("quick", 7, Integer.class, CallOptions.timeout(Duration.ofSeconds(5))));
    }

    @Test
    void aSubmitPastItsTimeoutFailsAndCancelsItsCallOnThePeer() {
        CallTimeoutException timeout = assertInstanceOf(CallTimeoutException.class, failure(client.submit("hang", 1,
                Integer.class, SubmitOptions.IDEMPOTENT.withTimeout(Duration.ofMillis(300)))));
        assertTrue(timeout.getMessage().contains("within 300 ms"), timeout.getMessage());
        await().atMost(WAIT).until(() -> interrupted.get() == 1);
        assertInstanceOf(NoSuchNodeException.class, failure(client.submit("nobody-serves-this", 1, Integer.class)));
    }

    /** Application code attached to futures runs on a link's lane or a node's own virtual threads. */
    @Test
    void dependentActionsNeverRunOnTheThreadsThatReadTheNetwork() {
        List<String> threads = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> call = link.call("hang", 8, Integer.class);
        CompletableFuture<String> applied = call.thenApply(x -> Thread.currentThread().getName());
        CompletableFuture<Integer> completed = call.whenComplete((x, e) -> threads.add(Thread.currentThread().getName()));
        CompletableFuture<String> composed = call.thenCompose(x -> CompletableFuture.completedFuture(
                Thread.currentThread().getName()));
        CompletableFuture<String> submitted = client.submit("quick", 9, Integer.class)
                .thenApply(x -> Thread.currentThread().getName());
        // Combinators that the future cannot see coming: they still run off the reader.
        CompletableFuture<String> all = CompletableFuture.allOf(call).thenApply(x -> Thread.currentThread().getName());
        CompletableFuture<String> any = CompletableFuture.anyOf(call).thenApply(x -> Thread.currentThread().getName());
        CompletableFuture<String> combined = new CompletableFuture<Integer>().completeAsync(() -> 1)
                .thenCombine(call, (x, y) -> Thread.currentThread().getName());
        // A call that times out: what waits on it does not run on the timer.
        DirectLink another = cluster.node("another").connect(server.self().id());
        CompletableFuture<String> timedOut = another.call("hang", 10, Integer.class,
                CallOptions.timeout(Duration.ofMillis(100))).handle((x, e) -> Thread.currentThread().getName());
        CompletableFuture<String> refused = client.connectAsync(client.self().id())
                .handle((x, e) -> Thread.currentThread().getName());
        ClusterNode third = cluster.node("third");
        CompletableFuture<String> connected = third.connectAsync(server.self().id())
                .thenApply(x -> Thread.currentThread().getName());
        assertFalse(call.isDone());
        await().atMost(WAIT).until(timedOut::isDone);
        never.countDown();
        threads.add(applied.join());
        completed.join();
        threads.add(composed.join());
        threads.add(submitted.join());
        threads.add(refused.join());
        threads.add(timedOut.join());
        threads.add(all.join());
        threads.add(any.join());
        threads.add(combined.join());
        threads.add(connected.join());
        assertTrue(threads.stream().noneMatch(name -> name.contains("-link-reader-") || name.endsWith("-master")
                || name.contains("-timer")), threads.toString());
    }
}
