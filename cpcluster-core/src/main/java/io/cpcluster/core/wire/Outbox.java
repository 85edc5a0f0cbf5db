package io.cpcluster.core.wire;

import io.cpcluster.core.threads.Threads;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The frames waiting to go out on one control connection (master to node, or node to master),
 * and the virtual thread that writes them. {@link #offer} never blocks: the threads that send
 * read the network or run timers, and a peer that stops reading must never hold them up. The
 * writer takes every frame that is ready before it flushes, so a burst leaves in few system
 * calls, and a lone frame leaves at once.
 *
 * <p>When the outbox is full, the peer is too slow (or frozen): {@link #offer} returns false and
 * the owner drops the connection.
 */
public final class Outbox {
    /** A frame body that is made when the writer sends it, not when it is queued. */
    public interface Frame {
        /** The frame body; called on the writer thread. */
        byte[] bytes();
    }

    /** Marks the end: flush what came before, then stop. */
    private static final byte[] END = new byte[0];

    private final FrameOutput output;
    private final BlockingQueue<Object> queue;
    private final Runnable onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Thread writer;

    /**
     * Starts the writer.
     *
     * @param name the writer thread's name
     * @param output where frames go
     * @param capacity the most frames that may wait
     * @param onEnd runs once when the writer stops: after {@link #finish()} drained the outbox,
     *        after {@link #stop()}, or when a write fails; the owner closes the connection there
     */
    public Outbox(String name, FrameOutput output, int capacity, Runnable onEnd) {
        this.output = output;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.onEnd = onEnd;
        this.writer = Threads.startVirtual(name, this::drain);
    }

    /**
     * Queues one frame body.
     *
     * @return false when the outbox is full or stopped: the frame will not be sent
     */
    public boolean offer(byte[] frame) {
        return !ended.get() && queue.offer(frame);
    }

    /**
     * Queues one frame whose body is made by the writer when it sends it.
     *
     * @return false when the outbox is full or stopped: the frame will not be sent
     */
    public boolean offer(Frame frame) {
        return !ended.get() && queue.offer(frame);
    }

    /** Sends what is queued, then stops; {@link #offer} takes nothing more. */
    public void finish() {
        if (!ended.getAndSet(true) && !queue.offer(END)) {
            // Full: what is queued will not get out in time anyway.
            stop();
        }
    }

    /** Stops now; what is queued is dropped. */
    public void stop() {
        ended.set(true);
        queue.clear();
        queue.offer(END);
        writer.interrupt();
    }

    /** Waits, at most {@code timeout}, for the writer to stop. */
    public boolean await(Duration timeout) {
        return Threads.join(writer, timeout);
    }

    /** Frames waiting. */
    public int queued() {
        return queue.size();
    }

    private void drain() {
        try {
            while (true) {
                Object next = queue.take();
                while (next != null) {
                    if (next == END) {
                        output.flush();
                        return;
                    }
                    output.writeBuffered(next instanceof Frame frame ? frame.bytes() : (byte[]) next);
                    next = queue.poll();
                }
                output.flush();
            }
        } catch (IOException e) {
            ended.set(true);
            queue.clear();
        } catch (InterruptedException e) {
            ended.set(true);
        } finally {
            onEnd.run();
        }
    }
}
