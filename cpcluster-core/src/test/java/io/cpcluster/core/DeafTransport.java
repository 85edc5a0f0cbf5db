package io.cpcluster.core;

import io.cpcluster.core.tcp.TcpTransport;
import io.cpcluster.spi.Transport;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * TCP, where the connections this node dials to chosen addresses can go deaf: once
 * {@link #deafen()} is called, their readers read nothing more until {@link #hear()}, as a peer
 * that stops reading would. Every such connection is kept, so the test can also write raw bytes
 * into it (through TLS, once the connection is secured). And once {@link #choke()} is called, the
 * next read on one of them throws {@link OutOfMemoryError}, as a frame too large for the heap would.
 */
final class DeafTransport implements Transport {
    private final TcpTransport tcp = new TcpTransport();
    private final Predicate<InetSocketAddress> chosen;
    private volatile CountDownLatch hearing = new CountDownLatch(0);
    private final AtomicBoolean choked = new AtomicBoolean();
    final List<Connection> dialed = new CopyOnWriteArrayList<>();

    DeafTransport(Predicate<InetSocketAddress> chosen) {
        this.chosen = chosen;
    }

    /** From now on, the chosen connections read nothing. */
    void deafen() {
        hearing = new CountDownLatch(1);
    }

    /** They read again. */
    void hear() {
        hearing.countDown();
    }

    /** The next read on a chosen connection (and only that one) throws {@link OutOfMemoryError}. */
    void choke() {
        choked.set(true);
    }

    @Override
    public String name() {
        return "deaf-tcp";
    }

    @Override
    public Listener listen(InetSocketAddress address) throws IOException {
        return tcp.listen(address);
    }

    @Override
    public Connection connect(InetSocketAddress address, Duration timeout) throws IOException {
        Connection connection = tcp.connect(address, timeout);
        if (!chosen.test(address)) {
            return connection;
        }
        Connection deaf = new Deaf(connection);
        dialed.add(deaf);
        return deaf;
    }

    private final class Deaf extends ForwardingConnection {
        private final InputStream input;

        Deaf(Connection connection) throws IOException {
            super(connection);
            this.input = new FilterInputStream(connection.input()) {
                @Override
                public int read() throws IOException {
                    awaitHearing();
                    return super.read();
                }

                @Override
                public int read(byte[] bytes, int offset, int length) throws IOException {
                    awaitHearing();
                    return super.read(bytes, offset, length);
                }
            };
        }

        private void awaitHearing() throws IOException {
            if (choked.compareAndSet(true, false)) {
                throw new OutOfMemoryError("Java heap space (thrown by the test)");
            }
            try {
                hearing.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while deaf");
            }
        }

        @Override
        public InputStream input() {
            return input;
        }

        /** Over TLS the secured streams go deaf, and the test writes into them (as TLS records). */
        @Override
        Connection rewrap(Connection secured) throws IOException {
            Deaf deaf = new Deaf(secured);
            dialed.replaceAll(each -> each == this ? deaf : each);
            return deaf;
        }
    }
}
