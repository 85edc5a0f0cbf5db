package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PrimesTest {
    @Test
    void theTwoWaysOfCountingAgreeWithKnownCounts() {
        long[][] known = {{0, 0}, {2, 0}, {3, 1}, {10, 4}, {100, 25}, {1_000, 168}, {1_000_000, 78_498}};
        for (long[] pair : known) {
            assertEquals(pair[1], Primes.countBelow(pair[0]), "below " + pair[0]);
            assertEquals(pair[1], Primes.count(new Primes.Range(0, pair[0])), "segmented below " + pair[0]);
        }
    }

    @Test
    void chunksAddUpToTheWhole() {
        Random random = new Random(7);
        for (int round = 0; round < 20; round++) {
            long limit = 1 + random.nextInt(300_000);
            long chunk = 1 + random.nextInt(20_000);
            long sum = 0;
            for (long from = 0; from < limit; from += chunk) {
                sum += Primes.count(new Primes.Range(from, Math.min(limit, from + chunk)));
            }
            assertEquals(Primes.countBelow(limit), sum, "limit " + limit + ", chunk " + chunk);
        }
    }

    @Test
    void aBackwardsRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Primes.Range(10, 5));
        assertThrows(IllegalArgumentException.class, () -> new Primes.Range(-1, 5));
    }
}
