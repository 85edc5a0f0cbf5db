package io.cpcluster.benchmarks;

import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The baseline: the best a JVM does over the same loopback with plain {@code java.net} sockets,
 * {@code TCP_NODELAY}, buffered streams, one reader thread per connection, and the same framing
 * as a direct link (a 4-byte length, then a body). The echo server flushes when it has read all
 * that arrived, so answers to calls that came together leave together.
 *
 * <p>With {@link Security#TLS}, the same over the JDK's {@link javax.net.ssl.SSLSocket} layered
 * over those sockets, set up as CPCluster sets up a link's ({@link RawTls}): the client's
 * {@link #connect} and the server's accept each return once their side's handshake is done.
 * The TLS echo server has read all that arrived when neither the TLS socket holds decrypted bytes
 * nor the TCP socket under it holds any (a TLS read gives one record at a time).
 */
final class RawServer implements AutoCloseable {
    /** What the server does with each frame it reads. */
    enum Mode {
        /** Writes the frame back. */
        ECHO,
        /** Hands the frame to {@link #received}. */
        SINK,
        /** Only accepts connections, handing each to {@link #accepted}. */
        ACCEPT
    }

    private final ServerSocket server;
    private final Mode mode;
    private final ReaderThreads readers;
    /** The TLS of both ends, or null for plain sockets. */
    private final RawTls tls;
    final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();
    volatile FrameSink received;

    /** Receives frames in {@link Mode#SINK}. */
    @FunctionalInterface
    interface FrameSink {
        void frame(byte[] body);
    }

    RawServer(Mode mode, ReaderThreads readers, Security security) throws IOException {
        this.mode = mode;
        this.readers = readers;
        this.tls = security == Security.TLS ? new RawTls() : null;
        this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("raw-accept").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connects, and with TLS runs the client's side of the handshake. */
    Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port());
        socket.setTcpNoDelay(true);
        if (tls == null) {
            return socket;
        }
        try {
            return tls.client(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void accept() {
        try {
            while (true) {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                switch (mode) {
                    case ACCEPT -> hold(socket);
                    case ECHO, SINK -> thread(() -> serve(socket));
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void thread(Runnable task) {
        switch (readers) {
            case VIRTUAL -> Thread.ofVirtual().name("raw-reader").start(task);
            case PLATFORM -> Thread.ofPlatform().daemon().name("raw-reader").start(task);
        }
    }

    /** With TLS, the handshake runs on the accepting thread: no thread to start, no hand-off. */
    private void hold(Socket socket) {
        try {
            accepted.add(tls == null ? socket : secured(socket));
        } catch (IOException e) {
            // this handshake failed, and the client's fails with it
        }
    }

    private Socket secured(Socket plain) throws IOException {
        try {
            return tls.server(plain);
        } catch (IOException e) {
            plain.close();
            throw e;
        }
    }

    private void serve(Socket plain) {
        try (plain; Socket socket = tls == null ? plain : secured(plain)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 65536));
            // Under TLS, bytes that arrived may still wait in the TCP socket, not yet decrypted.
            InputStream arrived = tls == null ? null : plain.getInputStream();
            while (true) {
                serveOne(in, out, arrived);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /**
     * One frame. A method of its own, so that the JIT compiles it as a whole rather than only as
     * part of the endless loop above (on-stack replacement), which left the baseline's speed to
     * chance from one run to the next.
     */
    private void serveOne(DataInputStream in, DataOutputStream out, InputStream arrived) throws IOException {
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        if (mode == Mode.ECHO) {
            out.writeInt(length);
            out.write(body);
            if (in.available() == 0 && (arrived == null || arrived.available() == 0)) {
                // Nothing else to answer yet: one system call for all the answers so far.
                out.flush();
            }
        } else {
            received.frame(body);
        }
    }

    /** A client end: framed writes and reads over one socket. */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;

        Client(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 65536));
        }

        /** Writes a frame and flushes it. */
        void write(byte[] body) {
            writeBuffered(body);
            flush();
        }

        /** Writes a frame into the 64 KiB buffer, which goes to the socket when it is full. */
        void writeBuffered(byte[] body) {
            try {
                out.writeInt(body.length);
                out.write(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        byte[] read() {
            try {
                byte[] body = new byte[in.readInt()];
                in.readFully(body);
                return body;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : accepted) {
            socket.close();
        }
    }
}
