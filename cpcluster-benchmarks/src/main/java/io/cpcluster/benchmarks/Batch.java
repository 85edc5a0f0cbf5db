package io.cpcluster.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The receiving end of a one-way stream sent in batches: counts the messages that arrive, checks
 * that each is the next in sequence and of the expected size, and wakes the sender when the last
 * of its batch has arrived (its acknowledgement). Parks rather than spins: on two cores a
 * spinning sender would take the receiver's core.
 */
final class Batch {
    private final AtomicLong received = new AtomicLong();
    private volatile long awaited = Long.MAX_VALUE;
    private volatile Thread sender;
    private volatile int size;
    private volatile String broken;

    /** The size every message has, from now on. */
    void size(int bytes) {
        size = bytes;
    }

    /** A message arrived (on the receiving thread); its first 8 bytes are its sequence number. */
    void arrived(byte[] message) {
        long expected = received.get() + 1;
        long sequence = Sequence.get(message);
        if (message.length != size || sequence != expected) {
            broken = "message " + expected + " arrived as " + sequence + " (" + message.length + " bytes)";
        }
        received.set(expected);
        if (expected >= awaited) {
            LockSupport.unpark(sender);
        }
    }

    /** Waits, 30 s at most, until every message up to {@code last} has arrived, and checks them. */
    void awaitAll(long last) {
        sender = Thread.currentThread();
        awaited = last;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.get() < last && System.nanoTime() < deadline) {
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        }
        awaited = Long.MAX_VALUE;
        Sequence.check(broken == null, String.valueOf(broken));
        Sequence.check(received.get() == last, received.get() + " of " + last + " messages arrived");
    }
}
