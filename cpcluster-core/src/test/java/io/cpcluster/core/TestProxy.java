package io.cpcluster.core;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy on loopback between a node and its master (or any two peers). It records every
 * byte that crosses it, both ways ({@link #recorded()}), and a test can stop it in two ways:
 * <ul>
 *   <li>{@link #freeze()}: neither direction is read any more, as if the far side were frozen
 *       (SIGSTOP): what the client writes piles up in the socket buffers until its writes block,
 *       and nothing it is sent arrives. Closing the proxy ends it.</li>
 *   <li>{@link #holdAfterFirstFrame()}: on the next connections, the upstream side's first frame
 *       (a master's HELLO: 4-byte length, then the body) goes through, then everything else the
 *       upstream side sends waits until {@link #release()}; the client's frames keep flowing. A
 *       node that is rejoining thus gets its AUTH to the master, but not the AUTH_OK back.</li>
 * </ul>
 */
final class TestProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Every byte forwarded, both ways; guarded by {@link #lock}. */
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private boolean frozen;
    private boolean holding;
    private volatile boolean closed;

    TestProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("test-proxy-accept").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Everything that crossed the proxy so far, in either direction. */
    byte[] recorded() {
        lock.lock();
        try {
            return recorded.toByteArray();
        } finally {
            lock.unlock();
        }
    }

    private void record(byte[] bytes, int length) {
        lock.lock();
        try {
            recorded.write(bytes, 0, length);
        } finally {
            lock.unlock();
        }
    }

    /** Stops reading either side, on every connection, until {@link #thaw()}. */
    void freeze() {
        set(true, null);
    }

    void thaw() {
        set(false, null);
    }

    /** Holds the upstream side's bytes after its first frame, on connections made from now on. */
    void holdAfterFirstFrame() {
        set(null, true);
    }

    /** Lets held bytes through. */
    void release() {
        set(null, false);
    }

    private void set(Boolean freeze, Boolean hold) {
        lock.lock();
        try {
            if (freeze != null) {
                frozen = freeze;
            }
            if (hold != null) {
                holding = hold;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits while the proxy is frozen (or, for a held direction, holding); false once closed. */
    private boolean mayPass(boolean held) {
        lock.lock();
        try {
            while (!closed && (frozen || (held && holding))) {
                changed.await(100, TimeUnit.MILLISECONDS);
            }
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void accept() {
        try {
            while (true) {
                Socket client = server.accept();
                sockets.add(client);
                Socket upstream;
                try {
                    upstream = new Socket(target.getAddress(), target.getPort());
                } catch (IOException e) {
                    // Nothing listens there (a master restarting): the client sees the connection end.
                    closeQuietly(client);
                    continue;
                }
                sockets.add(upstream);
                boolean held;
                lock.lock();
                try {
                    held = holding;
                } finally {
                    lock.unlock();
                }
                Thread.ofVirtual().start(() -> pump(client, upstream, false));
                Thread.ofVirtual().start(() -> pump(upstream, client, held));
            }
        } catch (IOException e) {
            // closed
        }
    }

    /**
     * Copies one direction. A held direction forwards its first frame whole, then passes only
     * when not holding.
     */
    private void pump(Socket from, Socket to, boolean held) {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            if (held) {
                if (!mayPass(false)) {
                    return;
                }
                DataInputStream frames = new DataInputStream(in);
                int length = frames.readInt();
                byte[] body = new byte[length];
                frames.readFully(body);
                byte[] prefix = {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
                record(prefix, prefix.length);
                record(body, body.length);
                out.write(prefix);
                out.write(body);
                out.flush();
            }
            while (mayPass(held)) {
                int n = in.read(buffer);
                if (n < 0) {
                    return;
                }
                // Frozen while this read waited: hold what was read until thawed.
                if (!mayPass(held)) {
                    return;
                }
                record(buffer, n);
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        set(null, null);
        server.close();
        sockets.forEach(TestProxy::closeQuietly);
    }
}
