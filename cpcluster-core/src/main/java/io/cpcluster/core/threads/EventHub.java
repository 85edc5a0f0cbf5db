package io.cpcluster.core.threads;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterListener;
import io.cpcluster.Subscription;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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

        /** Stops after what is queued; the END marker goes in even when the queue is full. */
        void end() {
            queue.clear();
            queue.offer(END);
        }

        @Override
        public void close() {
            if (listening.remove(this)) {
                end();
            }
        }
    }

    public Subscription subscribe(ClusterListener listener) {
        Objects.requireNonNull(listener, "listener");
        Listening subscription = new Listening(listener);
        listening.add(subscription);
        if (closed) {
            subscription.close();
        }
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
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Listening each : listening) {
            if (!each.queue.offer(END)) {
                each.thread.interrupt();
            }
        }
        for (Listening each : listening) {
            long left = Math.max(1, deadline - System.nanoTime());
            if (!Threads.join(each.thread, Duration.ofNanos(left))) {
                each.thread.interrupt();
            }
        }
        listening.clear();
    }
}
