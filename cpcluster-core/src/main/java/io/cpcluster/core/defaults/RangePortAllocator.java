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
 * round-robin, with one cursor for all hosts, so a port just released (perhaps still in TIME_WAIT
 * on its host) is handed out again only once the cursor has gone round the range back to it.
 *
 * <p>A host is kept only while it holds a port: a host whose last port is released is forgotten,
 * so host names that come and go (made-up ones included) cost nothing that stays.
 */
public final class RangePortAllocator implements PortAllocator {
    private final PortRange range;
    private final ReentrantLock lock = new ReentrantLock();
    /** The ports in use, as indexes into the range, for each host that holds any. Guarded by {@link #lock}. */
    private final Map<String, BitSet> hosts = new HashMap<>();
    /** Where the next search starts, as an index into the range, whatever the host. Guarded by {@link #lock}. */
    private int next;

    public RangePortAllocator(PortRange range) {
        this.range = Objects.requireNonNull(range, "range");
    }

    @Override
    public int allocate(String host) {
        Objects.requireNonNull(host, "host");
        lock.lock();
        try {
            BitSet used = hosts.get(host);
            int size = range.size();
            for (int i = 0; i < size; i++) {
                int index = (next + i) % size;
                if (used == null || !used.get(index)) {
                    if (used == null) {
                        used = new BitSet();
                        hosts.put(host, used);
                    }
                    used.set(index);
                    next = (index + 1) % size;
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
            BitSet used = hosts.computeIfAbsent(host, h -> new BitSet());
            int index = port - range.first();
            if (used.get(index)) {
                return false;
            }
            used.set(index);
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
            BitSet used = hosts.get(host);
            if (used != null) {
                used.clear(port - range.first());
                if (used.isEmpty()) {
                    hosts.remove(host);
                }
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
            BitSet used = hosts.get(host);
            TreeSet<Integer> result = new TreeSet<>();
            if (used != null) {
                used.stream().forEach(index -> result.add(range.first() + index));
            }
            return Collections.unmodifiableSortedSet(result);
        } finally {
            lock.unlock();
        }
    }

    /** How many hosts hold a port now: the hosts this allocator keeps anything for. */
    int hostCount() {
        lock.lock();
        try {
            return hosts.size();
        } finally {
            lock.unlock();
        }
    }
}
