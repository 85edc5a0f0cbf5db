package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Application code never runs on a link's reader thread ({@code cpcluster-node-<name>-link-reader-<n>}):
 * not what depends on a call through {@code allOf} or {@code thenCompose}, not a cancelled async
 * handler's dependents, not the binding of a result to the caller's type. Each test records the
 * thread that runs a piece of application code and checks it is not a reader.
 */
@Timeout(60)
class ReaderThreadTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestCluster cluster = new TestCluster();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        cluster.close();
    }

    private DirectLink linkToSlowServer() {
        ClusterNode server = cluster.node("server", b -> b
                .handle("slow", Integer.class, x -> {
                    release.await(30, TimeUnit.SECONDS);
                    return x;
                }));
        ClusterNode client = cluster.node("client");
        return client.connect(server.self().id());
    }

    private static void assertNotAReader(AtomicReference<String> thread, String what) {
        String name = TestCluster.await(thread::get);
        assertFalse(name.contains("link-reader"), what + " ran on " + name + ", a thread that reads a link");
    }

    /**
     * {@code CompletableFuture.allOf} registers its completion on the call's future through
     * CompletableFuture internals, which {@code LaneFuture}'s overrides never see: the combined
     * future completes on the link's reader, and so do its dependents.
     */
    @Test
    void aDependentOfAllOfACallDoesNotRunOnTheLinksReader() {
        DirectLink link = linkToSlowServer();
        AtomicReference<String> thread = new AtomicReference<>();
        CompletableFuture<Integer> call = link.call("slow", 1, Integer.class);
        CompletableFuture.allOf(call).thenRun(() -> thread.set(Thread.currentThread().getName()));
        release.countDown();

        assertNotAReader(thread, "an action added to allOf(call)");
    }

    /**
     * The consequence of the above: an application action that takes 2.5 s, attached with
     * allOf, holds the reader, and with a 1 s link heartbeat timeout the healthy link is closed
     * as "dead, frozen or cut off" (issue 8, defect 1, through another door).
     */
    @Test
    void aSlowActionOnAllOfACallDoesNotMakeTheLinkLookDead() {
        ClusterNode server = cluster.node("server", b -> b
                .linkHeartbeat(Duration.ofMillis(200), Duration.ofSeconds(1))
                .handle("slow", Integer.class, x -> {
                    release.await(30, TimeUnit.SECONDS);
                    return x;
                }));
        ClusterNode client = cluster.node("client", b -> b.linkHeartbeat(Duration.ofMillis(200), Duration.ofSeconds(1)));
        DirectLink link = client.connect(server.self().id());
        CountDownLatch never = new CountDownLatch(1);
        CompletableFuture<Void> action = CompletableFuture.allOf(link.call("slow", 1, Integer.class)).thenRun(() -> {
            try {
                never.await(2500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        release.countDown();
        org.awaitility.Awaitility.await().atMost(WAIT).until(action::isDone);

        org.junit.jupiter.api.Assertions.assertTrue(link.isOpen(), "the link closed while the application's action ran: "
                + link);
    }

    /** The same through {@code thenCompose}, the usual way to chain a call after another step. */
    @Test
    void aDependentOfAComposedCallDoesNotRunOnTheLinksReader() {
        DirectLink link = linkToSlowServer();
        AtomicReference<String> thread = new AtomicReference<>();
        CompletableFuture.completedFuture(1)
                .thenCompose(x -> link.call("slow", x, Integer.class))
                .thenRun(() -> thread.set(Thread.currentThread().getName()));
        release.countDown();

        assertNotAReader(thread, "an action added to completedFuture(1).thenCompose(x -> link.call(...))");
    }

    /**
     * A handler that returns a future: when the caller cancels, the CANCEL frame is handled on
     * the reader, which cancels the handler's future there (under the call's lock), and the
     * application's own dependents of that future run on the reader.
     */
    @Test
    void cancellingAnAsyncHandlersFutureDoesNotRunItsDependentsOnTheLinksReader() {
        AtomicReference<String> thread = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        ClusterNode server = cluster.node("server", b -> b
                .handle("async", Integer.class, x -> {
                    CompletableFuture<Integer> work = new CompletableFuture<>();
                    work.whenComplete((value, error) -> thread.set(Thread.currentThread().getName()));
                    started.countDown();
                    return work;
                }));
        ClusterNode client = cluster.node("client");
        DirectLink link = client.connect(server.self().id());
        CompletableFuture<Integer> call = link.call("async", 1, Integer.class);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> started.getCount() == 0);
        call.cancel(true);

        assertNotAReader(thread, "the handler's cleanup (whenComplete on the future it returned)");
    }

    /** A result type whose setter is application code (JSON-B calls it while binding). */
    public static final class Probe {
        static final AtomicReference<String> BOUND_ON = new AtomicReference<>();
        private int value;

        public int getValue() {
            return value;
        }

        public void setValue(int value) {
            BOUND_ON.compareAndSet(null, Thread.currentThread().getName());
            this.value = value;
        }
    }

    /**
     * OutgoingCalls.complete decodes the result (Payloads.decode, JSON-B) on the reader:
     * the application's result type (its constructor, setters, adapters) runs there, and so
     * does the whole cost of binding a large result.
     */
    @Test
    void aResultIsNotBoundToTheApplicationsTypeOnTheLinksReader() {
        ClusterNode server = cluster.node("server", b -> b.handle("probe", Integer.class, x -> java.util.Map.of("value", x)));
        ClusterNode client = cluster.node("client");
        DirectLink link = client.connect(server.self().id());
        Probe.BOUND_ON.set(null);
        org.junit.jupiter.api.Assertions.assertEquals(5, link.call("probe", 5, Probe.class).join().getValue());

        assertNotAReader(Probe.BOUND_ON, "the result type's setter");
    }
}
