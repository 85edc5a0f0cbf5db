package io.cpcluster.core.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A socket's input as JSSE reads it on the accepting side, with a little read-ahead. JSSE reads a
 * TLS record in two calls, its 5-byte header and then its body, and on a socket each call is a
 * system call; a master reads 10,000 nodes' heartbeats a second, each a record of some 60 bytes.
 * Reading ahead into a small buffer takes a small record, or several, in one system call.
 *
 * <p>It is handed to JSSE as the bytes it "consumed" before the handshake (which it reads first,
 * then the socket's own stream, which this stream never lets it reach before the end): the bytes
 * really consumed come first, then what the socket brings.
 *
 * <p>A read asks the socket only when nothing is buffered, and returns what one socket read gave;
 * it never waits for more than that. A read of {@value #SIZE} bytes or more goes straight into the
 * caller's array. The buffer is allocated at the first small read and kept: {@value #SIZE} bytes
 * per connection. One thread reads (JSSE's reader, under its lock).
 */
final class ReadAhead extends InputStream {
    /** The read-ahead buffer's size: a small record whole, with room for the next one's header. */
    static final int SIZE = 1024;

    private final InputStream socket;
    private byte[] buffer;
    private int position;
    private int limit;

    /**
     * @param consumed the bytes read from the socket before TLS began; returned first
     * @param socket the socket's input stream
     */
    ReadAhead(byte[] consumed, InputStream socket) {
        this.socket = socket;
        this.buffer = consumed.length > 0 ? Arrays.copyOf(consumed, Math.max(SIZE, consumed.length)) : null;
        this.limit = consumed.length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position < limit) {
            int n = Math.min(length, limit - position);
            System.arraycopy(buffer, position, into, offset, n);
            position += n;
            return n;
        }
        if (length >= SIZE) {
            return socket.read(into, offset, length);
        }
        if (buffer == null || buffer.length > SIZE) {
            // Allocated once; consumed bytes beyond SIZE had a larger one, now read.
            buffer = new byte[SIZE];
        }
        position = 0;
        limit = 0;
        int n = socket.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return n;
        }
        limit = n;
        int taken = Math.min(length, n);
        System.arraycopy(buffer, 0, into, offset, taken);
        position = taken;
        return taken;
    }

    @Override
    public int available() throws IOException {
        return limit - position + socket.available();
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        if (position < limit) {
            int skipped = (int) Math.min(n, limit - position);
            position += skipped;
            return skipped;
        }
        return socket.skip(n);
    }

    /**
     * Does nothing: the socket's owner closes it. JSSE's stream closes this one when it reads the
     * end of the stream, and then reads the socket's own stream, which must still say "end".
     */
    @Override
    public void close() {
    }
}
