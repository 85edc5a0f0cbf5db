package io.cpcluster;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node needs to join a cluster: the master's address, the shared token, and (with
 * {@link Security#TLS}, the default) the fingerprint of the master's key. The master writes it
 * as {@code join.json}:
 * {@snippet lang=json :
 * {"token": "6f1c…", "ip": "127.0.0.1", "port": "55000", "fingerprint": "sha256:9b0e…"}
 * }
 * ({@code port} is read as a string or a number; a master with {@link Security#PLAIN} writes no
 * fingerprint).
 *
 * <p>{@link #toString()} never shows the token.
 *
 * @param token the shared secret nodes prove they hold
 * @param ip the master's address, as nodes should dial it
 * @param port the master's port
 * @param fingerprint the fingerprint of the master's TLS key, {@code sha256:} and 64 hex digits;
 *        empty for a master with {@link Security#PLAIN}
 */
public record JoinInfo(String token, String ip, int port, Optional<String> fingerprint) {
    /** Checks the fields; the fingerprint is kept in lower case. */
    public JoinInfo {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(ip, "ip");
        fingerprint = Objects.requireNonNull(fingerprint, "fingerprint").map(JoinInfo::checkFingerprint);
        if (token.isBlank()) {
            throw new IllegalArgumentException("the join token is empty");
        }
        if (ip.isBlank()) {
            throw new IllegalArgumentException("the master ip is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the master port is between 1 and 65535, not " + port);
        }
    }

    /**
     * Join information for a master with {@link Security#PLAIN}, which has no key.
     *
     * @param token the shared secret nodes prove they hold
     * @param ip the master's address, as nodes should dial it
     * @param port the master's port
     */
    public JoinInfo(String token, String ip, int port) {
        this(token, ip, port, Optional.empty());
    }

    /**
     * Checks a key fingerprint: {@code sha256:} and the 64 hex digits of the SHA-256 of a
     * certificate's public key (its DER-encoded SubjectPublicKeyInfo), as the master logs it and
     * writes it into {@code join.json}.
     *
     * @param fingerprint the fingerprint; surrounding blanks and upper-case digits are allowed
     * @return the fingerprint, stripped and in lower case
     * @throws IllegalArgumentException if it is not such a fingerprint
     */
    public static String checkFingerprint(String fingerprint) {
        return Settings.fingerprint(fingerprint, "the key fingerprint");
    }

    /**
     * Returns the master's address, unresolved.
     *
     * @return {@code ip:port}
     */
    public InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(ip, port);
    }

    /** Shows the address and hides the token, so that it never reaches a log. */
    @Override
    public String toString() {
        return "JoinInfo[token=(hidden), ip=" + ip + ", port=" + port + ", fingerprint="
                + fingerprint.orElse("(none)") + "]";
    }
}
