package io.cpcluster.core;

import io.cpcluster.core.tcp.TcpTransport;
import io.cpcluster.spi.Transport;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * TCP with a handshake of its own, to exercise the Transport SPI as a TLS transport will: the
 * dialing side says who it is in a first line ({@code identity:NAME\n}); the accepting side reads
 * that line in {@link Connection#handshake} and reports the name as {@link Connection#peerIdentity}.
 * It proves nothing (anyone may write any name): it only shows where the core calls the SPI.
 */
final class IdentityTransport implements Transport {
    private final TcpTransport tcp = new TcpTransport();
    private final String name;

    IdentityTransport(String name) {
        this.name = name;
    }

    /** The first line a dialer with this name sends. */
    static byte[] line(String name) {
        return ("identity:" + name + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
        return "identity-tcp";
    }

    @Override
    public Listener listen(InetSocketAddress address) throws IOException {
        Listener listener = tcp.listen(address);
        return new Listener() {
            @Override
            public InetSocketAddress localAddress() {
                return listener.localAddress();
            }

            @Override
            public Connection accept() throws IOException {
                return new Accepted(listener.accept());
            }

            @Override
            public void close() throws IOException {
                listener.close();
            }
        };
    }

    @Override
    public Connection connect(InetSocketAddress address, Duration timeout) throws IOException {
        return new Dialed(tcp.connect(address, timeout), name);
    }

    /** The dialing side: says its name. */
    private static final class Dialed extends ForwardingConnection {
        private final String name;

        Dialed(Connection tcp, String name) {
            super(tcp);
            this.name = name;
        }

        @Override
        public void handshake(Duration timeout) throws IOException {
            inner.output().write(line(name));
            inner.output().flush();
        }
    }

    /** The accepting side: reads the dialer's name, byte by byte, so nothing after it is consumed. */
    private static final class Accepted extends ForwardingConnection {
        private volatile Optional<String> identity = Optional.empty();

        Accepted(Connection tcp) {
            super(tcp);
        }

        @Override
        public void handshake(Duration timeout) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = inner.input().read()) != '\n') {
                if (b < 0) {
                    throw new EOFException("the dialer closed the connection during the identity handshake");
                }
                if (line.size() > 200) {
                    throw new IOException("an identity line longer than 200 bytes");
                }
                line.write(b);
            }
            String text = line.toString(StandardCharsets.UTF_8);
            if (!text.startsWith("identity:")) {
                throw new IOException("not an identity line");
            }
            identity = Optional.of(text.substring("identity:".length()));
        }

        @Override
        public Optional<String> peerIdentity() {
            return identity;
        }
    }
}
