package io.cpcluster.examples;

import java.util.BitSet;

/** The demo's work: counting primes, two ways, so that one checks the other. */
public final class Primes {
    /** The task nodes serve: count the primes in a range. */
    static final String TASK = "primes.count";

    /**
     * A half-open range of numbers, {@code [from, to)}: the input of {@link #TASK}.
     *
     * @param from the first number
     * @param to one past the last number
     */
    public record Range(long from, long to) {
        /** Checks the range. */
        public Range {
            if (from < 0 || to < from || to - from > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a range is 0 <= from <= to with at most 2^31 numbers, not ["
                        + from + ", " + to + ")");
            }
        }
    }

    private Primes() {
    }

    /** Counts the primes in {@code [from, to)} with a segmented sieve: what the nodes run. */
    static long count(Range range) {
        long from = Math.max(2, range.from());
        long to = range.to();
        if (to <= from) {
            return 0;
        }
        int root = (int) Math.sqrt((double) to) + 1;
        boolean[] smallComposite = new boolean[root + 1];
        boolean[] composite = new boolean[(int) (to - from)];
        for (int p = 2; p <= root; p++) {
            if (smallComposite[p]) {
                continue;
            }
            for (long m = (long) p * p; m <= root; m += p) {
                smallComposite[(int) m] = true;
            }
            long start = Math.max((long) p * p, (from + p - 1) / p * p);
            for (long m = start; m < to; m += p) {
                composite[(int) (m - from)] = true;
            }
        }
        long count = 0;
        for (boolean c : composite) {
            if (!c) {
                count++;
            }
        }
        return count;
    }

    /** Counts the primes below {@code limit} with a plain sieve over one bit set: the local check. */
    static long countBelow(long limit) {
        if (limit <= 2) {
            return 0;
        }
        int n = (int) Math.min(limit, Integer.MAX_VALUE - 8);
        BitSet composite = new BitSet(n);
        composite.set(0);
        composite.set(1);
        for (int p = 2; (long) p * p < n; p = composite.nextClearBit(p + 1)) {
            for (int m = p * p; m < n && m > 0; m += p) {
                composite.set(m);
            }
        }
        return n - composite.cardinality();
    }
}
