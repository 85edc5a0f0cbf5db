package io.cpcluster;

import io.cpcluster.spi.TokenStore;
import java.time.Duration;
import java.util.Objects;

/** Checks that configurations share. */
final class Settings {
    private Settings() {
    }

    static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, not " + value);
        }
        return value;
    }

    static Duration notNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, not " + value);
        }
        return value;
    }

    /** Checks a call or submit timeout: positive, and at most {@link CallOptions#NO_TIMEOUT}. */
    static Duration callTimeout(Duration value, String name) {
        positive(value, name);
        if (value.compareTo(CallOptions.NO_TIMEOUT) > 0) {
            throw new IllegalArgumentException(name + " must be at most CallOptions.NO_TIMEOUT (100 years), not " + value);
        }
        return value;
    }

    /** Checks that both are positive and the first is shorter than the second. */
    static void shorter(Duration first, String firstName, Duration second, String secondName) {
        positive(first, firstName);
        positive(second, secondName);
        if (first.compareTo(second) >= 0) {
            throw new IllegalArgumentException(firstName + " (" + first + ") must be shorter than " + secondName + " ("
                    + second + ")");
        }
    }

    static int between(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + value);
        }
        return value;
    }

    /** Checks a token without ever putting it into a message: see {@link TokenStore#requireStrong(String)}. */
    static String checkToken(String token) {
        return TokenStore.requireStrong(token);
    }

    /**
     * Checks a key fingerprint: {@code sha256:} and the 64 hex digits of the SHA-256 of a
     * certificate's public key (its DER SubjectPublicKeyInfo).
     *
     * @return the fingerprint in lower case
     */
    static String fingerprint(String value, String name) {
        Objects.requireNonNull(value, name);
        String lower = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (!lower.matches("sha256:[0-9a-f]{64}")) {
            throw new IllegalArgumentException(name + " is 'sha256:' and 64 hex digits (the SHA-256 of a public key),"
                    + " not '" + Ids.printable(value.length() > 80 ? value.substring(0, 80) + "..." : value) + "'");
        }
        return lower;
    }
}
