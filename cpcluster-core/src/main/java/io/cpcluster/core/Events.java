package io.cpcluster.core;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterListener;
import io.cpcluster.Subscription;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Delivers events to listeners, one at a time and in order, on a virtual thread of its own, so
 * that a listener may block (even call back into the cluster) without stalling the thread that
 * read the news. The queue is bounded: if listeners fall {@value #CAPACITY} events behind, the
 * publisher waits.
 */
final class Events {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.events");
    static final int CAPACITY = 4096;

    /** Marks the end of the queue. */
    private static final Object END = new Object();

    private final CopyOnWriteArrayList<ClusterListener> listeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread dispatcher;
    private volatile boolean closed;

    Events(String name) {
        dispatcher = Threads.startVirtual(name, this::dispatch);
    }

    Subscription subscribe(ClusterListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Queues an event for every listener; drops it when there are none or the events are closed. */
    void publish(ClusterEvent event) {
        if (closed || listeners.isEmpty()) {
            return;
        }
        try {
            queue.put(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(Level.DEBUG, "interrupted while publishing {0}; it is dropped", event);
        }
    }

    /** Delivers what is queued, then stops, waiting at most {@code timeout}. */
    void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        if (!queue.offer(END)) {
            dispatcher.interrupt();
        }
        if (!Threads.join(dispatcher, timeout)) {
            dispatcher.interrupt();
        }
    }

    private void dispatch() {
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
            ClusterEvent event = (ClusterEvent) next;
            for (ClusterListener listener : listeners) {
                try {
                    listener.onEvent(event);
                } catch (RuntimeException | Error e) {
                    LOG.log(Level.WARNING, "a cluster listener failed on " + event, e);
                }
            }
        }
    }
}
