package io.cpcluster.core.defaults;

import io.cpcluster.PortRange;
import io.cpcluster.PortsExhaustedException;
import io.cpcluster.spi.PortAllocator;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code range} port allocator: every host gets the whole range. Ports are handed out
 * round-robin, so a port just released (perhaps still in TIME_WAIT on its host) is the last
 * to be handed out again.
 */
public final class RangePortAllocator implements PortAllocator {
    private final PortRange range;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, HostPorts> hosts = new HashMap<>();

    public RangePortAllocator(PortRange range) {
        this.range = Objects.requireNonNull(range, "range");
    }

    /** The ports in use on one host, and where the next search starts. */
    private static final class HostPorts {
        final BitSet used = new BitSet();
        int next;
    }

    @Override
    public int allocate(String host) {
        Objects.requireNonNull(host, "host");
        lock.lock();
        try {
            HostPorts ports = hosts.computeIfAbsent(host, h -> new HostPorts());
            int size = range.size();
            for (int i = 0; i < size; i++) {
                int index = (ports.next + i) % size;
                if (!ports.used.get(index)) {
                    ports.used.set(index);
                    ports.next = (index + 1) % size;
                    return range.first() + index;
                }
            }
            throw new PortsExhaustedException("all " + size + " ports of the range " + range + " are in use on host "
                    + host + ": close links that are no longer needed, or widen the master's port range"
                    + " (MasterConfig.portRange)");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean reserve(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (!range.contains(port)) {
            return false;
        }
        lock.lock();
        try {
            HostPorts ports = hosts.computeIfAbsent(host, h -> new HostPorts());
            int index = port - range.first();
            if (ports.used.get(index)) {
                return false;
            }
            ports.used.set(index);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void release(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (!range.contains(port)) {
            return;
        }
        lock.lock();
        try {
            HostPorts ports = hosts.get(host);
            if (ports != null) {
                // The host's entry stays, with its cursor, so the port just freed is not handed out next.
                ports.used.clear(port - range.first());
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SortedSet<Integer> inUse(String host) {
        Objects.requireNonNull(host, "host");
        lock.lock();
        try {
            HostPorts ports = hosts.get(host);
            TreeSet<Integer> result = new TreeSet<>();
            if (ports != null) {
                ports.used.stream().forEach(index -> result.add(range.first() + index));
            }
            return Collections.unmodifiableSortedSet(result);
        } finally {
            lock.unlock();
        }
    }
}
