/**
 * CPCluster for CDI applications: a portable extension that makes {@link io.cpcluster.ClusterNode}
 * (and, when configured, {@link io.cpcluster.ClusterMaster}) injectable, serves tasks from bean
 * methods annotated {@link io.cpcluster.cdi.TaskHandler}, and fires the node's cluster events as
 * CDI events. Configuration comes from {@code cpcluster.*} keys; see {@link io.cpcluster.cdi}.
 */
module io.cpcluster.cdi {
    requires transitive io.cpcluster;
    requires transitive jakarta.cdi;

    exports io.cpcluster.cdi;

    provides jakarta.enterprise.inject.spi.Extension with io.cpcluster.cdi.ClusterExtension;
}
