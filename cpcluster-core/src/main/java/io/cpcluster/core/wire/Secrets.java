package io.cpcluster.core.wire;

import io.cpcluster.core.tls.Keys;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Tokens, tickets, nonces and proofs. A proof is {@code HMAC-SHA256(key = secret as UTF-8,
 * message)}: it shows that the sender holds the secret without sending it. The message is the
 * nonce, and over TLS the SHA-256 digests of the server's and the client's keys after it
 * ({@link #bound}), so that a proof for one nonce is worthless for any other, and a proof made on
 * one TLS connection is worthless on any connection between other keys.
 */
public final class Secrets {
    /** Bytes of randomness in a token, a ticket and a nonce: 256 bits. */
    public static final int RANDOM_BYTES = 32;
    private static final String HMAC = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    public static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** A new secret (token or ticket): 256 random bits as 64 lower-case hex digits. */
    public static String newSecret() {
        return HexFormat.of().formatHex(randomBytes(RANDOM_BYTES));
    }

    /** A new nonce: 256 random bits. */
    public static byte[] newNonce() {
        return randomBytes(RANDOM_BYTES);
    }

    /**
     * What a proof covers: the nonce, then, over TLS, the 32-byte SHA-256 digests of the server's
     * key and the client's key (the public keys' DER encodings, as their fingerprints name them).
     *
     * @param serverKey the fingerprint of the key of the side that accepted the connection; null in plain TCP
     * @param clientKey the fingerprint of the key of the side that connected; null in plain TCP
     */
    public static byte[] bound(byte[] nonce, String serverKey, String clientKey) {
        if (serverKey == null || clientKey == null) {
            return nonce;
        }
        byte[] server = Keys.digest(serverKey);
        byte[] client = Keys.digest(clientKey);
        byte[] message = Arrays.copyOf(nonce, nonce.length + server.length + client.length);
        System.arraycopy(server, 0, message, nonce.length, server.length);
        System.arraycopy(client, 0, message, nonce.length + server.length, client.length);
        return message;
    }

    public static byte[] proof(String secret, byte[] nonce) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
            return mac.doFinal(nonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no " + HMAC + ", which every Java SE JVM must have", e);
        }
    }

    /** Whether {@code proof} is the proof of {@code secret} for {@code nonce}, in constant time. */
    public static boolean verify(String secret, byte[] nonce, byte[] proof) {
        return MessageDigest.isEqual(proof(secret, nonce), proof);
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * Decodes base64 from a peer.
     *
     * @throws IllegalArgumentException if it is not base64
     */
    public static byte[] fromBase64(String text) {
        return Base64.getDecoder().decode(text);
    }
}
