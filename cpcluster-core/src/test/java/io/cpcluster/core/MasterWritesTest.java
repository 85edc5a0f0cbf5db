package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterReconnected;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import io.cpcluster.Security;
import io.cpcluster.core.wire.Secrets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, defect 5: "The node writes to the master synchronously." What a node tells its master
 * (its tasks, its links closing) must neither block the node while the master does not read, nor
 * be lost while the node rejoins.
 *
 * <p>The node reaches its master through a {@link TestProxy}. Heartbeat timeouts are long
 * (30 s) so that neither side gives up on the other while a test runs: whatever blocks here
 * stays blocked until the test ends and closes the proxy.
 */
class MasterWritesTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    /**
     * 120 names of 255 bytes: about as many as one node may serve (its names take at most 32 KiB as
     * JSON). Sent as a whole list per handle(), as before issue 8, they add up to about 1.9 MB.
     */
    private static final int TASKS = 120;

    private final Closing closing = new Closing();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private ClusterMaster master;
    private TestProxy proxy;

    @AfterEach
    void close() throws Exception {
        // The proxy closes first (it was opened last), which frees any write blocked on it.
        closing.closeAll();
        background.shutdownNow();
    }

    /** A master, and a node that reaches it through the proxy. */
    private ClusterNode nodeBehindProxy(MasterConfig.Builder masterConfig) throws Exception {
        master = closing.later(ClusterMaster.start(masterConfig.build()));
        proxy = new TestProxy(master.address());
        ClusterNode node = closing.later(ClusterNode.start(NodeConfig.builder().name("n")
                .master("127.0.0.1", proxy.port()).token(master.joinInfo().token())
                .masterKey(master.joinInfo().fingerprint().orElseThrow())
                .heartbeat(Duration.ofSeconds(1), Duration.ofSeconds(30)).build()));
        closing.later(proxy);
        return node;
    }

    private static MasterConfig.Builder patientMaster() {
        return MasterConfig.builder().port(0).portRange(TestPorts.range(4)).heartbeatTimeout(Duration.ofSeconds(30));
    }

    /** A distinct task name of 255 bytes, the most a name may have. */
    private static String longName(int i) {
        String prefix = "task-" + i + "-";
        return prefix + "x".repeat(255 - prefix.length());
    }

    /** Serves TASKS tasks one after the other, counting them and noting when each was done. */
    private CompletableFuture<Void> flood(ClusterNode node, AtomicInteger served, AtomicLong lastServed) {
        lastServed.set(System.nanoTime());
        return CompletableFuture.runAsync(() -> {
            for (int i = 0; i < TASKS; i++) {
                node.handle(longName(i), String.class, s -> s);
                served.incrementAndGet();
                lastServed.set(System.nanoTime());
            }
        }, background);
    }

    /**
     * handle() updates this node's task list; telling the master is the master connection's
     * business. In the code before issue 8, each handle() writes the TASKS message itself, under the task lock, and
     * blocks once the socket buffers toward a master that reads nothing are full.
     */
    @Test
    void handleDoesNotWaitForAFrozenMaster() throws Exception {
        ClusterNode node = nodeBehindProxy(patientMaster());
        proxy.freeze();

        AtomicInteger served = new AtomicInteger();
        flood(node, served, new AtomicLong());
        await(TASKS + " handle() calls return while the master reads nothing").atMost(PROMPTLY)
                .until(served::get, equalTo(TASKS));
        assertEquals(TASKS + 0L, node.self().tasks().size(), "the node serves every task");
    }

    /**
     * Closing a link is between the two nodes; telling the master must not hold it up. In the code
     * before issue 8, close() writes LINK_DOWN to the master itself, and waits behind the writes already blocked
     * on the frozen master.
     */
    @Test
    void closingALinkDoesNotWaitForAFrozenMaster() throws Exception {
        ClusterNode node = nodeBehindProxy(patientMaster());
        ClusterNode peer = closing.later(ClusterNode.start(NodeConfig.builder().name("peer")
                .join(master.joinInfo()).build()));
        DirectLink link = node.connect(peer.self().id());
        proxy.freeze();

        // Fill the connection to the master: the flood ends (a fixed node) or stops making progress (before issue 8).
        AtomicInteger served = new AtomicInteger();
        AtomicLong lastServed = new AtomicLong();
        CompletableFuture<Void> flooding = flood(node, served, lastServed);
        await("the task updates are all sent or stuck").atMost(Duration.ofSeconds(15)).until(() ->
                flooding.isDone() || System.nanoTime() - lastServed.get() > TimeUnit.MILLISECONDS.toNanos(500));

        CompletableFuture<Void> closed = CompletableFuture.runAsync(link::close, background);
        await("DirectLink.close() returns while the master reads nothing (" + served.get() + " of " + TASKS
                + " handle() calls had returned)").atMost(PROMPTLY).until(closed::isDone);
        assertTrue(!link.isOpen(), "the link is closed");
        await("the peer sees the link closed").atMost(PROMPTLY).until(() -> peer.links().isEmpty());
    }

    /**
     * A task served while the node rejoins a restarted master, after its AUTH (with the task list
     * of that moment) went out and before AUTH_OK came back, must still reach the master. In the code
     * before issue 8, handle() finds no master connection, drops the update, and nothing sends it later.
     * In plain TCP: the proxy holds the master's answers after its HELLO, which over TLS would hold
     * the TLS handshake, and so the AUTH too.
     */
    @Test
    void aTaskServedWhileTheNodeRejoinsReachesTheNewMaster() throws Exception {
        MasterConfig config = MasterConfig.builder().port(0).portRange(TestPorts.range(4))
                .token(Secrets.newSecret()).security(Security.PLAIN).build();
        ClusterMaster first = closing.later(ClusterMaster.start(config));
        int port = first.address().getPort();
        proxy = new TestProxy(first.address());
        ClusterNode node = ClusterNode.start(NodeConfig.builder().name("n").security(Security.PLAIN)
                .master("127.0.0.1", proxy.port()).token(first.joinInfo().token())
                .heartbeat(Duration.ofMillis(100), Duration.ofSeconds(1))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200)).build());
        closing.later(node);
        closing.later(proxy);
        List<MasterLost> lost = new CopyOnWriteArrayList<>();
        List<MasterReconnected> back = new CopyOnWriteArrayList<>();
        node.subscribe(ClusterListener.of(event -> {
            if (event instanceof MasterLost e) {
                lost.add(e);
            } else if (event instanceof MasterReconnected e) {
                back.add(e);
            }
        }));
        await().atMost(PROMPTLY).until(() -> first.nodes().size() == 1);

        // From now on, a new connection gets the master's HELLO, and nothing more until release().
        proxy.holdAfterFirstFrame();
        first.close();
        await("the node loses the first master").atMost(PROMPTLY).until(() -> !lost.isEmpty());
        ClusterMaster second = ClusterMaster.start(config.toBuilder().port(port).build());
        // Closed before the node and the proxy: opened after them.
        closing.later(second);
        await("the node's AUTH reached the second master").atMost(Duration.ofSeconds(10))
                .until(() -> second.nodes().size() == 1);
        assertTrue(!second.nodes().getFirst().serves("late"), "the AUTH was sent before the task was served");
        assertTrue(back.isEmpty(), "the node is still waiting for AUTH_OK");

        CompletableFuture<Void> served = CompletableFuture.runAsync(
                () -> node.handle("late", String.class, s -> s), background);
        await("handle() returns").atMost(PROMPTLY).until(served::isDone);
        proxy.release();

        await("the second master learns the task served during the rejoin").atMost(Duration.ofSeconds(10))
                .until(() -> second.nodes().stream().map(NodeInfo::tasks).toList(), equalTo(List.of(Set.of("late"))));
    }
}
