package io.cpcluster.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, item 7: "a 16-character {@code aaaaaaaaaaaaaaaa} token is accepted". Each rule of
 * {@link TokenStore#requireStrong}, from both sides.
 */
class StrongTokensTest {
    private static final String DIGITS = "0123456789";
    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String UPPER = LOWER.toUpperCase(java.util.Locale.ROOT);
    private static final String PRINTABLE = IntStream.rangeClosed('!', '~')
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();

    @Test
    void theTokensTheAttackerShowedAreRefused() {
        assertTrue(refused("aaaaaaaaaaaaaaaa").contains("its 16 characters, from an alphabet of 16 (hex digits),"
                + " carry at most about 64 bits, and a token needs 128 or more"));
        assertTrue(refused("a".repeat(40)).contains("it uses only 1 different characters"));
        assertTrue(refused("9f86d081884c7d659a2f").contains("its 20 characters, from an alphabet of 16 (hex digits),"
                + " carry at most about 80 bits"));
    }

    /**
     * The estimate: length times log2 of the alphabet. For each alphabet, a token of the shortest
     * length that makes 128 bits passes and one character less is refused. Each token starts with
     * one character of every class its alphabet has, so that it shows the whole alphabet.
     */
    @Test
    void eachAlphabetNeedsTheLengthThatMakes128Bits() {
        expectShortest(DIGITS, "", 10, 39, 126);
        expectShortest("0123456789abcdef", "a0", 16, 32, 124);
        expectShortest("0123456789ABCDEF", "A0", 16, 32, 124);
        expectShortest(LOWER, "", 26, 28, 126);
        expectShortest(UPPER, "", 26, 28, 126);
        expectShortest(LOWER + DIGITS, "q0", 36, 25, 124);
        expectShortest(LOWER + UPPER, "qQ", 52, 23, 125);
        expectShortest(LOWER + UPPER + DIGITS, "qQ0", 62, 22, 125);
        expectShortest(LOWER + UPPER + DIGITS + "+/", "qQ0+", 64, 22, 126);
        expectShortest(LOWER + UPPER + DIGITS + "-_", "qQ0_", 64, 22, 126);
        expectShortest(PRINTABLE, "qQ0!", 94, 20, 124);
    }

    private static void expectShortest(String alphabet, String classes, int size, int shortest, int bitsOfOneLess) {
        String token = classes + draw(alphabet, shortest - classes.length(), new Random(alphabet.hashCode()));
        assertEquals(token, TokenStore.requireStrong(token), "a token of " + shortest + " from " + alphabet);
        String message = refused(token.substring(0, shortest - 1));
        assertTrue(message.contains("its " + (shortest - 1) + " characters, from an alphabet of " + size + " ("),
                message);
        assertTrue(message.contains("carry at most about " + bitsOfOneLess + " bits"), message);
        assertTrue(message.contains("`openssl rand -hex 32`"), message);
    }

    @Test
    void aTokenUsesEightDifferentCharactersOrFiveDigits() {
        // 40 lower-case letters (188 bits by the estimate), none next to another in the alphabet.
        Random random = new Random(7);
        String seven = draw("gikmoqs", 40, random);
        assertTrue(refused(seven).contains("it uses only 7 different characters, and a token of lower-case letters"
                + " needs at least 8"));
        String eight = draw("gikmoqsu", 40, random);
        assertEquals(8, eight.chars().distinct().count());
        assertEquals(eight, TokenStore.requireStrong(eight));

        String fourDigits = draw("0246", 60, random);
        assertTrue(refused(fourDigits).contains("only 4 different characters, and a token of digits needs at least 5"));
        String fiveDigits = draw("02468", 60, random);
        assertEquals(5, fiveDigits.chars().distinct().count());
        assertEquals(fiveDigits, TokenStore.requireStrong(fiveDigits));
    }

    @Test
    void aBlockRepeatedIsRefusedWhenItIsAtMostHalfTheToken() {
        String block = "k3x9qz7mPw2Rt8Ly5Vn4";
        assertTrue(refused("k3x9qz7m".repeat(5)).contains("it is a block of 8 characters repeated"));
        assertTrue(refused("k3x9qz7m".repeat(4) + "k3x9").contains("a block of 8 characters repeated"),
                "the last copy may be cut short");
        assertTrue(refused(block + block).contains("a block of 20 characters repeated"), "20 of 40: half");
        String longer = block + "J" + block.substring(0, 19);
        assertEquals(40, longer.length());
        assertEquals(longer, TokenStore.requireStrong(longer), "a block of 21 in 40 is more than half");
        String broken = "k3x9qz7m".repeat(4) + "k3x9qz7n";
        assertEquals(broken, TokenStore.requireStrong(broken), "one character off is no repetition");
    }

    @Test
    void runsAndSequencesAreRefusedFromThreeQuartersOfTheSteps() {
        assertTrue(refused("abcdefghijklmnopqrstuvwxyz0123456789").contains("34 of the 35 steps from one of its"
                + " characters to the next repeat the character or go to its neighbour"));
        assertTrue(refused("zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONM").contains("steps"));
        // 41 lower-case letters: 40 steps, of which 30 (refused) or 29 (accepted) go next door.
        assertTrue(refused("abijklstuvopqryzyzstuvopqryzyzstuvopqryzy").contains("30 of the 40 steps"));
        String fewer = "abijkrstunopqxyzstuvopqryzyrstunopqxyzstu";
        assertEquals(fewer, TokenStore.requireStrong(fewer));
    }

    @Test
    void spacesAndControlCharactersAreRefusedByPosition() {
        assertTrue(refused("9f86d081884c7d659a2feaa0c55ad015 0a").contains("a token has no spaces or control"
                + " characters (character 33 is one)"));
        assertTrue(refused("\u0001" + "f".repeat(63)).contains("(character 1 is one)"));
    }

    /**
     * What the master mints (256 random bits as 64 hex digits) and what the advice makes
     * ({@code openssl rand -hex 32}, {@code -base64 32}) always pass: none of a few thousand
     * draws is refused by any rule.
     */
    @Test
    void randomTokensOf256BitsAlwaysPass() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 5_000; i++) {
            byte[] bits = new byte[32];
            random.nextBytes(bits);
            String hex = HexFormat.of().formatHex(bits);
            assertEquals(hex, TokenStore.requireStrong(hex));
            String base64 = Base64.getEncoder().encodeToString(bits);
            assertEquals(base64, TokenStore.requireStrong(base64));
            String base64url = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
            assertEquals(base64url, TokenStore.requireStrong(base64url));
        }
    }

    /** Refused, with a message that never contains the token; returns the message. */
    private static String refused(String token) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> TokenStore.requireStrong(token));
        assertFalse(refused.getMessage().contains(token), "the message shows the token: " + refused.getMessage());
        return refused.getMessage();
    }

    private static String draw(String alphabet, int length, Random random) {
        StringBuilder token = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }
}
