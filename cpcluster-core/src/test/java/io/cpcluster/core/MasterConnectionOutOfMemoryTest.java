package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterReconnected;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node whose work on its master connection runs the heap out loses that connection only: it
 * says why and reconnects, and its timer goes on (DESIGN §11). The error is thrown by the
 * connection's stream, over TLS, the way a frame too large for the heap would throw it there.
 */
class MasterConnectionOutOfMemoryTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final TestCluster cluster = new TestCluster(TestPorts.range(4),
            master -> master.heartbeatTimeout(Duration.ofSeconds(2)));

    @AfterEach
    void close() {
        cluster.close();
    }

    /**
     * The node's heartbeat timeout is a minute, so only the reader's own handling can make it
     * notice within the wait; the master's two seconds, so a node whose timer stopped beating
     * would be dropped meanwhile. (Before, {@code MasterLink} did not catch the error: its reader
     * died, and the node heard nothing from its master until the heartbeat timeout, while the
     * master, still hearing its pings, kept it.) The master takes a lost connection for a node
     * that left, and closes its links as it always does; the node links anew once it is back.
     */
    @Test
    void anOutOfMemoryErrorOnTheMasterConnectionCostsOnlyThatConnection() {
        InetSocketAddress masterAddress = cluster.master.address();
        DeafTransport choking = new DeafTransport(address -> address.getPort() == masterAddress.getPort());
        ClusterNode a = cluster.node("a", b -> b.transport(choking)
                .heartbeat(Duration.ofMillis(200), Duration.ofMinutes(1)));
        ClusterNode b = cluster.node("b", x -> x.heartbeat(Duration.ofMillis(200), Duration.ofSeconds(5))
                .handle("inc", Integer.class, n -> n + 1));
        assertEquals(2, a.connect(b.self().id()).call("inc", 1, Integer.class).join());

        choking.choke();
        MasterLost lost = TestCluster.await(() -> cluster.events(a, MasterLost.class).stream().findFirst()
                .orElse(null));
        assertTrue(lost.reason().contains("ran out of memory"), lost.reason());
        await("the node is back with its master").atMost(WAIT)
                .until(() -> !cluster.events(a, MasterReconnected.class).isEmpty());
        await("its timer keeps it in the master's list, past the master's heartbeat timeout")
                .during(Duration.ofSeconds(3)).atMost(WAIT)
                .until(() -> cluster.master.nodes().stream().anyMatch(n -> n.id().equals(a.self().id())));
        assertEquals(3, a.connect(b.self().id()).call("inc", 2, Integer.class).join());
    }
}
