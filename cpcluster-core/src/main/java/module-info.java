/**
 * The CPCluster implementation: the master, the node, direct links, the wire protocol, and the
 * default transport ({@code tcp}), token stores ({@code file}, {@code memory}) and port
 * allocator ({@code range}). It exports nothing; applications use the {@code io.cpcluster}
 * API, which finds this module with {@link java.util.ServiceLoader}.
 *
 * <p>Packages: {@code wire} (frames, control messages, payloads), {@code threads} (thread
 * factories, lanes, event delivery), {@code link} (an open direct link), {@code node} (a node:
 * its master connection, link set-up, tasks, submit), {@code master} (the master and its book),
 * {@code tcp} (the transport), {@code tls} (key pairs, fingerprints, TLS 1.3 set-up), {@code defaults} (token stores, the port allocator, join files).
 */
module io.cpcluster.core {
    requires io.cpcluster;
    requires jakarta.json;
    requires jakarta.json.bind;
    requires org.eclipse.yasson;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;

    provides io.cpcluster.spi.ClusterProvider with io.cpcluster.core.CoreClusterProvider;
    provides io.cpcluster.spi.Transport with io.cpcluster.core.tcp.TcpTransport;
    provides io.cpcluster.spi.TokenStore.Provider
            with io.cpcluster.core.defaults.FileTokenStoreProvider, io.cpcluster.core.defaults.MemoryTokenStoreProvider;
    provides io.cpcluster.spi.PortAllocator.Provider with io.cpcluster.core.defaults.RangePortAllocatorProvider;
}
