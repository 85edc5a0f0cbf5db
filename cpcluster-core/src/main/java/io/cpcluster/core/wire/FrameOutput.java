package io.cpcluster.core.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes frames: a 4-byte big-endian length, then the body. Thread-safe: a frame is written
 * whole, never interleaved with another.
 *
 * <p>Writes coalesce: a writer flushes only when no other writer is waiting for the lock, so
 * under load many frames leave in one system call, and a lone frame leaves at once. The write
 * buffer is allocated at the first frame, starts at {@value #FIRST_BUFFER} bytes and grows up to
 * {@value #BUFFER_SIZE} only when frames need it; a body of {@value #BUFFER_SIZE} bytes or more
 * goes to the socket without a copy.
 *
 * <p>A write to a peer that stops reading blocks in the socket. Java cannot time such a write
 * out, so this class makes it visible instead: {@link #stalledNanos} says how long the current
 * socket write has made no progress (writes go out in steps of {@value #STEP} bytes, so a slow
 * but reading peer keeps making progress), and the owner's timer closes the connection when that
 * passes its write timeout, which ends the write with an {@link IOException}.
 */
public final class FrameOutput {
    /** The largest the write buffer grows. */
    public static final int BUFFER_SIZE = 64 * 1024;
    /** The write buffer's size at the first frame. */
    static final int FIRST_BUFFER = 2 * 1024;
    /** The most bytes handed to the socket in one write, so that progress can be seen. */
    static final int STEP = 64 * 1024;
    private static final byte[] NONE = new byte[0];

    private final OutputStream out;
    private final byte[] lengthBytes = new byte[4];
    // lock(), not lockInterruptibly(): a writer that skipped its flush counts on the writer
    // queued behind it to flush, so a queued writer must not walk away.
    private final ReentrantLock lock = new ReentrantLock();
    private byte[] buffer = NONE;
    private int count;
    /** When a frame was last written (System.nanoTime()), for keep-alives on idle links. */
    private volatile long lastWrite = System.nanoTime();
    /** When the socket write under way began (System.nanoTime()); 0 when none is. */
    private volatile long writingSince;

    public FrameOutput(OutputStream out) {
        this.out = out;
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
            put(lengthBytes, 0, 4);
            put(body, 0, body.length);
            lastWrite = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    /** Sends what is buffered. */
    public void flush() throws IOException {
        lock.lock();
        try {
            flushBuffer();
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
            put(lengthBytes, 0, 4);
            put(header, 0, headerLength);
            if (length > 0) {
                put(payload, offset, length);
            }
            if (!lock.hasQueuedThreads()) {
                flushBuffer();
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

    /**
     * How long the socket write under way has gone without progress: the peer reads nothing.
     *
     * @param now System.nanoTime()
     * @return nanoseconds, 0 when no write is under way
     */
    public long stalledNanos(long now) {
        long since = writingSince;
        return since == 0 ? 0 : Math.max(0, now - since);
    }

    private void put(byte[] bytes, int offset, int length) throws IOException {
        if (length > buffer.length - count) {
            if (count + length <= BUFFER_SIZE) {
                int size = Math.max(FIRST_BUFFER, buffer.length);
                while (size < count + length) {
                    size *= 2;
                }
                buffer = Arrays.copyOf(buffer, Math.min(BUFFER_SIZE, size));
            } else {
                flushBuffer();
                if (length >= BUFFER_SIZE) {
                    toSocket(bytes, offset, length);
                    return;
                }
                if (length > buffer.length) {
                    buffer = new byte[Math.min(BUFFER_SIZE, Math.max(length, 2 * buffer.length))];
                }
            }
        }
        System.arraycopy(bytes, offset, buffer, count, length);
        count += length;
    }

    private void flushBuffer() throws IOException {
        if (count > 0) {
            int n = count;
            count = 0;
            toSocket(buffer, 0, n);
        }
    }

    /** The only place bytes reach the socket: in steps, each timed (see the class comment). */
    private void toSocket(byte[] bytes, int offset, int length) throws IOException {
        try {
            while (length > 0) {
                int step = Math.min(STEP, length);
                writingSince = System.nanoTime() | 1;
                out.write(bytes, offset, step);
                offset += step;
                length -= step;
            }
            out.flush();
        } finally {
            writingSince = 0;
        }
    }
}
