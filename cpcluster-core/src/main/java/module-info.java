/**
 * The CPCluster implementation: the master, the node, direct links, the wire protocol, and the
 * default transport ({@code tcp}), token stores ({@code file}, {@code memory}) and port
 * allocator ({@code range}). It exports nothing; applications use the {@code io.cpcluster}
 * API, which finds this module with {@link java.util.ServiceLoader}.
 */
module io.cpcluster.core {
    requires io.cpcluster;
    requires jakarta.json;
    requires jakarta.json.bind;
    requires org.eclipse.yasson;

    provides io.cpcluster.spi.ClusterProvider with io.cpcluster.core.CoreClusterProvider;
    provides io.cpcluster.spi.Transport with io.cpcluster.core.TcpTransport;
    provides io.cpcluster.spi.TokenStore.Provider
            with io.cpcluster.core.FileTokenStoreProvider, io.cpcluster.core.MemoryTokenStoreProvider;
    provides io.cpcluster.spi.PortAllocator.Provider with io.cpcluster.core.RangePortAllocatorProvider;
}
