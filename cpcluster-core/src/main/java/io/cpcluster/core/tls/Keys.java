package io.cpcluster.core.tls;

import io.cpcluster.ClusterException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS key pairs: made (an EC P-256 key and a self-signed certificate of it, by Bouncy Castle with
 * the JDK's own providers), written and read as PEM, and named by their fingerprint,
 * {@code sha256:} and the hex SHA-256 of the certificate's public key (its DER
 * SubjectPublicKeyInfo). Peers pin that fingerprint; the certificate's name, issuer and dates
 * are not checked, so a self-signed certificate is as good as any.
 */
public final class Keys {
    /** The prefix of every fingerprint. */
    public static final String PREFIX = "sha256:";
    /** How long a made certificate is valid, for tools that look: pins never expire. */
    private static final Duration VALIDITY = Duration.ofDays(100 * 365);
    private static final SecureRandom RANDOM = new SecureRandom();

    private Keys() {
    }

    /**
     * A private key and the certificate of its public key.
     *
     * @param privateKey the private key
     * @param certificate the certificate
     */
    public record Pair(PrivateKey privateKey, X509Certificate certificate) {
        /** The fingerprint of the certificate's public key. */
        public String fingerprint() {
            return Keys.fingerprint(certificate.getPublicKey());
        }
    }

    /**
     * Makes a new EC P-256 key pair and a self-signed certificate for it.
     *
     * @param commonName the certificate's CN, for people who inspect it: {@code cpcluster master}
     */
    public static Pair generate(String commonName) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(127, RANDOM).add(BigInteger.ONE), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(VALIDITY)), name, pair.getPublic());
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(pair.getPrivate()));
            return new Pair(pair.getPrivate(), new JcaX509CertificateConverter().getCertificate(holder));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("this JVM cannot make an EC P-256 key and certificate, which every Java SE"
                    + " JVM can: " + e, e);
        }
    }

    /** The fingerprint of a public key: {@code sha256:} and the hex SHA-256 of its DER encoding. */
    public static String fingerprint(PublicKey key) {
        return PREFIX + HexFormat.of().formatHex(digest(key));
    }

    /** The 32 bytes of a public key's SHA-256, as proofs bind them. */
    public static byte[] digest(PublicKey key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java SE JVM must have", e);
        }
    }

    /** The 32 bytes a fingerprint names. */
    public static byte[] digest(String fingerprint) {
        if (!fingerprint.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a fingerprint: " + fingerprint);
        }
        return HexFormat.of().parseHex(fingerprint, PREFIX.length(), fingerprint.length());
    }

    /** The key pair as PEM: the PKCS#8 private key, then the certificate. */
    public static String pem(Pair pair) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(new JcaPKCS8Generator(pair.privateKey(), null));
            writer.writeObject(pair.certificate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /**
     * Reads a key pair from PEM: a private key (PKCS#8, or SEC1 {@code EC PRIVATE KEY}, or PKCS#1
     * {@code RSA PRIVATE KEY}) and a certificate, in one text or two.
     *
     * @param keyText the PEM text holding the private key
     * @param certificateText the PEM text holding the certificate (may be {@code keyText})
     * @param where where the texts came from, for messages
     * @throws ClusterException if either is missing or unreadable, or the certificate is not of the key
     */
    public static Pair read(String keyText, String certificateText, String where) {
        PrivateKey key = null;
        X509Certificate certificate = null;
        try {
            JcaPEMKeyConverter keys = new JcaPEMKeyConverter();
            for (Object item : items(keyText)) {
                if (item instanceof PrivateKeyInfo info) {
                    key = keys.getPrivateKey(info);
                } else if (item instanceof PEMKeyPair pair) {
                    key = keys.getKeyPair(pair).getPrivate();
                }
            }
            for (Object item : items(certificateText)) {
                if (item instanceof X509CertificateHolder holder && certificate == null) {
                    certificate = new JcaX509CertificateConverter().getCertificate(holder);
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new ClusterException("could not read the TLS key pair in " + where + ": " + e, e);
        }
        if (key == null) {
            throw new ClusterException(where + " holds no PEM private key (PRIVATE KEY, EC PRIVATE KEY or RSA"
                    + " PRIVATE KEY); an encrypted key must be decrypted first, for example with"
                    + " 'openssl pkey -in key.pem -out plain.pem'");
        }
        if (certificate == null) {
            throw new ClusterException(where + " holds no PEM certificate (BEGIN CERTIFICATE)");
        }
        Pair pair = new Pair(key, certificate);
        if (!provesKey(pair)) {
            throw new ClusterException("the certificate in " + where + " is not of its private key: give the"
                    + " certificate made for that key");
        }
        return pair;
    }

    /**
     * Reads every certificate in a PEM text (a CA bundle).
     *
     * @param where where the text came from, for messages
     * @throws ClusterException if it is unreadable or holds no certificate
     */
    public static List<X509Certificate> certificates(String text, String where) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            for (Object item : items(text)) {
                if (item instanceof X509CertificateHolder holder) {
                    certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new ClusterException("could not read the certificates in " + where + ": " + e, e);
        }
        if (certificates.isEmpty()) {
            throw new ClusterException(where + " holds no PEM certificate (BEGIN CERTIFICATE)");
        }
        return List.copyOf(certificates);
    }

    private static List<Object> items(String text) throws IOException {
        List<Object> items = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                items.add(item);
            }
        }
        return items;
    }

    /** Whether the private key signs what the certificate's public key verifies. */
    private static boolean provesKey(Pair pair) {
        try {
            String algorithm = switch (pair.privateKey().getAlgorithm()) {
                case "EC" -> "SHA256withECDSA";
                case "RSA" -> "SHA256withRSA";
                case "Ed25519", "EdDSA" -> "Ed25519";
                default -> null;
            };
            if (algorithm == null) {
                throw new ClusterException("a TLS key of type " + pair.privateKey().getAlgorithm() + " will not do:"
                        + " give an EC (P-256 or P-384), RSA or Ed25519 key");
            }
            byte[] message = new byte[32];
            RANDOM.nextBytes(message);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(pair.privateKey());
            signer.update(message);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pair.certificate().getPublicKey());
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
