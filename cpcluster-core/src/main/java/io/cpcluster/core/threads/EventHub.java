package io.cpcluster.core.threads;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterListener;
import io.cpcluster.Subscription;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Delivers a master's or a node's events to its listeners. {@link #publish} never blocks: each
 * listener has a bounded queue ({@link ClusterListener#QUEUE_CAPACITY}) and a virtual thread of
 * its own that delivers from it, in order. An event that finds a listener's queue full is dropped
 * for that listener, counted ({@link #dropped()}) and logged once per overflow: the threads that
 * publish read the network, and a slow listener must never hold them up.
 */
public final class EventHub {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.events");
    /** Marks the end of a listener's queue. */
    private static final Object END = new Object();

    private final String name;
    private final CopyOnWriteArrayList<Listening> listening = new CopyOnWriteArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    /** Guards adding and removing listeners against closing. */
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    public EventHub(String name) {
        this.name = name;
    }

    /** One listener's queue and the thread that empties it. */
    private final class Listening implements Subscription {
        final ClusterListener listener;
        final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(ClusterListener.QUEUE_CAPACITY);
        /** True from a drop until the listener has caught up: one log line per overflow. */
        final AtomicBoolean overflowing = new AtomicBoolean();
        final Thread thread;

        Listening(ClusterListener listener) {
            this.listener = listener;
            this.thread = Threads.startVirtual(name + "-listener", this::deliver);
        }

        void offer(ClusterEvent event) {
            if (queue.offer(event)) {
                return;
            }
            dropped.incrementAndGet();
            if (overflowing.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "{0}: a listener has {1} events waiting and takes no more; {2} is dropped for it"
                        + " (a listener that blocks holds up only its own events: hand slow work to another thread)",
                        name, ClusterListener.QUEUE_CAPACITY, event);
            }
        }

        private void deliver() {
            while (true) {
                Object next;
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (next == END) {
                    return;
                }
                if (queue.isEmpty()) {
                    overflowing.set(false);
                }
                ClusterEvent event = (ClusterEvent) next;
                try {
                    listener.onEvent(event);
                } catch (RuntimeException | Error e) {
                    LOG.log(Level.WARNING, "a cluster listener failed on " + event, e);
                }
            }
        }

        /** Drops what is queued and stops the listener's thread. */
        void end() {
            queue.clear();
            queue.offer(END);
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (!listening.remove(this)) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            end();
        }
    }

    public Subscription subscribe(ClusterListener listener) {
        Objects.requireNonNull(listener, "listener");
        Listening subscription = new Listening(listener);
        lock.lock();
        try {
            if (!closed) {
                listening.add(subscription);
                return subscription;
            }
        } finally {
            lock.unlock();
        }
        subscription.end();
        return subscription;
    }

    /** Queues an event for every listener. Never blocks. */
    public void publish(ClusterEvent event) {
        if (closed) {
            return;
        }
        for (Listening each : listening) {
            each.offer(event);
        }
    }

    /** Events dropped so far because a listener's queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Lets each listener take what is queued for it, waiting at most {@code timeout} in all, then
     * stops their threads.
     */
    public void close(Duration timeout) {
        List<Listening> all;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            all = List.copyOf(listening);
            listening.clear();
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Listening each : all) {
            if (!each.queue.offer(END)) {
                each.thread.interrupt();
            }
        }
        for (Listening each : all) {
            long left = Math.max(1, deadline - System.nanoTime());
            if (!Threads.join(each.thread, Duration.ofNanos(left))) {
                each.thread.interrupt();
            }
        }
    }
}
