package io.cpcluster.core.wire;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Connections that have not proved anything yet (the master's unauthenticated connections, a
 * node's link handshakes), counted in all and per address, so that anyone who can reach a port
 * cannot make us hold more than {@code max} of them, or {@code maxPerAddress} from one address.
 * The accept loop asks {@link #enter} before it gives a connection a thread or a buffer; the
 * connection leaves when it proves itself or ends. An address is forgotten when its count drops
 * to zero, so the map never holds more than {@code max} addresses. Thread-safe.
 */
public final class PerAddressLimit {
    /** Which limit a refused connection hit. */
    public enum Full {
        /** {@code max} connections are in already. */
        IN_ALL,
        /** {@code maxPerAddress} connections from its address are in already. */
        FROM_ITS_ADDRESS
    }

    private final int max;
    private final int maxPerAddress;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private int total;
    private final AtomicLong refused = new AtomicLong();

    public PerAddressLimit(int max, int maxPerAddress) {
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    /**
     * Counts a new connection in, if there is room.
     *
     * @return null when it is in; otherwise the limit it hit
     */
    public Full enter(InetAddress address) {
        return enter(address, false);
    }

    /**
     * Counts a new connection in, if there is room.
     *
     * @param expected whether the connection comes from the one address the caller waits for
     *        (an initiator the master named): then only the cap per address applies, so that
     *        others filling the total cannot keep it out
     * @return null when it is in; otherwise the limit it hit
     */
    public Full enter(InetAddress address, boolean expected) {
        lock.lock();
        try {
            if (total >= max && !expected) {
                refused.incrementAndGet();
                return Full.IN_ALL;
            }
            int from = perAddress.getOrDefault(address, 0);
            if (from >= maxPerAddress) {
                refused.incrementAndGet();
                return Full.FROM_ITS_ADDRESS;
            }
            perAddress.put(address, from + 1);
            total++;
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** A connection counted in proved itself or ended; call once per {@link #enter} that let it in. */
    public void leave(InetAddress address) {
        lock.lock();
        try {
            Integer from = perAddress.get(address);
            if (from == null) {
                return;
            }
            if (from <= 1) {
                perAddress.remove(address);
            } else {
                perAddress.put(address, from - 1);
            }
            total--;
        } finally {
            lock.unlock();
        }
    }

    /** Connections counted in now. */
    public int count() {
        lock.lock();
        try {
            return total;
        } finally {
            lock.unlock();
        }
    }

    /** Addresses with connections counted in now. */
    public int addresses() {
        lock.lock();
        try {
            return perAddress.size();
        } finally {
            lock.unlock();
        }
    }

    /** Connections refused so far. */
    public long refused() {
        return refused.get();
    }
}
