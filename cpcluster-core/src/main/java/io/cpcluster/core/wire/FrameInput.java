package io.cpcluster.core.wire;

import io.cpcluster.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads frames: a 4-byte big-endian unsigned length, then that many bytes. A length above the
 * caller's limit is refused before a single byte of the body is read or allocated.
 *
 * <p>Memory follows what arrives, not what a peer announces: the read buffer is allocated at the
 * first byte, starts at {@value #FIRST_BUFFER} bytes and grows (up to {@value #BUFFER_SIZE}) only
 * while reads keep filling it; a body longer than the caller's threshold is allocated in steps
 * (doubling) as its bytes come, so a peer that announces 16 MiB and sends a trickle holds a
 * trickle. Control frames ({@link #readFrame}) start at {@value #FIRST_STEP} bytes; the hot path
 * of links ({@link #readBytes(int, int)}) may allocate larger bodies whole.
 *
 * <p>One thread reads a connection; this class is not thread-safe.
 */
public final class FrameInput {
    /** The largest the read buffer grows. */
    public static final int BUFFER_SIZE = 64 * 1024;
    /** The read buffer's size at the first byte. */
    static final int FIRST_BUFFER = 2 * 1024;
    /** Control frames up to this size are allocated whole when their length arrives; larger ones in steps. */
    static final int FIRST_STEP = 4 * 1024;
    /** Reads of this many bytes or more go straight into the caller's array, not through the buffer. */
    static final int DIRECT_READ = 16 * 1024;
    private static final byte[] NONE = new byte[0];

    private final InputStream in;
    private byte[] buffer = NONE;
    private int position;
    private int limit;
    private Runnable beforeRead = () -> { };

    public FrameInput(InputStream in) {
        this.in = in;
    }

    /**
     * Runs {@code action} on the reading thread before each read from the stream, that is, each
     * time what was read before is used up and the next read may wait: for a reader that hands
     * on what it read in batches, one per read.
     */
    public void beforeEachRead(Runnable action) {
        this.beforeRead = action;
    }

    /**
     * Reads the next frame's length.
     *
     * @param min the shortest body allowed
     * @param max the longest body allowed
     * @return the length, or -1 if the stream ended cleanly before a new frame
     * @throws ProtocolException if the length is out of bounds
     * @throws EOFException if the stream ends inside the length
     */
    public int readLength(int min, int max) throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        long length;
        if (limit - position >= 4) {
            length = Bytes.getInt(buffer, position) & 0xffff_ffffL;
            position += 4;
        } else {
            length = ((long) readByte() << 24) | (readByte() << 16) | (readByte() << 8) | readByte();
        }
        if (length > max) {
            throw new ProtocolException("a frame of " + length + " bytes is larger than the limit of " + max
                    + " bytes; the connection is closed");
        }
        if (length < min) {
            throw new ProtocolException("a frame of " + length + " bytes is shorter than the " + min
                    + " bytes its header needs; the connection is closed");
        }
        return (int) length;
    }

    /** How many bytes were read from the stream and not yet taken. */
    public int buffered() {
        return limit - position;
    }

    /**
     * Reads a whole frame.
     *
     * @param max the longest body allowed
     * @return the body, or null if the stream ended cleanly before a new frame
     */
    public byte[] readFrame(int max) throws IOException {
        int length = readLength(0, max);
        return length < 0 ? null : readBytes(length, FIRST_STEP);
    }

    /**
     * Reads exactly {@code length} bytes into a new array: allocated whole when the length is at
     * most {@code whole}, else in steps as the bytes come (see the class comment).
     */
    public byte[] readBytes(int length, int whole) throws IOException {
        if (length <= whole) {
            byte[] body = new byte[length];
            readFully(body, 0, length);
            return body;
        }
        byte[] body = new byte[Math.max(1, whole)];
        int read = 0;
        while (read < length) {
            if (read == body.length) {
                body = Arrays.copyOf(body, (int) Math.min(length, 2L * body.length));
            }
            int step = body.length - read;
            readFully(body, read, step);
            read += step;
        }
        return body;
    }

    /** Reads exactly {@code length} bytes, or throws {@link EOFException}. */
    public void readFully(byte[] into, int offset, int length) throws IOException {
        int buffered = Math.min(length, limit - position);
        if (buffered > 0) {
            System.arraycopy(buffer, position, into, offset, buffered);
            position += buffered;
            offset += buffered;
            length -= buffered;
        }
        while (length > 0) {
            if (length >= DIRECT_READ) {
                // Large reads skip the buffer: the kernel copies into the body, and nothing else does.
                beforeRead.run();
                int n = in.read(into, offset, length);
                if (n < 0) {
                    throw new EOFException("the stream ended inside a frame");
                }
                offset += n;
                length -= n;
            } else {
                if (!fill()) {
                    throw new EOFException("the stream ended inside a frame");
                }
                int n = Math.min(length, limit - position);
                System.arraycopy(buffer, position, into, offset, n);
                position += n;
                offset += n;
                length -= n;
            }
        }
    }

    private int readByte() throws IOException {
        if (position == limit && !fill()) {
            throw new EOFException("the stream ended inside a frame's length");
        }
        return buffer[position++] & 0xff;
    }

    /** Reads what is there into the empty buffer; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (buffer == NONE) {
            buffer = new byte[FIRST_BUFFER];
        } else if (limit == buffer.length && buffer.length < BUFFER_SIZE) {
            // The last read filled the buffer: more is coming than it holds.
            buffer = new byte[Math.min(BUFFER_SIZE, buffer.length * 2)];
        }
        position = 0;
        limit = 0;
        beforeRead.run();
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            return false;
        }
        limit = n;
        return true;
    }
}
