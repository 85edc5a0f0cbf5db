package io.cpcluster.core;

import io.cpcluster.core.tcp.TcpTransport;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * TCP, with two hooks for tests: connections to chosen addresses wait at a gate until the test
 * opens it, and every connection dialed is kept so the test can write raw bytes into it (through
 * TLS, once the connection is secured: the peer reads them as if the node had sent them).
 */
final class TappedTransport implements Transport {
    private final TcpTransport tcp = new TcpTransport();
    private final CountDownLatch gate = new CountDownLatch(1);
    private final Predicate<InetSocketAddress> gated;
    final List<Connection> dialed = new CopyOnWriteArrayList<>();
    final CountDownLatch waitingAtGate = new CountDownLatch(1);

    /** No gate: every connection goes through at once. */
    TappedTransport() {
        this(address -> false);
    }

    TappedTransport(Predicate<InetSocketAddress> gated) {
        this.gated = gated;
    }

    void open() {
        gate.countDown();
    }

    @Override
    public String name() {
        return "tapped-tcp";
    }

    @Override
    public Listener listen(InetSocketAddress address) throws IOException {
        return tcp.listen(address);
    }

    @Override
    public Connection connect(InetSocketAddress address, Duration timeout) throws IOException {
        if (gated.test(address)) {
            waitingAtGate.countDown();
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IOException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted at the gate");
            }
        }
        Connection connection = new Tapped(tcp.connect(address, timeout));
        dialed.add(connection);
        return connection;
    }

    /** A dialed connection, kept in {@link #dialed}: the secured one in its place once TLS is up. */
    private final class Tapped extends ForwardingConnection {
        Tapped(Connection inner) {
            super(inner);
        }

        @Override
        Connection rewrap(Connection secured) {
            dialed.replaceAll(each -> each == this ? secured : each);
            return secured;
        }
    }
}
