package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosed;
import io.cpcluster.NoSuchNodeException;
import io.cpcluster.NodeId;
import io.cpcluster.NodeLeft;
import io.cpcluster.PortRange;
import io.cpcluster.PortsExhaustedException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The master's port book: ports are kept per host, handed out once, and always come back. */
class PortBookTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private TestCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private TestCluster cluster(PortRange range) {
        cluster = new TestCluster(range, master -> master);
        return cluster;
    }

    @ParameterizedTest(name = "closed by the {0}")
    @ValueSource(strings = {"initiator", "acceptor"})
    void thePortComesBackWhenTheLinkIsClosed(String closer) {
        cluster(TestPorts.range(5));
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        DirectLink link = a.connect(b.self().id());
        await().atMost(WAIT).until(() -> cluster.master.links().size() == 1);
        assertEquals(Set.of(link.port()), cluster.master.stats().portsInUse().get("127.0.0.1"));

        if (closer.equals("initiator")) {
            link.close();
        } else {
            b.links().getFirst().close();
        }

        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
        await().atMost(WAIT).until(() -> !link.isOpen() && a.links().isEmpty() && b.links().isEmpty());
        assertTrue(cluster.master.links().isEmpty());
        await().atMost(WAIT).until(() -> cluster.events(a, LinkClosed.class).size() == 1
                && cluster.events(b, LinkClosed.class).size() == 1);
    }

    @ParameterizedTest(name = "the {0} closes")
    @ValueSource(strings = {"initiator", "acceptor"})
    void thePortComesBackWhenEitherNodeCloses(String leaver) {
        cluster(TestPorts.range(5));
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        DirectLink link = a.connect(b.self().id());
        await().atMost(WAIT).until(() -> cluster.master.stats().openLinks() == 1);

        ClusterNode gone = leaver.equals("initiator") ? a : b;
        ClusterNode stays = gone == a ? b : a;
        gone.close();

        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
        await().atMost(WAIT).until(() -> stays.links().isEmpty() && cluster.events(stays, NodeLeft.class).size() == 1);
        assertFalse(link.isOpen());
        assertEquals(1, cluster.master.nodes().size());
    }

    @Test
    void thePortComesBackWhenANodeProcessIsKilled() throws Exception {
        cluster(TestPorts.range(5));
        ClusterNode a = cluster.node("a");
        InetSocketAddress master = cluster.master.address();
        try (JvmProcess process = JvmProcess.main(NodeProcess.class,
                NodeProcess.environment(cluster.master.joinInfo()),
                "master=" + master.getHostString() + ":" + master.getPort(), "name=doomed")) {
            NodeId doomed = NodeId.of(process.awaitLine("READY ", WAIT));
            DirectLink link = a.connect(doomed);
            assertArrayEquals(new byte[] {1, 2, 3}, link.call("echo", new byte[] {1, 2, 3}, byte[].class).join());
            await().atMost(WAIT).until(() -> cluster.master.stats().openLinks() == 1);
            assertEquals(1, cluster.master.stats().portsInUseCount());

            process.kill();

            await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
            await().atMost(WAIT).until(() -> cluster.master.nodes().size() == 1 && !link.isOpen());
            await().atMost(WAIT).until(() -> cluster.events(a, NodeLeft.class).size() == 1
                    && cluster.events(a, LinkClosed.class).size() == 1);
            assertTrue(cluster.master.links().isEmpty());
        }
    }

    @Test
    void aRangeOfTwoPortsGivesTwoLinksThenRefusesThenGivesAPortBack() {
        PortRange range = TestPorts.range(2);
        cluster(range);
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        ClusterNode c = cluster.node("c");

        DirectLink first = a.connect(b.self().id());
        DirectLink second = a.connect(c.self().id());
        assertNotEquals(first.port(), second.port());
        assertEquals(Set.of(range.first(), range.last()), Set.of(first.port(), second.port()));

        PortsExhaustedException refused = assertThrows(PortsExhaustedException.class, () -> b.connect(c.self().id()));
        assertTrue(refused.getMessage().contains("all 2 ports of the range " + range), refused.getMessage());
        assertTrue(refused.getMessage().contains("MasterConfig.portRange"), refused.getMessage());
        assertEquals(2, cluster.master.stats().portsInUseCount());

        first.close();
        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 1);
        try (DirectLink third = b.connect(c.self().id())) {
            assertEquals(first.port(), third.port());
            assertEquals(Set.of(range.first(), range.last()), cluster.master.stats().portsInUse().get("127.0.0.1"));
        }
        second.close();
        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
    }

    @Test
    void aPortTakenByAnotherProgramIsSkippedNotLost() throws Exception {
        PortRange range = TestPorts.range(2);
        cluster(range);
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        DirectLink first;
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), range.first()));

            first = a.connect(b.self().id());
            assertEquals(range.last(), first.port(), "the taken port is skipped");
            assertEquals(Set.of(range.last()), cluster.master.stats().portsInUse().get("127.0.0.1"));

            PortsExhaustedException refused = assertThrows(PortsExhaustedException.class,
                    () -> a.connect(b.self().id()));
            assertTrue(refused.getMessage().contains("could not be bound"), refused.getMessage());
            // The master gives the skipped port back once the refusal is on its way.
            await().atMost(WAIT).until(() -> cluster.master.stats().portsInUse().get("127.0.0.1"),
                    org.hamcrest.Matchers.equalTo(Set.of(range.last())));
        }
        try (DirectLink second = a.connect(b.self().id())) {
            assertEquals(range.first(), second.port(), "once freed, the skipped port is used again");
        }
        first.close();
        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
    }

    @Test
    void everyHostGetsTheWholeRange() {
        PortRange range = TestPorts.range(1, "127.0.0.1", "127.0.0.2");
        cluster(range);
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        ClusterNode c = cluster.node("c", builder -> builder.bindHost("127.0.0.2").advertisedHost("127.0.0.2"));
        assertEquals("127.0.0.2", c.self().host());

        try (DirectLink toB = a.connect(b.self().id()); DirectLink toC = a.connect(c.self().id())) {
            assertEquals(range.first(), toB.port());
            assertEquals(range.first(), toC.port());
            assertEquals("127.0.0.2", toC.info().host());
            assertEquals(Map.of("127.0.0.1", Set.of(range.first()), "127.0.0.2", Set.of(range.first())),
                    cluster.master.stats().portsInUse());
            assertThrows(PortsExhaustedException.class, () -> c.connect(b.self().id()));
        }
        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
    }

    @Test
    void linkingToAnUnknownNodeFailsAndConsumesNoPort() {
        cluster(TestPorts.range(2));
        ClusterNode a = cluster.node("a");
        cluster.node("b");
        NodeId stranger = NodeId.random();

        NoSuchNodeException missing = assertThrows(NoSuchNodeException.class, () -> a.connect(stranger));
        assertTrue(missing.getMessage().contains(stranger.value()), missing.getMessage());
        assertTrue(missing.getMessage().contains("connected nodes: a ("), missing.getMessage());
        assertEquals(0, cluster.master.stats().portsInUseCount());
        assertEquals(0, cluster.master.stats().linksBrokered());
        assertThrows(IllegalArgumentException.class, () -> a.connect(a.self().id()));
    }
}
