package io.cpcluster.core.wire;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A warning that a peer can make us repeat at will (a refused proof, a refused connection), so
 * that a flood of them cannot flood the log: the first is logged, then at most one per interval,
 * saying how many like it were left out meanwhile. Thread-safe.
 */
public final class RepeatedWarning {
    private final System.Logger log;
    private final long intervalNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private long lastNanos;
    private boolean logged;
    private long leftOut;

    public RepeatedWarning(System.Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Logs the warning at WARNING, unless one was logged less than an interval ago. */
    public void log(Supplier<String> message) {
        long now = System.nanoTime();
        long before;
        lock.lock();
        try {
            if (logged && now - lastNanos < intervalNanos) {
                leftOut++;
                return;
            }
            logged = true;
            lastNanos = now;
            before = leftOut;
            leftOut = 0;
        } finally {
            lock.unlock();
        }
        log.log(Level.WARNING, before == 0 ? message.get()
                : message.get() + " (and " + before + " more like it since the last such line)");
    }
}
