package io.cpcluster.cdi;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeLeft;
import io.cpcluster.RemoteTaskException;
import io.cpcluster.core.TestPorts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Weld SE containers, each with its own node, and a master, over real TCP. */
class WeldNodesTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicInteger CONTAINERS = new AtomicInteger();

    private ClusterMaster master;
    private final List<NodeLeft> left = new CopyOnWriteArrayList<>();
    private final List<WeldContainer> containers = new ArrayList<>();

    @BeforeEach
    void startMaster() {
        master = ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(10)).build());
        master.subscribe(new ClusterListener() {
            @Override
            public void onNodeLeft(NodeLeft event) {
                left.add(event);
            }
        });
    }

    @AfterEach
    void close() {
        containers.forEach(container -> {
            if (container.isRunning()) {
                container.close();
            }
        });
        master.close();
    }

    /** A container whose node joins the test's master, with these beans. */
    private WeldContainer container(String name, Class<?>... beans) {
        WeldContainer container = new Weld(name + "-" + CONTAINERS.incrementAndGet())
                .disableDiscovery()
                .addExtension(new ClusterExtension(Map.of(
                        "cpcluster.node.name", name,
                        "cpcluster.masters", "127.0.0.1:" + master.address().getPort(),
                        "cpcluster.token", master.joinInfo().token(),
                        "cpcluster.master-key", master.joinInfo().fingerprint().orElseThrow()), Map.of()))
                .addBeanClasses(beans)
                .initialize();
        containers.add(container);
        return container;
    }

    @Test
    void beansServeAndCallTasksAcrossContainersAndObserveClusterEvents() {
        WeldContainer client = container("client", Caller.class);
        WeldContainer server = container("server", Greetings.class);
        Caller caller = client.select(Caller.class).get();
        assertEquals("client", caller.node().self().name());
        NodeId serverId = server.select(ClusterNode.class).get().self().id();
        assertEquals(java.util.Set.of("count", "greet", "greet-many", "refuse", "square-later"),
                master.nodes().stream().filter(n -> n.id().equals(serverId)).findFirst().orElseThrow().tasks());

        await().atMost(WAIT).until(() -> caller.joined().stream().anyMatch(e -> e.node().id().equals(serverId)));
        await().atMost(WAIT).until(() -> caller.joinedAsync().stream().anyMatch(e -> e.node().id().equals(serverId)));

        assertEquals("hello ada", caller.greetAnywhere("ada"));
        await().atMost(WAIT).until(() -> caller.linksOpened().size() == 1);
        assertEquals(serverId, caller.linksOpened().getFirst().link().acceptor());

        try (DirectLink link = caller.node().connect(serverId)) {
            assertEquals("hello ada and grace",
                    link.call("greet-many", new Greetings.Names("ada", "grace"), String.class).join());
            assertEquals(49L, link.call("square-later", 7L, Long.class).join());
            assertNull(link.call("count", "x", String.class).join());
            CompletionException failure = assertThrows(CompletionException.class,
                    () -> link.call("refuse", "no", String.class).join());
            RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, failure.getCause());
            assertEquals("refused: no", remote.remoteMessage());
            assertEquals(IllegalStateException.class.getName(), remote.remoteType());
        }
        assertEquals(2, server.select(Greetings.class).get().served());

        server.close();
        await().atMost(WAIT).until(() -> master.nodes().stream().map(NodeInfo::name).toList().equals(List.of("client")));
        assertEquals("server", left.getFirst().node().name());
    }

    @Test
    void aContainerCanRunTheMasterTooAndItsNodeJoinsIt() {
        WeldContainer container = new Weld("with-master-" + CONTAINERS.incrementAndGet())
                .disableDiscovery()
                .addExtension(new ClusterExtension(Map.of(
                        "cpcluster.master.enabled", "true",
                        "cpcluster.master.port", "0",
                        "cpcluster.master.port-range", TestPorts.range(4).toString(),
                        "cpcluster.node.name", "inside"), Map.of()))
                .addBeanClasses(Greetings.class)
                .initialize();
        containers.add(container);
        ClusterMaster inside = container.select(ClusterMaster.class).get();
        assertEquals(List.of("inside"), inside.nodes().stream().map(NodeInfo::name).toList());
        try (ClusterNode outside = ClusterNode.start(NodeConfig.builder().name("outside").join(inside.joinInfo())
                .build())) {
            assertEquals("hello bob", outside.submit("greet", "bob", String.class).join());
        }
        io.cpcluster.JoinInfo join = inside.joinInfo();
        container.close();
        assertThrows(io.cpcluster.MasterUnavailableException.class, () -> ClusterNode.start(NodeConfig.builder()
                .join(join).build()), "the container closed its master");
    }
}
