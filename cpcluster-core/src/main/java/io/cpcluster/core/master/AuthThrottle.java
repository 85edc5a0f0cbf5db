package io.cpcluster.core.master;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Slows down repeated authentication failures from one address: the first wrong proof is
 * answered after the base delay, each further one after twice the delay before it (up to
 * {@link #MAX_DELAY}), and the answers from one address are spaced at least that far apart even
 * when it tries many connections at once. A success, or a quiet minute, forgets the address.
 */
final class AuthThrottle {
    static final Duration MAX_DELAY = Duration.ofSeconds(5);
    private static final long FORGET_AFTER_NANOS = Duration.ofMinutes(1).toNanos();
    private static final int MAX_ADDRESSES = 10_000;

    private final long baseNanos;
    private final ReentrantLock lock = new ReentrantLock();
    // Access order: the least recently failing address comes first, so forgetting stops at the first fresh one.
    private final Map<InetAddress, Failures> failures = new LinkedHashMap<>(16, 0.75f, true);

    AuthThrottle(Duration base) {
        this.baseNanos = base.toNanos();
    }

    private static final class Failures {
        int count;
        long nextAnswerNanos;
        long lastNanos;
    }

    /**
     * Records a failure from an address.
     *
     * @return how long to wait before answering it, in nanoseconds
     */
    long failed(InetAddress address) {
        if (baseNanos == 0) {
            return 0;
        }
        long now = System.nanoTime();
        lock.lock();
        try {
            forgetOld(now);
            Failures entry = failures.computeIfAbsent(address, a -> new Failures());
            entry.count++;
            long delay = Math.min(MAX_DELAY.toNanos(), baseNanos << Math.min(entry.count - 1, 30));
            long answerAt = Math.max(now, entry.nextAnswerNanos) + delay;
            entry.nextAnswerNanos = answerAt;
            entry.lastNanos = now;
            return answerAt - now;
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

    private void forgetOld(long now) {
        Iterator<Failures> it = failures.values().iterator();
        while (it.hasNext()) {
            Failures entry = it.next();
            if (now - entry.lastNanos > FORGET_AFTER_NANOS || failures.size() > MAX_ADDRESSES) {
                it.remove();
            } else {
                break;
            }
        }
    }
}
