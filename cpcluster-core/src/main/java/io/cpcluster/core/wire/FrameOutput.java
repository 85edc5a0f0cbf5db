package io.cpcluster.core.wire;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes frames: a 4-byte big-endian length, then the body. Thread-safe: a frame is written
 * whole, never interleaved with another.
 *
 * <p>Writes coalesce: a writer flushes only when no other writer is waiting for the lock, so
 * under load many frames leave in one system call, and a lone frame leaves at once.
 */
public final class FrameOutput {
    /** The size of the write buffer. */
    public static final int BUFFER_SIZE = 64 * 1024;

    private final OutputStream out;
    private final byte[] lengthBytes = new byte[4];
    // lock(), not lockInterruptibly(): a writer that skipped its flush counts on the writer
    // queued behind it to flush, so a queued writer must not walk away.
    private final ReentrantLock lock = new ReentrantLock();
    /** When a frame was last written (System.nanoTime()), for keep-alives on idle links. */
    private volatile long lastWrite = System.nanoTime();

    public FrameOutput(OutputStream out) {
        this.out = new BufferedOutputStream(out, BUFFER_SIZE);
    }

    /** Writes one frame whose body is {@code body}. */
    public void write(byte[] body) throws IOException {
        write(body, body.length, Bytes.EMPTY, 0, 0);
    }

    /**
     * Writes one frame into the buffer without flushing, for a single writer thread that knows
     * more frames follow; it calls {@link #flush()} when it runs out.
     */
    public void writeBuffered(byte[] body) throws IOException {
        lock.lock();
        try {
            Bytes.putInt(lengthBytes, 0, body.length);
            out.write(lengthBytes, 0, 4);
            out.write(body);
        } finally {
            lock.unlock();
        }
    }

    /** Sends what is buffered. */
    public void flush() throws IOException {
        lock.lock();
        try {
            out.flush();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes one frame whose body is the first {@code headerLength} bytes of {@code header}
     * followed by {@code payload[offset, offset + length)}.
     */
    public void write(byte[] header, int headerLength, byte[] payload, int offset, int length) throws IOException {
        lock.lock();
        try {
            Bytes.putInt(lengthBytes, 0, headerLength + length);
            out.write(lengthBytes, 0, 4);
            out.write(header, 0, headerLength);
            if (length > 0) {
                out.write(payload, offset, length);
            }
            if (!lock.hasQueuedThreads()) {
                out.flush();
            }
            lastWrite = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    /** When a frame was last written (System.nanoTime()). */
    public long lastWrite() {
        return lastWrite;
    }
}
