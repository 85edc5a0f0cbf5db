package io.cpcluster.core.master;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Limits guessing by attempts, never by holding a socket: after a wrong proof from an address,
 * the master checks no proof from that address for a pause (the base delay, doubling with each
 * further wrong proof, up to {@link #MAX_PAUSE}); an {@code AUTH} that arrives meanwhile is refused
 * at once without being checked, and does not lengthen the pause; once the pause is over, the
 * address's proofs are checked one at a time ({@link #admit}). So an address gets at most one
 * checked guess per pause however many connections it opens, and every answer goes out at once.
 * A success, or a quiet minute, forgets the address; at most {@value #MAX_ADDRESSES} addresses are
 * remembered (the longest quiet are forgotten first).
 */
final class AuthThrottle {
    static final Duration MAX_PAUSE = Duration.ofSeconds(5);
    private static final long FORGET_AFTER_NANOS = Duration.ofMinutes(1).toNanos();
    static final int MAX_ADDRESSES = 10_000;

    private final long baseNanos;
    private final ReentrantLock lock = new ReentrantLock();
    // The least recently failing address comes first (a failure moves its address to the end), so
    // forgetting stops at the first fresh one.
    private final Map<InetAddress, Failures> failures = new LinkedHashMap<>();

    AuthThrottle(Duration base) {
        this.baseNanos = base.toNanos();
    }

    private static final class Failures {
        int count;
        /** Until when proofs from the address are not checked (System.nanoTime()). */
        long pausedUntil;
        long lastNanos;
    }

    /**
     * Asks whether a proof from an address may be checked now. For an address with wrong proofs
     * behind it, a yes also pauses the address as if this proof were wrong too, until
     * {@link #failed} or {@link #succeeded} says how it went: so its AUTHs are checked one at a
     * time, however many arrive at once.
     *
     * @return 0 when the proof may be checked; else how long the address is paused, in nanoseconds
     */
    long admit(InetAddress address) {
        if (baseNanos == 0) {
            return 0;
        }
        long now = System.nanoTime();
        lock.lock();
        try {
            Failures entry = failures.get(address);
            if (entry == null) {
                return 0;
            }
            if (now - entry.lastNanos > FORGET_AFTER_NANOS) {
                // A quiet minute forgets the address, as documented, whether or not a later
                // failure has swept it out yet.
                failures.remove(address);
                return 0;
            }
            long left = entry.pausedUntil - now;
            if (left > 0) {
                return left;
            }
            entry.pausedUntil = now + pause(entry.count + 1);
            return 0;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How long proofs from an address are not checked yet.
     *
     * @return nanoseconds; 0 when its next proof is checked
     */
    long pausedFor(InetAddress address) {
        long now = System.nanoTime();
        lock.lock();
        try {
            Failures entry = failures.get(address);
            return entry == null ? 0 : Math.max(0, entry.pausedUntil - now);
        } finally {
            lock.unlock();
        }
    }

    private long pause(int count) {
        long max = MAX_PAUSE.toNanos();
        long pause = Math.min(max, baseNanos);
        for (int i = 1; i < count && pause < max; i++) {
            pause = Math.min(max, pause * 2);
        }
        return pause;
    }

    /**
     * Records a wrong proof from an address, and pauses the checking of its proofs.
     *
     * @return the pause, in nanoseconds
     */
    long failed(InetAddress address) {
        if (baseNanos == 0) {
            return 0;
        }
        long now = System.nanoTime();
        lock.lock();
        try {
            forgetOld(now);
            Failures entry = failures.remove(address);
            if (entry == null) {
                entry = new Failures();
            }
            failures.put(address, entry);
            entry.count++;
            long pause = pause(entry.count);
            entry.pausedUntil = now + pause;
            entry.lastNanos = now;
            return pause;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets an address after it authenticated. */
    void succeeded(InetAddress address) {
        lock.lock();
        try {
            failures.remove(address);
        } finally {
            lock.unlock();
        }
    }

    /** Addresses remembered now. */
    int remembered() {
        lock.lock();
        try {
            return failures.size();
        } finally {
            lock.unlock();
        }
    }

    private void forgetOld(long now) {
        Iterator<Failures> it = failures.values().iterator();
        while (it.hasNext()) {
            Failures entry = it.next();
            if (now - entry.lastNanos > FORGET_AFTER_NANOS || failures.size() >= MAX_ADDRESSES) {
                it.remove();
            } else {
                break;
            }
        }
    }
}
