package io.cpcluster.spi;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLSocketFactory;

/**
 * How bytes move between a node and the master, and between two nodes. Implementations are
 * found with {@link java.util.ServiceLoader} and chosen by {@link #name()}; {@code tcp} is the
 * default.
 *
 * <p>Streams are blocking: CPCluster serves every connection with its own threads (virtual by
 * default), so an implementation needs no event loop. Implementations are thread-safe and
 * stateless enough to be shared by any number of masters and nodes.
 */
public interface Transport {
    /**
     * Returns the name configurations choose this transport by.
     *
     * @return for example {@code tcp}
     */
    String name();

    /**
     * Starts listening.
     *
     * @param address where to listen; port 0 picks a free port
     * @return the listener
     * @throws IOException if the address cannot be bound, for example because another program holds the port
     */
    Listener listen(InetSocketAddress address) throws IOException;

    /**
     * Connects to a listener.
     *
     * @param address where to connect; it may be unresolved
     * @param timeout how long to wait for the connection
     * @return the connection
     * @throws IOException if the connection fails or times out
     */
    Connection connect(InetSocketAddress address, Duration timeout) throws IOException;

    /** Accepts connections. Closing it makes a blocked {@link #accept()} throw. */
    interface Listener extends Closeable {
        /**
         * Returns the address it listens on, with the port it actually bound.
         *
         * @return the local address
         */
        InetSocketAddress localAddress();

        /**
         * Waits for the next connection. Returns as soon as the connection is accepted: the
         * transport's own handshake, if it has one, waits for {@link Connection#handshake(Duration)},
         * which CPCluster calls on the connection's own thread, so that a slow or silent client
         * never holds up the accept loop.
         *
         * @return the connection
         * @throws IOException if the listener is closed or accepting fails
         */
        Connection accept() throws IOException;
    }

    /**
     * One connection. Reading and writing may happen on two threads at once; closing it from any
     * thread makes blocked reads and writes throw.
     */
    interface Connection extends Closeable {
        /**
         * Returns the stream to read from. The same stream on every call.
         *
         * @return the input stream
         * @throws IOException if the connection is broken
         */
        InputStream input() throws IOException;

        /**
         * Returns the stream to write to. The same stream on every call; CPCluster buffers on top of it.
         *
         * @return the output stream
         * @throws IOException if the connection is broken
         */
        OutputStream output() throws IOException;

        /**
         * Returns this end's address.
         *
         * @return the local address
         */
        InetSocketAddress localAddress();

        /**
         * Returns the other end's address.
         *
         * @return the remote address
         */
        InetSocketAddress remoteAddress();

        /**
         * Layers TLS over this connection, for {@link io.cpcluster.Security#TLS} (the default):
         * returns a connection whose streams are the TLS socket's, whose
         * {@link #handshake(Duration)} runs the TLS handshake, and whose {@link #peerIdentity()}
         * is the fingerprint of the key the other end proved. CPCluster calls it at most once per
         * connection, on the connection's own thread, before any frame goes through TLS; the
         * master sends its {@code HELLO} in plain first (see docs/PROTOCOL.md). The factory comes
         * configured (TLS 1.3 only, mutual authentication, CPCluster's key); pins are checked by
         * CPCluster after the handshake. A transport over TCP sockets layers the factory's socket
         * on its own ({@link SSLSocketFactory#createSocket(java.net.Socket, String, int, boolean)}
         * on the client side, {@link SSLSocketFactory#createSocket(java.net.Socket, InputStream, boolean)}
         * on the server side). By default a transport cannot carry TLS.
         *
         * @param tls makes the TLS socket
         * @param client true on the side that connected, which starts the TLS handshake
         * @param consumed bytes already read from this connection that begin the TLS handshake
         *        (on the server side; empty otherwise)
         * @return the secured connection; closing it closes this one
         * @throws IOException if the connection cannot be secured; CPCluster then closes it
         */
        default Connection secure(SSLSocketFactory tls, boolean client, byte[] consumed) throws IOException {
            throw new IOException("this transport (" + getClass().getName() + ") cannot carry TLS: give CPCluster a"
                    + " transport that implements Transport.Connection.secure, or choose Security.PLAIN");
        }

        /**
         * Completes the transport's own handshake (a TLS handshake, say) before any frame is read
         * or written. CPCluster calls it once per connection, on the connection's own thread,
         * right after {@link Listener#accept()} or {@link Transport#connect}. Does nothing by
         * default.
         *
         * @param timeout how long the handshake may take
         * @throws IOException if it fails or does not finish in time; the connection is then closed
         */
        default void handshake(Duration timeout) throws IOException {
        }

        /**
         * Returns the identity of the other end as the transport proved it (for TLS, the
         * fingerprint of the key in its certificate), once {@link #handshake(Duration)} has
         * returned.
         *
         * @return the proven identity; empty when the transport proves none, as plain TCP
         */
        default Optional<String> peerIdentity() {
            return Optional.empty();
        }

        /**
         * Returns the certificate chain the other end presented in the transport's handshake (for
         * TLS, its certificate first), once {@link #handshake(Duration)} has returned: what a
         * master that trusts a PKI checks a node's chain with.
         *
         * @return the chain; empty when the transport has none, as plain TCP
         */
        default List<X509Certificate> peerCertificates() {
            return List.of();
        }
    }
}
