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
import java.util.List;
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
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One side's TLS: TLS 1.3 only, with its key pair, asking the other side for a certificate too
 * (mutual TLS). Without certificate authorities, the handshake takes any certificate whose key the
 * other side proves it holds: which key is the right one is a pin, checked by the caller against
 * {@link Transport.Connection#peerIdentity()} ({@link #peer}) before a single frame is sent, and
 * no name or date is involved. With authorities (a PKI), a server's chain must also lead to one of
 * them, as the JDK's PKIX checks it (and, on a connection made by {@link #secureIdentifying}, name
 * the host dialed); a client's chain is checked after the handshake ({@link #checkClient}), so that
 * the server can refuse it with a reason the client reads.
 */
public final class Tls {
    /** The only protocol: TLS 1.3. */
    public static final String PROTOCOL = "TLSv1.3";
    private static final String ALIAS = "cpcluster";

    private final Keys.Pair keys;
    private final String fingerprint;
    private final SSLSocketFactory factory;
    /** The JDK's PKIX checks against the authorities; null without them. */
    private final X509ExtendedTrustManager pkix;
    /** As {@link #factory}, checking that the server's certificate names the host dialed; null without authorities. */
    private final SSLSocketFactory identifying;

    /**
     * Sets TLS up with a key pair, pinning keys only.
     *
     * @param keys this side's key pair
     */
    public Tls(Keys.Pair keys) {
        this(keys, List.of());
    }

    /**
     * Sets TLS up with a key pair and the certificate authorities of a PKI.
     *
     * @param keys this side's key pair
     * @param authorities the CA certificates the other side's chain must lead to; empty to pin keys only
     */
    public Tls(Keys.Pair keys, List<X509Certificate> authorities) {
        this.keys = keys;
        this.fingerprint = keys.fingerprint();
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry(ALIAS, keys.privateKey(), password, new X509Certificate[] {keys.certificate()});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("SunX509");
            keyManagers.init(store, password);
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            this.pkix = authorities.isEmpty() ? null : pkix(authorities);
            context.init(keyManagers.getKeyManagers(), new TrustManager[] {new Trust(pkix)}, null);
            SSLParameters parameters = context.getDefaultSSLParameters();
            parameters.setProtocols(new String[] {PROTOCOL});
            parameters.setNeedClientAuth(true);
            this.factory = new Configured(context.getSocketFactory(), parameters);
            if (authorities.isEmpty()) {
                this.identifying = null;
            } else {
                SSLParameters identify = context.getDefaultSSLParameters();
                identify.setProtocols(new String[] {PROTOCOL});
                identify.setEndpointIdentificationAlgorithm("HTTPS");
                this.identifying = new Configured(context.getSocketFactory(), identify);
            }
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("this JVM cannot set up TLS 1.3 with a " + keys.privateKey().getAlgorithm()
                    + " key: " + e, e);
        }
    }

    /** This side's key fingerprint. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Makes TLS 1.3 sockets with this side's key, asking for the other side's (see {@link #secure}). */
    public SSLSocketFactory socketFactory() {
        return factory;
    }

    /** This side's key pair. */
    public Keys.Pair keys() {
        return keys;
    }

    /** Whether a PKI's authorities are trusted (else keys are pinned only). */
    public boolean hasAuthorities() {
        return identifying != null;
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
        return secure(connection, factory, client, consumed, timeout);
    }

    /**
     * Connects with TLS as a client that takes only a server whose certificate chains to the
     * authorities and names the host dialed, as HTTPS does: for a master no key is pinned for.
     *
     * @throws IllegalStateException if no authorities are trusted
     */
    public Transport.Connection secureIdentifying(Transport.Connection connection, Duration timeout)
            throws IOException {
        if (identifying == null) {
            throw new IllegalStateException("no certificate authorities to identify a server by");
        }
        return secure(connection, identifying, true, new byte[0], timeout);
    }

    private static Transport.Connection secure(Transport.Connection connection, SSLSocketFactory tls, boolean client,
                                               byte[] consumed, Duration timeout) throws IOException {
        Transport.Connection secured;
        try {
            secured = connection.secure(tls, client, consumed);
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

    /**
     * Checks, after the handshake, the chain a client presented against the authorities, as the
     * JDK's PKIX does (chain, dates, key usage). The TLS layer takes any client's chain, so that a
     * server can read what the client says and answer it with a reason instead of cutting the
     * handshake; this is where a server that trusts a PKI refuses a client.
     *
     * @throws CertificateException if no authorities are trusted and the chain is empty, or the
     *         chain does not lead to one of them
     */
    public void checkClient(List<X509Certificate> chain) throws CertificateException {
        if (chain.isEmpty()) {
            throw new CertificateException("the other side presented no certificate");
        }
        if (pkix != null) {
            String type = chain.getFirst().getPublicKey().getAlgorithm();
            pkix.checkClientTrusted(chain.toArray(X509Certificate[]::new), switch (type) {
                case "RSA", "DSA", "EC", "RSASSA-PSS" -> type;
                default -> "UNKNOWN";
            });
        }
    }

    /** The JDK's PKIX trust manager for the authorities. */
    private static X509ExtendedTrustManager pkix(List<X509Certificate> authorities)
            throws GeneralSecurityException, IOException {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        for (int i = 0; i < authorities.size(); i++) {
            anchors.setCertificateEntry("authority-" + i, authorities.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(anchors);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x509) {
                return x509;
            }
        }
        throw new IllegalStateException("this JVM's PKIX trust manager factory made no X509ExtendedTrustManager");
    }

    private static void closeQuietly(Transport.Connection connection) {
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing after a failure: the failure is what matters
        }
    }

    /**
     * What the TLS layer takes. From a client: any chain, since TLS proves the client holds its
     * first key, which the caller pins (or checks against the authorities with
     * {@link #checkClient}). From a server: the same without authorities; with them, only a chain
     * the JDK's PKIX takes (and, for a socket made to identify its server, one naming its host).
     */
    private static final class Trust extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager pkix;

        Trust(X509ExtendedTrustManager pkix) {
            this.pkix = pkix;
        }

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
            if (pkix != null) {
                pkix.checkServerTrusted(chain, authType, socket);
            }
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
            if (pkix != null) {
                pkix.checkServerTrusted(chain, authType, engine);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            present(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            present(chain);
            if (pkix != null) {
                pkix.checkServerTrusted(chain, authType);
            }
        }

        /**
         * None named: a server names no authorities to its clients, so that a client always sends
         * the one certificate it has, and the server can tell it why that will not do.
         */
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
