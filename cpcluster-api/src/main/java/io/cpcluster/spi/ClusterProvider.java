package io.cpcluster.spi;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;

/**
 * The implementation of CPCluster. {@link ClusterMaster#start(MasterConfig)} and
 * {@link ClusterNode#start(NodeConfig)} find it with {@link java.util.ServiceLoader};
 * {@code io.cpcluster:cpcluster-core} provides one.
 */
public interface ClusterProvider {
    /**
     * Starts a master.
     *
     * @param config the master's settings
     * @return the running master
     */
    ClusterMaster startMaster(MasterConfig config);

    /**
     * Starts a node: connects it to the master and authenticates it.
     *
     * @param config the node's settings
     * @return the running node
     */
    ClusterNode startNode(NodeConfig config);
}
