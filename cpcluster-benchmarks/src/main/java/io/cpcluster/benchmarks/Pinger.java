package io.cpcluster.benchmarks;

import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends every joined node's {@code PING} on time, from one platform thread. A real node pings
 * from its own process; here ten thousand nodes share the probe's two carrier threads with their
 * readers, and a pinger on a virtual thread would wait behind thousands of readers busy with the
 * membership news until the master took its node for dead: the probe, not the master, would have
 * dropped it. A platform thread gets its share of the CPU from the kernel instead. Each node's
 * first ping comes at a random point of the first interval, so that pings spread evenly.
 *
 * <p>How late each ping left, by the schedule, is recorded by the node ({@link SimulatedNode#sendPing}).
 */
final class Pinger implements AutoCloseable {
    private record Due(long atNanos, SimulatedNode node) {
    }

    private final long intervalNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> Long.compare(a.atNanos, b.atNanos));
    private final Thread thread;
    private volatile boolean closed;

    Pinger(long intervalMillis) {
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.thread = Thread.ofPlatform().name("load-pinger").daemon().start(this::run);
    }

    /** Starts pinging a node that joined. */
    void add(SimulatedNode node) {
        Due first = new Due(System.nanoTime() + ThreadLocalRandom.current().nextLong(intervalNanos), node);
        lock.lock();
        try {
            due.add(first);
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (!closed) {
            Due next;
            lock.lock();
            try {
                next = due.peek();
                if (next != null && next.atNanos - System.nanoTime() <= 0) {
                    due.poll();
                } else {
                    next = null;
                }
            } finally {
                lock.unlock();
            }
            if (next == null) {
                // Nothing due: pings leave within a millisecond of their time.
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            if (next.node.sendPing(next.atNanos)) {
                // A ping that left late is not made up for with a burst: the next is an interval on.
                Due again = new Due(Math.max(next.atNanos + intervalNanos, System.nanoTime()), next.node);
                lock.lock();
                try {
                    due.add(again);
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
