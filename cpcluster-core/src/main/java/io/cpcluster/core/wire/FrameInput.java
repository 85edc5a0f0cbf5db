package io.cpcluster.core.wire;

import io.cpcluster.ProtocolException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads frames: a 4-byte big-endian unsigned length, then that many bytes. A length above the
 * caller's limit is refused before a single byte of the body is read or allocated.
 *
 * <p>One thread reads a connection; this class is not thread-safe.
 */
public final class FrameInput {
    /** The size of the read buffer. */
    public static final int BUFFER_SIZE = 64 * 1024;

    private final DataInputStream in;

    public FrameInput(InputStream in) {
        this.in = new DataInputStream(new BufferedInputStream(in, BUFFER_SIZE));
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
        int first = in.read();
        if (first < 0) {
            return -1;
        }
        long length = ((long) first << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8)
                | in.readUnsignedByte();
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

    /**
     * Reads a whole frame.
     *
     * @param max the longest body allowed
     * @return the body, or null if the stream ended cleanly before a new frame
     */
    public byte[] readFrame(int max) throws IOException {
        int length = readLength(0, max);
        if (length < 0) {
            return null;
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    /** Reads exactly {@code length} bytes, or throws {@link EOFException}. */
    public void readFully(byte[] into, int offset, int length) throws IOException {
        in.readFully(into, offset, length);
    }
}
