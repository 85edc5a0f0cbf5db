package io.cpcluster.core.link;

import io.cpcluster.DirectLink;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The peer's one-way messages on their way to the application: held while no consumer is set,
 * then delivered in order on the link's lane. At most {@link DirectLink#MAX_QUEUED_MESSAGES} are
 * held or queued at once; the link's reader waits for room past that, which holds the peer back
 * through TCP, and the link does not count that wait against the peer.
 *
 * <p>All fields are guarded by {@link #lock}.
 */
final class Inbox {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.link");

    private final Link link;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    /** Messages that arrived before a consumer was set. */
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private Consumer<byte[]> consumer;
    /** Messages held, or queued on the lane and not yet consumed. */
    private int pending;
    private boolean closed;

    Inbox(Link link) {
        this.link = link;
    }

    /** A message from the peer (on the link's reader). */
    void received(byte[] message) {
        lock.lock();
        try {
            if (pending >= DirectLink.MAX_QUEUED_MESSAGES && !closed) {
                link.pausing(true);
                try {
                    while (pending >= DirectLink.MAX_QUEUED_MESSAGES && !closed) {
                        room.awaitUninterruptibly();
                    }
                } finally {
                    link.pausing(false);
                }
            }
            if (closed) {
                return;
            }
            pending++;
            if (consumer == null) {
                held.add(message);
            } else {
                link.lane().execute(() -> deliver(message));
            }
        } finally {
            lock.unlock();
        }
    }

    void consumer(Consumer<byte[]> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        lock.lock();
        try {
            boolean first = this.consumer == null;
            this.consumer = consumer;
            if (first) {
                // Under the lock, so that no message the reader takes next can overtake these.
                byte[] message;
                while ((message = held.poll()) != null) {
                    byte[] each = message;
                    link.lane().execute(() -> deliver(each));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Hands one message to the consumer of the moment (on the lane). */
    private void deliver(byte[] message) {
        Consumer<byte[]> to;
        lock.lock();
        try {
            to = consumer;
        } finally {
            lock.unlock();
        }
        try {
            to.accept(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the message consumer of link " + link.id() + " failed", e);
        } finally {
            lock.lock();
            try {
                pending--;
                room.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Messages held or queued and not yet consumed. */
    int pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    /** The link closed: a reader waiting for room stops waiting; held messages are dropped. */
    void close() {
        lock.lock();
        try {
            closed = true;
            held.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
