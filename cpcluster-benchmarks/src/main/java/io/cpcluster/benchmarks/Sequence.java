package io.cpcluster.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Sequence numbers written into payloads, so that every benchmark checks what comes back. */
final class Sequence {
    private Sequence() {
    }

    static void put(byte[] into, long value) {
        for (int i = 0; i < 8; i++) {
            into[i] = (byte) (value >>> (56 - 8 * i));
        }
    }

    static long get(byte[] from) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (from[i] & 0xff);
        }
        return value;
    }

    /** Fails the benchmark when an answer is not the one expected. */
    static void check(boolean right, String what) {
        if (!right) {
            throw new IllegalStateException("wrong answer: " + what);
        }
    }

    /**
     * Waits, 30 s at most, until as many items arrived as were sent, then fails the benchmark if
     * one arrived out of order or some never did.
     *
     * @param broken what went wrong on arrival, or null
     * @param items what the items are called, for the message
     */
    static void awaitAll(AtomicLong received, long sent, Supplier<String> broken, String items) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.get() < sent && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        check(broken.get() == null, String.valueOf(broken.get()));
        check(received.get() == sent, received.get() + " of " + sent + " " + items + " arrived");
    }
}
