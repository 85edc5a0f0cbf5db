package io.cpcluster.benchmarks;

import io.cpcluster.ProtocolException;
import io.cpcluster.core.wire.Bytes;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads frames (a 4-byte big-endian length, then the body) for one simulated node, with a small
 * fixed buffer and a reused body array, so that N² small frames cost the probe neither a 64 KiB
 * buffer per connection nor an allocation per frame. Core's {@code FrameInput} does the same job
 * for a real node, whose buffer grows to 64 KiB under a burst: 10,000 of those would take the
 * probe's heap, not measure the master. Not thread-safe: one reader thread per connection.
 */
final class FrameReader {
    /** The read buffer: a frame the master writes is usually far smaller, and a TLS record is at most 16 KiB. */
    static final int BUFFER = 8 * 1024;
    /** Bodies up to this size are read into the same array each time; larger ones (NODES pages) get their own. */
    static final int REUSED = 2 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[BUFFER];
    private final byte[] reused = new byte[REUSED];
    /** The body of the last frame read: {@link #reused}, or an array of its own. */
    private byte[] body = reused;
    private int position;
    private int limit;

    FrameReader(InputStream in) {
        this.in = in;
    }

    /**
     * Reads the next frame's body into {@link #body()} (valid until the next call).
     *
     * @param max the longest body accepted
     * @return the body's length, or -1 when the stream ended cleanly between frames
     * @throws ProtocolException if the length is above {@code max}
     * @throws EOFException if the stream ends inside a frame
     */
    int next(int max) throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        long length = 0;
        for (int i = 0; i < 4; i++) {
            if (position == limit && !fill()) {
                throw new EOFException("the stream ended inside a frame's length");
            }
            length = (length << 8) | (buffer[position++] & 0xff);
        }
        if (length > max) {
            throw new ProtocolException("a frame of " + length + " bytes is larger than the limit of " + max + " bytes");
        }
        int size = (int) length;
        body = size <= REUSED ? reused : new byte[size];
        int offset = 0;
        while (offset < size) {
            if (position == limit && !fill()) {
                throw new EOFException("the stream ended inside a frame");
            }
            int n = Math.min(size - offset, limit - position);
            System.arraycopy(buffer, position, body, offset, n);
            position += n;
            offset += n;
        }
        return size;
    }

    /** The body of the frame {@link #next} read last; only its first {@code length} bytes are the frame. */
    byte[] body() {
        return body;
    }

    /** How many bytes were read from the stream and not taken yet. */
    int buffered() {
        return limit - position;
    }

    private boolean fill() throws IOException {
        position = 0;
        limit = 0;
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            return false;
        }
        limit = n;
        return true;
    }

    /** One frame as it goes on the wire: the 4-byte length, then {@code body}. */
    static byte[] frame(byte[] body) {
        byte[] frame = new byte[4 + body.length];
        Bytes.putInt(frame, 0, body.length);
        System.arraycopy(body, 0, frame, 4, body.length);
        return frame;
    }
}
