package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, defect 2: "Calls cannot be abandoned." A call that ends in any way, a timeout or a
 * cancellation included, must give back its place among the {@code maxCallsInFlight}; and
 * {@link DirectLink#call}, which returns a future, must not block its caller while the link is
 * full.
 *
 * <p>The caller allows 2 calls in flight; the server's "hang" handler never returns until the
 * test ends.
 */
class CallAbandonTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestCluster cluster = new TestCluster();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch hung = new CountDownLatch(1);
    private DirectLink link;

    @BeforeEach
    void link() {
        ClusterNode server = cluster.node("server", b -> b
                .handle("hang", Integer.class, x -> {
                    hung.await(30, TimeUnit.SECONDS);
                    return x;
                })
                .handle("quick", Integer.class, x -> x));
        ClusterNode client = cluster.node("client", b -> b.maxCallsInFlight(2));
        link = client.connect(server.self().id());
    }

    @AfterEach
    void close() {
        hung.countDown();
        background.shutdownNow();
        cluster.close();
    }

    /**
     * Calls "quick" on another thread (before issue 8, call() could block there) and waits for the answer,
     * failing with where the call got stuck: in call() itself, or waiting for its answer.
     */
    private void assertAQuickCallAnswers(String after) {
        CompletableFuture<CompletableFuture<Integer>> called = CompletableFuture.supplyAsync(
                () -> link.call("quick", 3, Integer.class), background);
        await("a call to a quick task answers " + after).atMost(WAIT).until(() -> state(called),
                equalTo("answered 3"));
    }

    private static String state(CompletableFuture<CompletableFuture<Integer>> called) {
        if (!called.isDone()) {
            return "call() has not returned";
        }
        CompletableFuture<Integer> answer = called.join();
        return answer.isDone() ? "answered " + answer.join() : "call() returned, no answer yet";
    }

    /** Two calls that timed out (orTimeout) leave room for a third. In the code before issue 8, it waits forever in call(). */
    @Test
    void callsThatTimedOutFreeTheirPlaceForLaterCalls() {
        CompletableFuture<Integer> first = link.call("hang", 1, Integer.class).orTimeout(200, TimeUnit.MILLISECONDS);
        CompletableFuture<Integer> second = link.call("hang", 2, Integer.class).orTimeout(200, TimeUnit.MILLISECONDS);
        await("both hung calls time out").atMost(WAIT).until(() -> first.isDone() && second.isDone());
        assertInstanceOf(TimeoutException.class, assertThrows(CompletionException.class, first::join).getCause());
        assertInstanceOf(TimeoutException.class, assertThrows(CompletionException.class, second::join).getCause());

        assertAQuickCallAnswers("after the two calls before it timed out, on a link that allows 2 in flight");
    }

    /** Two calls the caller cancelled leave room for a third. In the code before issue 8, it waits forever in call(). */
    @Test
    void callsThatWereCancelledFreeTheirPlaceForLaterCalls() {
        CompletableFuture<Integer> first = link.call("hang", 1, Integer.class);
        CompletableFuture<Integer> second = link.call("hang", 2, Integer.class);
        assertTrue(first.cancel(true), "the first call is cancelled");
        assertTrue(second.cancel(true), "the second call is cancelled");

        assertAQuickCallAnswers("after the two calls before it were cancelled, on a link that allows 2 in flight");
    }

    /**
     * With the link full (two calls hang), call() still returns its future at once; the future
     * may wait for room, the caller's thread must not. In the code before issue 8, call() blocks until a call ends.
     */
    @Test
    void callReturnsAFutureAtOnceEvenWhenTheLinkIsFull() throws Exception {
        CompletableFuture<Integer> first = link.call("hang", 1, Integer.class);
        CompletableFuture<Integer> second = link.call("hang", 2, Integer.class);

        CompletableFuture<CompletableFuture<Integer>> third = CompletableFuture.supplyAsync(
                () -> link.call("quick", 3, Integer.class), background);
        await("call() returns while two calls fill the link").atMost(Duration.ofSeconds(2)).until(third::isDone);

        hung.countDown();
        assertEquals(1, first.get(10, TimeUnit.SECONDS));
        assertEquals(2, second.get(10, TimeUnit.SECONDS));
        await("the third call answers once the link has room").atMost(WAIT).until(() -> state(third),
                equalTo("answered 3"));
    }
}
