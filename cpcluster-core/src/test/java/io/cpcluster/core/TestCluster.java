package io.cpcluster.core;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.PortRange;
import io.cpcluster.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A master and nodes on loopback for one test, with every event recorded. Close it in
 * {@code @AfterEach}; it closes what it started, nodes first.
 */
final class TestCluster implements AutoCloseable {
    final ClusterMaster master;
    /** The master's security, which every node of the cluster is started with. */
    private final Security security;
    final List<ClusterEvent> masterEvents = new CopyOnWriteArrayList<>();
    private final Map<ClusterNode, List<ClusterEvent>> nodeEvents = new ConcurrentHashMap<>();
    private final List<ClusterNode> nodes = new CopyOnWriteArrayList<>();

    TestCluster() {
        this(TestPorts.range(20), b -> b);
    }

    TestCluster(PortRange range, UnaryOperator<MasterConfig.Builder> settings) {
        MasterConfig config = settings.apply(MasterConfig.builder()
                .port(0)
                .portRange(range)
                .authTimeout(Duration.ofSeconds(5))).build();
        security = config.security();
        master = ClusterMaster.start(config);
        master.subscribe(ClusterListener.of(masterEvents::add));
    }

    /** A node joined with the master's token and address, configured further by {@code settings}. */
    ClusterNode node(String name, UnaryOperator<NodeConfig.Builder> settings) {
        ClusterNode node = ClusterNode.start(settings.apply(NodeConfig.builder()
                .name(name)
                .security(security)
                .join(master.joinInfo())).build());
        List<ClusterEvent> events = new CopyOnWriteArrayList<>();
        node.subscribe(ClusterListener.of(events::add));
        nodeEvents.put(node, events);
        nodes.add(node);
        return node;
    }

    ClusterNode node(String name) {
        return node(name, b -> b);
    }

    /** Closes a node the test started by itself along with the others. */
    void closeLater(ClusterNode node) {
        nodes.add(node);
    }

    /** The events a node has seen since it started. */
    List<ClusterEvent> events(ClusterNode node) {
        return nodeEvents.get(node);
    }

    <E extends ClusterEvent> List<E> events(ClusterNode node, Class<E> type) {
        return ofType(events(node), type);
    }

    <E extends ClusterEvent> List<E> masterEvents(Class<E> type) {
        return ofType(masterEvents, type);
    }

    private static <E extends ClusterEvent> List<E> ofType(List<ClusterEvent> events, Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Waits (at most 10 s) until the supplier gives a value, and returns it. */
    static <T> T await(java.util.function.Supplier<T> value) {
        java.util.concurrent.atomic.AtomicReference<T> got = new java.util.concurrent.atomic.AtomicReference<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            got.set(value.get());
            return got.get() != null;
        });
        return got.get();
    }

    @Override
    public void close() {
        List<ClusterNode> started = new ArrayList<>(nodes);
        RuntimeException failure = null;
        for (ClusterNode node : started) {
            try {
                node.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        master.close();
        if (failure != null) {
            throw failure;
        }
    }
}
