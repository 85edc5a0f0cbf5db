package io.cpcluster.benchmarks;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS of the raw baselines: the JDK's own {@link SSLSocket} layered over a plain socket, set up
 * as CPCluster sets up a link's TLS, so that the baseline differs from a link only in what
 * CPCluster adds. TLS 1.3 only, the JDK's default cipher suites in their default order (so the
 * same suite is negotiated: {@link #cipherSuite()}), mutual authentication with an EC P-256 key and
 * a self-signed certificate on each side (made here with Bouncy Castle, as CPCluster makes its
 * own), and each side taking exactly the other's key, pinned, with no certificate authority, name
 * or date checked.
 *
 * <p>One instance holds both sides: a server context and a client context, each with a key of its
 * own, as two nodes have.
 */
final class RawTls {
    /** The only protocol, as for CPCluster's links. */
    static final String PROTOCOL = "TLSv1.3";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SSLContext serverContext;
    private final SSLContext clientContext;
    private final SSLParameters serverParameters;
    private final SSLParameters clientParameters;

    /** Makes a key pair for each side, and each side's TLS context, pinning the other's key. */
    RawTls() {
        try {
            Identity server = Identity.generate("raw server");
            Identity client = Identity.generate("raw client");
            serverContext = context(server, client.certificate().getPublicKey());
            clientContext = context(client, server.certificate().getPublicKey());
            serverParameters = parameters(serverContext);
            clientParameters = parameters(clientContext);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("could not set up the raw TLS baseline: " + e, e);
        }
    }

    /**
     * Layers TLS over the connecting side's socket and runs the handshake.
     *
     * @param plain a connected socket; closing the TLS socket closes it
     * @return the TLS socket, its handshake done
     */
    SSLSocket client(Socket plain) throws IOException {
        SSLSocket socket = (SSLSocket) clientContext.getSocketFactory().createSocket(plain,
                plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        socket.setSSLParameters(clientParameters);
        socket.setUseClientMode(true);
        socket.startHandshake();
        return socket;
    }

    /**
     * Layers TLS over an accepted socket and runs the handshake.
     *
     * @param plain an accepted socket; closing the TLS socket closes it
     * @return the TLS socket, its handshake done
     */
    SSLSocket server(Socket plain) throws IOException {
        SSLSocket socket = (SSLSocket) serverContext.getSocketFactory().createSocket(plain, null, true);
        socket.setSSLParameters(serverParameters);
        socket.setUseClientMode(false);
        socket.startHandshake();
        return socket;
    }

    /**
     * The cipher suite this JVM negotiates between two ends set up like these (and like
     * CPCluster's): one handshake over loopback.
     */
    static String cipherSuite() {
        RawTls tls = new RawTls();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread accepting = Thread.ofPlatform().daemon().start(() -> {
                try (Socket accepted = listener.accept(); SSLSocket secured = tls.server(accepted)) {
                    secured.getInputStream().read();
                } catch (IOException e) {
                    // the client saw it fail too
                }
            });
            try (SSLSocket client = tls.client(new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort()))) {
                String suite = client.getSession().getCipherSuite();
                client.getOutputStream().write(0);
                client.getOutputStream().flush();
                accepting.join(Duration.ofSeconds(5));
                return suite;
            }
        } catch (IOException e) {
            return "unknown (" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        }
    }

    private static SSLContext context(Identity own, PublicKey peer) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = new char[0];
        store.setKeyEntry("raw", own.pair().getPrivate(), password, new X509Certificate[] {own.certificate()});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("SunX509");
        keyManagers.init(store, password);
        SSLContext context = SSLContext.getInstance(PROTOCOL);
        context.init(keyManagers.getKeyManagers(), new TrustManager[] {new Pinned(peer)}, null);
        return context;
    }

    /** The context's defaults (cipher suites and their order included), TLS 1.3 only, both sides proving a key. */
    private static SSLParameters parameters(SSLContext context) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(new String[] {PROTOCOL});
        parameters.setNeedClientAuth(true);
        return parameters;
    }

    /** An EC P-256 key pair and a self-signed certificate of it. */
    private record Identity(KeyPair pair, X509Certificate certificate) {
        static Identity generate(String commonName) throws GeneralSecurityException, OperatorCreationException {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=" + commonName);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(365))), name, pair.getPublic());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new Identity(pair, certificate);
        }
    }

    /**
     * Takes a chain whose first certificate holds the pinned key, and nothing else: TLS proves that
     * the other side holds that key. As cheap as CPCluster's check (which takes any proven key and
     * compares its SHA-256 with the pin after the handshake).
     */
    private static final class Pinned extends X509ExtendedTrustManager {
        private final byte[] key;

        Pinned(PublicKey key) {
            this.key = key.getEncoded();
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !MessageDigest.isEqual(chain[0].getPublicKey().getEncoded(), key)) {
                throw new CertificateException("not the pinned key");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
