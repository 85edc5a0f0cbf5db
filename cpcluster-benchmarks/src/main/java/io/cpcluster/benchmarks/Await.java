package io.cpcluster.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Waits, in set-up code, for something another thread makes true. */
final class Await {
    private Await() {
    }

    /** Polls until the supplier gives a value, for at most 30 s. */
    static <T> T until(Supplier<T> value) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            T got = value.get();
            if (got != null) {
                return got;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        throw new IllegalStateException("gave up waiting after 30 s");
    }
}
