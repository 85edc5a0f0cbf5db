package io.cpcluster.benchmarks;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A master and nodes on loopback for one benchmark trial, all with one {@link Security}: TLS 1.3
 * (each node and the master make a key pair as they start, as by default) or plain TCP. Closing
 * it closes them all.
 */
final class Fixture implements AutoCloseable {
    /** Held so that the level stays set: joins and leaves are not news in a benchmark. */
    private static final Logger QUIET = Logger.getLogger("io.cpcluster");
    /** The warning that plain TCP was chosen: here it is chosen on purpose, beside TLS. */
    private static final Logger PLAIN_CHOSEN = Logger.getLogger("io.cpcluster.security");

    static {
        QUIET.setLevel(Level.WARNING);
        PLAIN_CHOSEN.setLevel(Level.SEVERE);
    }

    final ClusterMaster master;
    final Security security;
    private final List<ClusterNode> nodes = new ArrayList<>();

    Fixture(Security security) {
        this(security, b -> b);
    }

    Fixture(Security security, UnaryOperator<MasterConfig.Builder> settings) {
        this.security = security;
        master = ClusterMaster.start(settings.apply(MasterConfig.builder().port(0).security(security)).build());
    }

    /** A node's settings: joining this master, with its security. */
    NodeConfig.Builder nodeConfig(String name) {
        return NodeConfig.builder().name(name).security(security).join(master.joinInfo());
    }

    ClusterNode node(String name, ReaderThreads readers, UnaryOperator<NodeConfig.Builder> settings) {
        ClusterNode node = ClusterNode.start(settings.apply(nodeConfig(name).linkReaders(readers)).build());
        nodes.add(node);
        return node;
    }

    @Override
    public void close() {
        nodes.reversed().forEach(ClusterNode::close);
        master.close();
    }
}
