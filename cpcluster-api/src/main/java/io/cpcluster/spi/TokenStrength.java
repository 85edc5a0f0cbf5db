package io.cpcluster.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The rules of {@link TokenStore#requireStrong(String)}, whose javadoc states them for users.
 * No message here ever contains the token, or any of its characters.
 */
final class TokenStrength {
    /** The fewest bits a token must carry by the estimate. */
    static final int MIN_BITS = 128;
    /** The fewest different characters a token must use (half its alphabet, for alphabets under 16). */
    static final int MIN_DISTINCT = 8;
    /** The symbols base64 ({@code + /}), base64url ({@code - _}) and their padding ({@code =}) use. */
    private static final String BASE64_SYMBOLS = "+/-_=";
    private static final String ADVICE = " Let the master mint one (it does when it is given no token and its join file"
            + " holds none: 256 random bits), or make one with `openssl rand -hex 32`.";

    private TokenStrength() {
    }

    static String require(String token) {
        Objects.requireNonNull(token, "token");
        int[] chars = token.codePoints().toArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] <= ' ' || chars[i] == 0x7f) {
                throw new IllegalArgumentException("a token has no spaces or control characters (character " + (i + 1)
                        + " is one)");
            }
        }
        Alphabet alphabet = Alphabet.of(chars);
        double bits = chars.length * Math.log(alphabet.size()) / Math.log(2);
        // The tolerance keeps exact cases exact: 32 hex digits are 128 bits, not 127.99999.
        if (bits < MIN_BITS - 1e-9) {
            throw new IllegalArgumentException("the token is too weak: its " + chars.length + " characters, from an"
                    + " alphabet of " + alphabet.size() + " (" + alphabet.description() + "), carry at most about "
                    + (int) Math.floor(bits + 1e-9) + " bits, and a token needs " + MIN_BITS + " or more." + ADVICE);
        }
        int distinct = (int) IntStream.of(chars).distinct().count();
        int neededDistinct = Math.min(MIN_DISTINCT, alphabet.size() / 2);
        if (distinct < neededDistinct) {
            throw predictable("it uses only " + distinct + " different characters, and a token of "
                    + alphabet.description() + " needs at least " + neededDistinct);
        }
        int period = smallestPeriod(chars);
        if (period <= chars.length / 2) {
            throw predictable("it is a block of " + period + " characters repeated");
        }
        int steps = chars.length - 1;
        int flat = 0;
        for (int i = 1; i < chars.length; i++) {
            if (Math.abs(chars[i] - chars[i - 1]) <= 1) {
                flat++;
            }
        }
        if (4 * flat >= 3 * steps) {
            throw predictable(flat + " of the " + steps + " steps from one of its characters to the next repeat the"
                    + " character or go to its neighbour (as in aaaa, abcd or 9876); fewer than three quarters may");
        }
        return token;
    }

    private static IllegalArgumentException predictable(String why) {
        return new IllegalArgumentException("the token is too predictable: " + why + "." + ADVICE);
    }

    /**
     * The smallest {@code p > 0} with {@code chars[i] == chars[i + p]} wherever both exist (the
     * length itself when there is none), from the prefix function: linear in the length.
     */
    private static int smallestPeriod(int[] chars) {
        if (chars.length == 0) {
            return 0;
        }
        // border[i]: the length of the longest proper prefix of chars[0..i] that is also its suffix.
        int[] border = new int[chars.length];
        for (int i = 1; i < chars.length; i++) {
            int k = border[i - 1];
            while (k > 0 && chars[i] != chars[k]) {
                k = border[k - 1];
            }
            border[i] = chars[i] == chars[k] ? k + 1 : k;
        }
        return chars.length - border[chars.length - 1];
    }

    /**
     * The set of characters a token looks drawn from, judged by the classes of character it uses.
     *
     * @param size how many characters the set has
     * @param description the classes, for people
     */
    record Alphabet(int size, String description) {
        static Alphabet of(int[] chars) {
            boolean digits = false;
            boolean lower = false;
            boolean upper = false;
            boolean base64 = false;
            boolean other = false;
            boolean beyondHex = false;
            for (int c : chars) {
                if (c >= '0' && c <= '9') {
                    digits = true;
                } else if (c >= 'a' && c <= 'z') {
                    lower = true;
                    beyondHex |= c > 'f';
                } else if (c >= 'A' && c <= 'Z') {
                    upper = true;
                    beyondHex |= c > 'F';
                } else if (BASE64_SYMBOLS.indexOf(c) >= 0) {
                    base64 = true;
                } else {
                    other = true;
                }
            }
            boolean letters = lower || upper;
            if (!letters && !base64 && !other) {
                return new Alphabet(10, "digits");
            }
            if (!base64 && !other && lower != upper && !beyondHex) {
                return new Alphabet(16, "hex digits");
            }
            List<String> classes = new ArrayList<>();
            int size = 0;
            if (lower && upper) {
                classes.add("letters of both cases");
                size += 52;
            } else if (letters) {
                classes.add(lower ? "lower-case letters" : "upper-case letters");
                size += 26;
            }
            if (digits) {
                classes.add("digits");
                size += 10;
            }
            if (other) {
                // Any other character counts as one of ASCII's 32 punctuation marks, base64's included.
                classes.add("other symbols");
                size += 32;
            } else if (base64) {
                classes.add("base64's symbols");
                size += 2;
            }
            String description = classes.size() == 1 ? classes.getFirst()
                    : String.join(", ", classes.subList(0, classes.size() - 1)) + " and " + classes.getLast();
            return new Alphabet(size, description);
        }
    }
}
