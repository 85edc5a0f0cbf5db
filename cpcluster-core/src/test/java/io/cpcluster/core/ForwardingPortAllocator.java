package io.cpcluster.core;

import io.cpcluster.PortRange;
import io.cpcluster.core.defaults.RangePortAllocator;
import io.cpcluster.spi.PortAllocator;
import java.util.SortedSet;

/** The {@code range} allocator behind a class a test extends to change one thing it does. */
class ForwardingPortAllocator implements PortAllocator {
    private final RangePortAllocator ports;

    ForwardingPortAllocator(PortRange range) {
        this.ports = new RangePortAllocator(range);
    }

    @Override
    public int allocate(String host) {
        return ports.allocate(host);
    }

    @Override
    public boolean reserve(String host, int port) {
        return ports.reserve(host, port);
    }

    @Override
    public void release(String host, int port) {
        ports.release(host, port);
    }

    @Override
    public int dialPort(String host, int bindPort) {
        return ports.dialPort(host, bindPort);
    }

    @Override
    public SortedSet<Integer> inUse(String host) {
        return ports.inUse(host);
    }
}
