/**
 * The public API of CPCluster: a master that authenticates nodes and brokers direct links,
 * nodes that serve and submit tasks, and the links over which they talk.
 *
 * <p>Start with {@link io.cpcluster.ClusterMaster#start(MasterConfig)} and
 * {@link io.cpcluster.ClusterNode#start(NodeConfig)}. All types are interfaces, records and
 * unchecked exceptions under {@link io.cpcluster.ClusterException}; no method accepts or
 * returns {@code null}.
 */
package io.cpcluster;
