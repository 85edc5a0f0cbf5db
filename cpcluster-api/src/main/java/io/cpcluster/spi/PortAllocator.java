package io.cpcluster.spi;

import io.cpcluster.MasterConfig;
import io.cpcluster.PortsExhaustedException;
import java.util.SortedSet;

/**
 * Hands out the ports that direct links listen on. Ports are kept per host, so every machine
 * gets the whole range; a port is in use from {@link #allocate(String)} until
 * {@link #release(String, int)}.
 *
 * <p>When the accepting node cannot bind the port it was given (another program holds it), the
 * master keeps that port allocated while it tries the next one, then releases it: the port is
 * skipped for this link, not lost. Implementations are thread-safe.
 *
 * <p>A port here is the port the accepting node <em>binds</em>. The port other nodes dial to
 * reach it is usually the same; behind NAT or a container's port mapping it is not, and
 * {@link #dialPort(String, int)} says which it is.
 */
public interface PortAllocator {
    /**
     * Takes a free port on a host.
     *
     * @param host the host, as nodes advertise it
     * @return a port that is not in use on that host
     * @throws PortsExhaustedException if every port is in use on that host
     */
    int allocate(String host);

    /**
     * Takes a given port on a host, if it is free: how a restarted master records the ports of
     * links that rejoining nodes report.
     *
     * @param host the host
     * @param port the port
     * @return true if the port was free and is now in use; false if it was already in use or is
     *         outside the allocator's range
     */
    boolean reserve(String host, int port);

    /**
     * Gives a port back.
     *
     * @param host the host it was allocated on
     * @param port the port; releasing a port that is not in use does nothing
     */
    void release(String host, int port);

    /**
     * Returns the port other nodes dial to reach a port bound on a host: the same port unless
     * something between them maps it (a NAT rule, a container's published port).
     *
     * @param host the host, as nodes advertise it
     * @param bindPort a port this allocator handed out on that host
     * @return the port to dial, 1 to 65535; {@code bindPort} by default
     */
    default int dialPort(String host, int bindPort) {
        return bindPort;
    }

    /**
     * Returns the ports in use on a host.
     *
     * @param host the host
     * @return the ports, sorted; empty when none
     */
    SortedSet<Integer> inUse(String host);

    /** Creates port allocators; found with {@link java.util.ServiceLoader} and chosen by {@link #name()}. */
    interface Provider {
        /**
         * Returns the name configurations choose this allocator by.
         *
         * @return for example {@code range}
         */
        String name();

        /**
         * Creates the allocator for one master.
         *
         * @param config the master's configuration (its port range)
         * @return a new allocator
         */
        PortAllocator create(MasterConfig config);
    }
}
