package io.cpcluster.benchmarks;

import io.cpcluster.core.wire.ControlCodec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The frames and bytes the simulated nodes received, by message type, counted by every node's
 * reader at once. The type is peeked from the frame's first bytes ({@code {"type":"NAME"}, which
 * is how every control message the master writes begins), without decoding the JSON: at N²
 * frames, decoding each would make the probe, not the master, the bottleneck. A type this probe
 * does not know (a newer master's) is counted under its own name.
 */
final class Traffic {
    private static final byte[] PREFIX = "{\"type\":\"".getBytes(StandardCharsets.US_ASCII);
    /** Every type ControlCodec knows, as bytes, with its name; the name strings are the ones {@link #type} returns. */
    private static final String[] NAMES = ControlCodec.TYPES.values().stream().sorted().toArray(String[]::new);
    private static final byte[][] NAME_BYTES = Arrays.stream(NAMES).map(n -> n.getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new);
    /** What a frame whose type cannot be peeked is counted as. */
    static final String UNKNOWN = "(no type)";

    private final LongAdder[] frames = new LongAdder[NAMES.length];
    private final LongAdder[] bytes = new LongAdder[NAMES.length];
    private final Map<String, LongAdder[]> others = new ConcurrentHashMap<>();

    Traffic() {
        for (int i = 0; i < NAMES.length; i++) {
            frames[i] = new LongAdder();
            bytes[i] = new LongAdder();
        }
    }

    /**
     * Peeks at a control frame's type and counts the frame under it.
     *
     * @param length the body's length (the 4-byte length before it is counted too)
     * @return one of ControlCodec's names (the same String instance each time), another name for a
     *         type it does not know, or {@link #UNKNOWN}
     */
    String count(byte[] body, int length) {
        int index = index(body, length);
        if (index >= 0) {
            frames[index].increment();
            bytes[index].add(length + 4L);
            return NAMES[index];
        }
        int end = end(body, length);
        String type = end < 0 ? UNKNOWN : new String(body, PREFIX.length, end - PREFIX.length, StandardCharsets.UTF_8);
        LongAdder[] counters = others.computeIfAbsent(type, t -> new LongAdder[] {new LongAdder(), new LongAdder()});
        counters[0].increment();
        counters[1].add(length + 4L);
        return type;
    }

    /** The index in {@link #NAMES} of a frame's type, or -1. */
    private static int index(byte[] body, int length) {
        int end = end(body, length);
        if (end < 0) {
            return -1;
        }
        int size = end - PREFIX.length;
        for (int i = 0; i < NAME_BYTES.length; i++) {
            byte[] name = NAME_BYTES[i];
            if (name.length == size && Arrays.equals(body, PREFIX.length, end, name, 0, size)) {
                return i;
            }
        }
        return -1;
    }

    /** Where the type's closing quote is, or -1 when the frame does not begin as a control message does. */
    private static int end(byte[] body, int length) {
        if (length < PREFIX.length + 1 || !Arrays.equals(body, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
            return -1;
        }
        for (int i = PREFIX.length; i < Math.min(length, PREFIX.length + 64); i++) {
            if (body[i] == '"') {
                return i;
            }
        }
        return -1;
    }

    /** The counts so far. */
    Snapshot snapshot() {
        Map<String, long[]> byType = new TreeMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            long count = frames[i].sum();
            if (count > 0) {
                byType.put(NAMES[i], new long[] {count, bytes[i].sum()});
            }
        }
        others.forEach((type, counters) -> byType.put(type, new long[] {counters[0].sum(), counters[1].sum()}));
        return new Snapshot(byType);
    }

    /** Frames and bytes (the 4-byte lengths included) by type, at one moment. */
    record Snapshot(Map<String, long[]> byType) {
        long frames() {
            return byType.values().stream().mapToLong(c -> c[0]).sum();
        }

        long bytes() {
            return byType.values().stream().mapToLong(c -> c[1]).sum();
        }

        /** What arrived since {@code before}. */
        Snapshot minus(Snapshot before) {
            Map<String, long[]> diff = new TreeMap<>();
            byType.forEach((type, counts) -> {
                long[] old = before.byType.getOrDefault(type, new long[2]);
                if (counts[0] - old[0] > 0) {
                    diff.put(type, new long[] {counts[0] - old[0], counts[1] - old[1]});
                }
            });
            return new Snapshot(diff);
        }
    }
}
