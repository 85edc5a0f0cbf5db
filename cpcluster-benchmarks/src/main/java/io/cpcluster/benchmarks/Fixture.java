package io.cpcluster.benchmarks;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.ReaderThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A master and nodes on loopback for one benchmark trial; closing it closes them all. */
final class Fixture implements AutoCloseable {
    /** Held so that the level stays set: joins and leaves are not news in a benchmark. */
    private static final Logger QUIET = Logger.getLogger("io.cpcluster");

    static {
        QUIET.setLevel(Level.WARNING);
    }

    final ClusterMaster master;
    private final List<ClusterNode> nodes = new ArrayList<>();

    Fixture() {
        master = ClusterMaster.start(MasterConfig.builder().port(0).build());
    }

    ClusterNode node(String name, ReaderThreads readers, UnaryOperator<NodeConfig.Builder> settings) {
        ClusterNode node = ClusterNode.start(settings.apply(NodeConfig.builder()
                .name(name)
                .linkReaders(readers)
                .join(master.joinInfo())).build());
        nodes.add(node);
        return node;
    }

    @Override
    public void close() {
        nodes.reversed().forEach(ClusterNode::close);
        master.close();
    }
}
