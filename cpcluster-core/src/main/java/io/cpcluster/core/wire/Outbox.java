package io.cpcluster.core.wire;

import io.cpcluster.core.threads.Threads;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames waiting to go out on one control connection (master to node, or node to master),
 * and the virtual thread that writes them. {@link #offer} never blocks: the threads that send
 * read the network or run timers, and a peer that stops reading must never hold them up. The
 * writer takes every frame that is ready before it flushes, so a burst leaves in few system
 * calls, and a lone frame leaves at once.
 *
 * <p>Bounded twice: at most {@code maxFrames} frames and {@code maxBytes} bytes of frame bodies
 * wait. When either is reached, the peer is too slow (or frozen): {@link #offer} returns false
 * and the owner drops the connection. A frame body may be shared by many outboxes (a message to
 * every node is encoded once); each counts it in full, since each would have to send it.
 */
public final class Outbox {
    /** Marks the end: flush what came before, then stop. */
    private static final byte[] END = new byte[0];

    private final FrameOutput output;
    private final LinkedBlockingQueue<byte[]> queue;
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();
    private final Runnable onEnd;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Thread writer;

    /**
     * Starts the writer.
     *
     * @param name the writer thread's name
     * @param output where frames go
     * @param maxFrames the most frames that may wait
     * @param maxBytes the most bytes of frame bodies that may wait
     * @param onEnd runs once when the writer stops: after {@link #finish()} drained the outbox,
     *        after {@link #stop()}, or when a write fails; the owner closes the connection there
     */
    public Outbox(String name, FrameOutput output, int maxFrames, long maxBytes, Runnable onEnd) {
        this.output = output;
        // One more than the frames, for END.
        this.queue = new LinkedBlockingQueue<>(maxFrames + 1);
        this.maxBytes = maxBytes;
        this.onEnd = onEnd;
        this.writer = Threads.startVirtual(name, this::drain);
    }

    /**
     * Queues one frame body.
     *
     * @return false when the outbox is full (in frames or in bytes) or stopped: the frame will
     *         not be sent
     */
    public boolean offer(byte[] frame) {
        if (ended.get()) {
            return false;
        }
        if (bytes.addAndGet(frame.length) > maxBytes) {
            bytes.addAndGet(-frame.length);
            return false;
        }
        // Keeps the last place for END.
        if (queue.remainingCapacity() <= 1 || !queue.offer(frame)) {
            bytes.addAndGet(-frame.length);
            return false;
        }
        return true;
    }

    /** Sends what is queued, then stops; {@link #offer} takes nothing more. */
    public void finish() {
        if (!ended.getAndSet(true) && !queue.offer(END)) {
            stop();
        }
    }

    /** Stops now; what is queued is dropped. */
    public void stop() {
        ended.set(true);
        queue.clear();
        bytes.set(0);
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

    /** Bytes of frame bodies waiting. */
    public long queuedBytes() {
        return bytes.get();
    }

    /** The output this outbox writes to, for its owner's write deadline (see {@link FrameOutput#stalledNanos}). */
    public FrameOutput output() {
        return output;
    }

    private void drain() {
        try {
            while (true) {
                byte[] next = queue.take();
                while (next != null) {
                    if (next == END) {
                        output.flush();
                        return;
                    }
                    bytes.addAndGet(-next.length);
                    output.writeBuffered(next);
                    next = queue.poll();
                }
                output.flush();
            }
        } catch (IOException e) {
            ended.set(true);
            queue.clear();
        } catch (InterruptedException e) {
            ended.set(true);
        } catch (OutOfMemoryError e) {
            // Growing the write buffer failed: this connection ends, the process goes on.
            ended.set(true);
            queue.clear();
        } finally {
            // Nothing more will leave: what raced in meanwhile goes, and the count with it.
            ended.set(true);
            queue.clear();
            bytes.set(0);
            onEnd.run();
        }
    }
}
