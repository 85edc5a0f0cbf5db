package io.cpcluster.core;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.core.master.Master;
import io.cpcluster.core.node.Node;
import io.cpcluster.spi.ClusterProvider;

/** The implementation {@link ClusterMaster#start} and {@link ClusterNode#start} find with ServiceLoader. */
public final class CoreClusterProvider implements ClusterProvider {
    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public CoreClusterProvider() {
    }

    @Override
    public ClusterMaster startMaster(MasterConfig config) {
        return Master.start(config);
    }

    @Override
    public ClusterNode startNode(NodeConfig config) {
        return Node.start(config);
    }
}
