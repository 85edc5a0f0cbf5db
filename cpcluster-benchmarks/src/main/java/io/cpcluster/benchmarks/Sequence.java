package io.cpcluster.benchmarks;

/** Sequence numbers written into payloads, so that every benchmark checks what comes back. */
final class Sequence {
    private Sequence() {
    }

    static void put(byte[] into, long value) {
        for (int i = 0; i < 8; i++) {
            into[i] = (byte) (value >>> (56 - 8 * i));
        }
    }

    static long get(byte[] from) {
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (from[i] & 0xff);
        }
        return value;
    }

    /** Fails the benchmark when an answer is not the one expected. */
    static void check(boolean right, String what) {
        if (!right) {
            throw new IllegalStateException("wrong answer: " + what);
        }
    }
}
