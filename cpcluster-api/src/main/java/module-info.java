/**
 * The CPCluster API: start a {@link io.cpcluster.ClusterMaster} or a {@link io.cpcluster.ClusterNode},
 * open {@link io.cpcluster.DirectLink}s between nodes, serve and submit tasks.
 *
 * <p>This module depends on the JDK only. The implementation is found at run time through
 * {@link io.cpcluster.spi.ClusterProvider} and {@link java.util.ServiceLoader}; add
 * {@code io.cpcluster:cpcluster-core} to the class path or module path.
 */
module io.cpcluster {
    exports io.cpcluster;
    exports io.cpcluster.spi;

    uses io.cpcluster.spi.ClusterProvider;
    uses io.cpcluster.spi.Transport;
    uses io.cpcluster.spi.TokenStore.Provider;
    uses io.cpcluster.spi.PortAllocator.Provider;
}
