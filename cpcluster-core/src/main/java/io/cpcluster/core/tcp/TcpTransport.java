package io.cpcluster.core.tcp;

import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The default transport, {@code tcp}: TCP sockets with {@code TCP_NODELAY}, read and written by
 * blocking streams (cheap on virtual threads), with the JDK's TLS layered over them when CPCluster
 * secures a connection ({@link Connection#secure}).
 */
public final class TcpTransport implements Transport {
    /** The name configurations choose this transport by. */
    public static final String NAME = "tcp";
    private static final int BACKLOG = 128;

    /** Creates the transport; {@link java.util.ServiceLoader} calls this. */
    public TcpTransport() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Listener listen(InetSocketAddress address) throws IOException {
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(resolved(address), BACKLOG);
            return new TcpListener(server);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    @Override
    public Connection connect(InetSocketAddress address, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(resolved(address), (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            return new TcpConnection(socket);
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new SocketTimeoutException("no connection to " + Addresses.text(address) + " within " + timeout.toMillis() + " ms");
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static InetSocketAddress resolved(InetSocketAddress address) {
        return address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
    }

    private record TcpListener(ServerSocket server) implements Listener {
        @Override
        public InetSocketAddress localAddress() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public Connection accept() throws IOException {
            Socket socket = server.accept();
            try {
                return new TcpConnection(socket);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static final class TcpConnection implements Connection {
        private final Socket socket;
        private final InputStream input;
        private final OutputStream output;

        TcpConnection(Socket socket) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            this.input = socket.getInputStream();
            this.output = socket.getOutputStream();
        }

        @Override
        public InputStream input() {
            return input;
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public InetSocketAddress localAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }

        @Override
        public Connection secure(SSLSocketFactory tls, boolean client, byte[] consumed) throws IOException {
            SSLSocket secured = (SSLSocket) (client
                    ? tls.createSocket(socket, remoteAddress().getHostString(), socket.getPort(), true)
                    : tls.createSocket(socket, new ReadAhead(consumed, input), true));
            return new TlsConnection(this, secured);
        }

        @Override
        public String toString() {
            return "tcp " + localAddress() + " -> " + remoteAddress();
        }
    }

    /**
     * A TCP connection with TLS layered over it. Closing closes the TCP socket at once, without a
     * TLS close_notify: a close must never wait for a peer that reads nothing, and CPCluster's own
     * frames say when a conversation ends, so a cut connection is never taken for a whole one.
     */
    private static final class TlsConnection implements Connection {
        private final TcpConnection plain;
        private final SSLSocket socket;
        private final InputStream input;
        private final OutputStream output;

        TlsConnection(TcpConnection plain, SSLSocket socket) throws IOException {
            this.plain = plain;
            this.socket = socket;
            this.input = socket.getInputStream();
            this.output = socket.getOutputStream();
        }

        @Override
        public InputStream input() {
            return input;
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public InetSocketAddress localAddress() {
            return plain.localAddress();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return plain.remoteAddress();
        }

        @Override
        public void handshake(Duration timeout) throws IOException {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            try {
                socket.startHandshake();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("the TLS handshake with " + Addresses.text(remoteAddress())
                        + " did not finish within " + timeout.toMillis() + " ms");
            }
            socket.setSoTimeout(0);
        }

        @Override
        public Optional<String> peerIdentity() {
            try {
                return Optional.of(Tls.peerFingerprint(socket.getSession()));
            } catch (SSLPeerUnverifiedException e) {
                return Optional.empty();
            }
        }

        @Override
        public List<X509Certificate> peerCertificates() {
            try {
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate each : socket.getSession().getPeerCertificates()) {
                    if (each instanceof X509Certificate x509) {
                        chain.add(x509);
                    }
                }
                return List.copyOf(chain);
            } catch (SSLPeerUnverifiedException e) {
                return List.of();
            }
        }

        @Override
        public void close() throws IOException {
            plain.close();
        }

        @Override
        public String toString() {
            return "tls " + localAddress() + " -> " + remoteAddress();
        }
    }
}
