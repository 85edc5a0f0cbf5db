package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.MasterLost;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, defect 3: "Event publication blocks I/O threads." The README allows a listener to be
 * slow (it "holds up the events behind it"), but only its own events may wait: the threads that
 * read the master's sessions and a node's master connection must keep reading, or the master
 * drops healthy nodes as silent.
 *
 * <p>Each test blocks one listener on its first event, then makes more than 4,096 events (the
 * bound of the event queue before issue 8) by having raw clients join and leave the master, two events
 * each. The master drops a node it has not heard from for 1 s; nodes beat every 100 ms.
 */
class SlowListenerTest {
    /** Joins and leaves: 2 events each, comfortably more than 4,096 in all. */
    private static final int CLIENTS = 2200;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestCluster cluster = new TestCluster(TestPorts.range(4),
            b -> b.heartbeatTimeout(Duration.ofSeconds(1)));
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        background.shutdownNow();
        cluster.close();
    }

    private static NodeConfig.Builder quick(NodeConfig.Builder builder) {
        return builder.heartbeat(Duration.ofMillis(100), Duration.ofSeconds(1))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    /** A listener that blocks on its first event until the test ends. */
    private ClusterListener slow(CountDownLatch blocked) {
        return ClusterListener.of(event -> {
            if (blocked.getCount() > 0) {
                blocked.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    /** Raw clients join (authenticating as LivenessTest does) and leave at once, on 8 threads. */
    private void joinAndLeave(ClusterMaster master, int clients) {
        List<CompletableFuture<Void>> workers = IntStream.range(0, 8).mapToObj(worker -> CompletableFuture.runAsync(
                () -> {
                    for (int i = worker; i < clients; i += 8) {
                        joinAndLeave(master, "raw-" + i);
                    }
                }, background)).toList();
        CompletableFuture<Void> all = CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new));
        // Each is a TLS handshake with the master: on 2 busy cores, 2,200 of them take a while.
        await(clients + " raw clients join and leave").atMost(Duration.ofSeconds(90)).until(all::isDone);
        all.join();
    }

    private static void joinAndLeave(ClusterMaster master, String id) {
        try (RawClient client = new RawClient(master.address())) {
            Control.Hello hello = client.read(Control.Hello.class);
            client.send(new Control.Auth(Control.VERSION, id, id, client.proof(master.joinInfo().token(), hello),
                    List.of(), null, List.of()));
            client.read(Control.AuthOk.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(ClusterMaster master) {
        return master.nodes().stream().map(NodeInfo::name).toList();
    }

    /** The nodes the master lists, the raw clients only counted. */
    private static String listed(ClusterMaster master) {
        List<String> names = names(master);
        return names.stream().filter(name -> !name.startsWith("raw-")).toList() + " and "
                + names.stream().filter(name -> name.startsWith("raw-")).count() + " raw clients";
    }

    /**
     * A node whose listener is stuck must stay joined. In the code before issue 8, its master reader blocks publishing
     * the 4,097th NodeJoined/NodeLeft, stops reading, takes the master for lost after its
     * heartbeat timeout, closes the connection, and (its MasterLost stuck behind the same queue)
     * never comes back.
     */
    @Test
    void aSlowListenerOnANodeDoesNotMakeTheNodeLeaveTheCluster() throws Exception {
        ClusterNode healthy = cluster.node("healthy", SlowListenerTest::quick);
        CountDownLatch blocked = new CountDownLatch(1);
        healthy.subscribe(slow(blocked));

        joinAndLeave(cluster.master, CLIENTS);
        await("the slow listener got its first event").atMost(WAIT).until(() -> blocked.getCount() == 0);

        await("the master lists the node whose listener is slow").during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(4)).until(() -> names(cluster.master), hasItem("healthy"));
    }

    /**
     * With the master's listener stuck, nodes still come and go: those that left are no longer
     * listed, and a new node joins and stays. In the code before issue 8, each session that publishes once the queue is
     * full blocks for good: it never reads again (the new node is dropped as silent and has to
     * reconnect) and never ends (the clients that left stay listed).
     */
    @Test
    void aSlowListenerOnTheMasterHoldsUpNoNodeJoiningOrLeaving() {
        ClusterNode healthy = cluster.node("healthy", SlowListenerTest::quick);
        CountDownLatch blocked = new CountDownLatch(1);
        cluster.master.subscribe(slow(blocked));
        // One more event for the slow listener to block on.
        joinAndLeave(cluster.master, "first");
        await("the slow listener got its first event").atMost(WAIT).until(() -> blocked.getCount() == 0);

        joinAndLeave(cluster.master, CLIENTS);
        ClusterNode newcomer = cluster.node("newcomer", SlowListenerTest::quick);

        String expected = List.of(healthy.self().name(), newcomer.self().name()) + " and 0 raw clients";
        await("the raw clients that left are no longer listed").atMost(WAIT)
                .until(() -> listed(cluster.master), equalTo(expected));
        await("both nodes stay listed, and the newcomer keeps its master")
                .during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                .until(() -> listed(cluster.master) + ", newcomer lost the master "
                        + cluster.events(newcomer, MasterLost.class).size() + " times",
                        equalTo(expected + ", newcomer lost the master 0 times"));
    }
}
