package io.cpcluster;

import java.time.Duration;
import java.util.Objects;

/** Checks that configurations share. */
final class Settings {
    /** The shortest token accepted, in characters. */
    static final int MIN_TOKEN_LENGTH = 16;

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

    /** Checks a token without ever putting it into a message. */
    static String checkToken(String token) {
        if (token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("a token has at least " + MIN_TOKEN_LENGTH
                    + " characters; this one has " + token.length());
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("a token has no spaces or control characters (character "
                        + (i + 1) + " is one)");
            }
        }
        return token;
    }
}
