package io.cpcluster.core.tls;

import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One side's TLS: TLS 1.3 only, with its key pair, asking the other side for a certificate too
 * (mutual TLS). The handshake takes any certificate whose key the other side proves it holds:
 * which key is the right one is a pin, checked by the caller against
 * {@link Transport.Connection#peerIdentity()} ({@link #peer}) before a single frame is sent.
 * So no certificate authority, name or date is involved.
 */
public final class Tls {
    /** The only protocol: TLS 1.3. */
    public static final String PROTOCOL = "TLSv1.3";
    private static final String ALIAS = "cpcluster";

    private final Keys.Pair keys;
    private final String fingerprint;
    private final byte[] digest;
    private final SSLSocketFactory factory;

    /**
     * Sets TLS up with a key pair.
     *
     * @param keys this side's key pair
     */
    public Tls(Keys.Pair keys) {
        this.keys = keys;
        this.fingerprint = keys.fingerprint();
        this.digest = Keys.digest(keys.certificate().getPublicKey());
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry(ALIAS, keys.privateKey(), password, new X509Certificate[] {keys.certificate()});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("SunX509");
            keyManagers.init(store, password);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keyManagers.getKeyManagers(), new TrustManager[] {new AnyProvenKey()}, null);
            SSLParameters parameters = context.getDefaultSSLParameters();
            parameters.setProtocols(new String[] {PROTOCOL});
            parameters.setNeedClientAuth(true);
            this.factory = new Configured(context.getSocketFactory(), parameters);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("this JVM cannot set up TLS 1.3 with a " + keys.privateKey().getAlgorithm()
                    + " key: " + e, e);
        }
    }

    /** This side's key fingerprint. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The 32 bytes of this side's key digest, as proofs bind them. */
    public byte[] digest() {
        return digest.clone();
    }

    /** Makes TLS 1.3 sockets with this side's key, asking for the other side's (see {@link #secure}). */
    public SSLSocketFactory socketFactory() {
        return factory;
    }

    /** This side's key pair. */
    public Keys.Pair keys() {
        return keys;
    }

    /**
     * Layers TLS over a connection and runs the handshake.
     *
     * @param connection the connection, plain so far
     * @param client true on the side that connected
     * @param consumed bytes of the TLS handshake already read from the connection (server side)
     * @param timeout how long the handshake may take
     * @return the secured connection, which replaces {@code connection}
     * @throws IOException if the handshake fails or times out; the connection is then closed
     */
    public Transport.Connection secure(Transport.Connection connection, boolean client, byte[] consumed,
                                       Duration timeout) throws IOException {
        Transport.Connection secured;
        try {
            secured = connection.secure(factory, client, consumed);
        } catch (IOException | RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
        try {
            secured.handshake(timeout);
            return secured;
        } catch (IOException | RuntimeException e) {
            closeQuietly(secured);
            throw e;
        }
    }

    /**
     * The fingerprint of the key the other side of a secured connection proved.
     *
     * @throws IOException if it proved none
     */
    public static String peer(Transport.Connection secured) throws IOException {
        Optional<String> identity = secured.peerIdentity();
        if (identity.isEmpty()) {
            throw new SSLPeerUnverifiedException("the other side proved no key");
        }
        return identity.get();
    }

    /**
     * The fingerprint of the key in a TLS session's peer certificate.
     *
     * @throws SSLPeerUnverifiedException if the peer gave no certificate
     */
    public static String peerFingerprint(SSLSession session) throws SSLPeerUnverifiedException {
        return Keys.fingerprint(session.getPeerCertificates()[0].getPublicKey());
    }

    private static void closeQuietly(Transport.Connection connection) {
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing after a failure: the failure is what matters
        }
    }

    /**
     * Takes any certificate chain the other side presents: TLS proves the other side holds the
     * chain's first key, and the caller pins that key. Nothing else of the certificate matters.
     */
    private static final class AnyProvenKey extends X509ExtendedTrustManager {
        private static void present(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("the other side presented no certificate");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            present(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            present(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            present(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            present(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            present(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            present(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** The context's socket factory, with TLS 1.3 only and mutual TLS on every socket it makes. */
    private static final class Configured extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final SSLParameters parameters;

        Configured(SSLSocketFactory delegate, SSLParameters parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        private Socket configured(Socket socket) {
            SSLSocket ssl = (SSLSocket) socket;
            boolean client = ssl.getUseClientMode();
            ssl.setSSLParameters(parameters);
            ssl.setUseClientMode(client);
            return ssl;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.getCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return configured(delegate.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(Socket socket, InputStream consumed, boolean autoClose) throws IOException {
            return configured(delegate.createSocket(socket, consumed, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configured(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configured(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configured(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return configured(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
