package io.cpcluster.core;

import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLSocketFactory;

/**
 * A connection that passes everything to another one; tests override what they change (a
 * handshake of their own, an input that stops reading).
 */
class ForwardingConnection implements Transport.Connection {
    /** The connection everything goes to. */
    final Transport.Connection inner;

    ForwardingConnection(Transport.Connection inner) {
        this.inner = inner;
    }

    @Override
    public InputStream input() throws IOException {
        return inner.input();
    }

    @Override
    public OutputStream output() throws IOException {
        return inner.output();
    }

    @Override
    public InetSocketAddress localAddress() {
        return inner.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return inner.remoteAddress();
    }

    @Override
    public void handshake(Duration timeout) throws IOException {
        inner.handshake(timeout);
    }

    @Override
    public Optional<String> peerIdentity() {
        return inner.peerIdentity();
    }

    @Override
    public java.util.List<java.security.cert.X509Certificate> peerCertificates() {
        return inner.peerCertificates();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }

    /** Secures the inner connection, and wraps the secured one as {@link #rewrap} says. */
    @Override
    public Transport.Connection secure(SSLSocketFactory tls, boolean client, byte[] consumed) throws IOException {
        return rewrap(inner.secure(tls, client, consumed));
    }

    /**
     * What {@link #secure} returns for the secured inner connection: that connection itself by
     * default; a test that changes the streams wraps it again, so that the change holds over TLS.
     */
    Transport.Connection rewrap(Transport.Connection secured) throws IOException {
        return secured;
    }
}
