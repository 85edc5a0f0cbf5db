/**
 * Service provider interfaces: how bytes move ({@link io.cpcluster.spi.Transport}), where the
 * cluster's secrets live ({@link io.cpcluster.spi.TokenStore}), how link ports are handed out
 * ({@link io.cpcluster.spi.PortAllocator}), and which implementation runs the cluster
 * ({@link io.cpcluster.spi.ClusterProvider}).
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader} (register them with
 * {@code provides ... with} in {@code module-info.java} and in {@code META-INF/services}) and
 * chosen by name in {@link io.cpcluster.MasterConfig} and {@link io.cpcluster.NodeConfig}, or
 * passed there as instances.
 */
package io.cpcluster.spi;
