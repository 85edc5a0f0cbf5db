package io.cpcluster.core.link;

import io.cpcluster.DirectLink;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The peer's one-way messages on their way to the application: held while no consumer is set,
 * then delivered in order on the link's lane. At most {@link DirectLink#MAX_QUEUED_MESSAGES}
 * messages, and {@link io.cpcluster.NodeConfig#maxQueuedMessageBytes()} bytes of them, are held
 * or queued at once (one message always fits); the link's reader waits for room past that, which
 * holds the peer back through TCP, and the link does not count that wait against the peer.
 *
 * <p>The count of messages not yet consumed is atomic, so that a message costs the reader and
 * the lane no lock; the lock guards the messages held for a consumer not yet set, setting the
 * consumer, and the reader's wait for room. The reader gathers the messages of one read from the
 * socket into a batch of its own and hands it to the lane as one task ({@link #seal}).
 */
final class Inbox {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.link");

    private final Link link;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    /** Messages that arrived before a consumer was set; guarded by {@link #lock}. */
    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    /** Messages read and not yet handed to the lane; the reader's alone (see {@link #seal}). */
    private ArrayList<byte[]> batch = new ArrayList<>();
    /** Their bytes. */
    private long batchBytes;
    /** Set under {@link #lock}; read anywhere. */
    private volatile Consumer<byte[]> consumer;
    /** Messages held, or queued on the lane and not yet consumed. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Their bytes. */
    private final AtomicLong pendingBytes = new AtomicLong();
    private final long maxBytes;
    /** True while the reader waits for room; set under {@link #lock}. */
    private volatile boolean waiting;
    private volatile boolean closed;

    Inbox(Link link, long maxBytes) {
        this.link = link;
        this.maxBytes = maxBytes;
    }

    /**
     * A message from the peer (on the link's reader). It joins the reader's batch, which goes to
     * the lane as one task when the reader {@linkplain #seal seals} it.
     */
    void received(byte[] message) {
        if (full(message.length)) {
            seal();
            awaitRoom(message.length);
        }
        if (closed) {
            return;
        }
        if (consumer == null) {
            lock.lock();
            try {
                // Checked again under the lock that setting the consumer takes, so that no
                // message passes the ones held before it.
                if (consumer == null) {
                    pendingBytes.addAndGet(message.length);
                    pending.incrementAndGet();
                    held.add(message);
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
        batch.add(message);
        batchBytes += message.length;
    }

    /**
     * Hands the reader's batch to the lane, as one task, behind whatever the lane has queued (on
     * the link's reader). The reader seals before each read from the socket, before anything else
     * it queues on the lane (so nothing it read later overtakes a message), and before it waits
     * for room; so the messages of one read cost the lane one task and one wake-up, not one each.
     */
    void seal() {
        if (batch.isEmpty()) {
            return;
        }
        List<byte[]> messages = batch;
        pendingBytes.addAndGet(batchBytes);
        pending.addAndGet(messages.size());
        batch = new ArrayList<>();
        batchBytes = 0;
        link.lane().defer(() -> {
            for (byte[] message : messages) {
                // Each message as a task of its own would be: interrupt flag clear, and whatever
                // the consumer throws costs that message only (deliver counts it off either way).
                Thread.interrupted();
                try {
                    deliver(message, null);
                } catch (Throwable e) {
                    LOG.log(Level.WARNING, "the message consumer of link " + link.id() + " failed", e);
                }
            }
        });
    }

    /**
     * Whether a message of this size must wait: the count is reached, or its bytes would pass the
     * limit (the reader's batch included).
     */
    private boolean full(int size) {
        if (pending.get() + batch.size() >= DirectLink.MAX_QUEUED_MESSAGES) {
            return true;
        }
        long bytes = pendingBytes.get() + batchBytes;
        return bytes > 0 && bytes + size > maxBytes;
    }

    /** Waits, not reading, until the application has taken enough messages (or the link closed). */
    private void awaitRoom(int size) {
        link.lane().start();
        lock.lock();
        try {
            waiting = true;
            link.pausing(true);
            while (full(size) && !closed) {
                room.awaitUninterruptibly();
            }
        } finally {
            waiting = false;
            link.pausing(false);
            lock.unlock();
        }
    }

    void consumer(Consumer<byte[]> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        lock.lock();
        try {
            if (this.consumer == null) {
                // The held messages go to the lane first, and only then may the reader see a
                // consumer and queue messages itself: none of those can overtake these.
                byte[] message;
                while ((message = held.poll()) != null) {
                    byte[] each = message;
                    link.lane().execute(() -> deliver(each, consumer));
                }
            }
            this.consumer = consumer;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands one message to the consumer of the moment (on the lane), or, for a message held
     * until the first consumer was set, to that one if it is not yet visible here.
     */
    private void deliver(byte[] message, Consumer<byte[]> first) {
        Consumer<byte[]> to = consumer;
        try {
            (to != null ? to : first).accept(message);
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.log(Level.WARNING, "the message consumer of link " + link.id() + " failed", e);
        } finally {
            pendingBytes.addAndGet(-message.length);
            pending.decrementAndGet();
            if (waiting) {
                signalRoom();
            }
        }
    }

    private void signalRoom() {
        lock.lock();
        try {
            room.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Messages held or queued and not yet consumed. */
    int pending() {
        return pending.get();
    }

    /** Their bytes. */
    long pendingBytes() {
        return pendingBytes.get();
    }

    /** The link closed: a reader waiting for room stops waiting; held messages are dropped. */
    void close() {
        closed = true;
        lock.lock();
        try {
            held.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
