package io.cpcluster.core.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ReadAhead} against a stream that hands out what "arrived" in chunks, one chunk (or part
 * of one) per read, and counts its reads, each a system call on a socket: a small TLS record's
 * header and body come from one read, large reads go straight through, the bytes consumed before
 * TLS come first, and whatever the chunking and the read sizes, every byte arrives once and in
 * order, through the {@link SequenceInputStream} JSSE puts in front of it.
 */
class ReadAheadTest {
    /** A socket's input: each read returns at most what one chunk still holds. */
    private static final class Arrivals extends InputStream {
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private byte[] current = new byte[0];
        private int position;
        int reads;

        Arrivals add(byte[] chunk) {
            chunks.add(chunk);
            return this;
        }

        @Override
        public int read() {
            throw new AssertionError("ReadAhead reads in blocks");
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            reads++;
            if (position == current.length) {
                if (chunks.isEmpty()) {
                    return -1;
                }
                current = chunks.poll();
                position = 0;
            }
            int n = Math.min(length, current.length - position);
            System.arraycopy(current, position, into, offset, n);
            position += n;
            return n;
        }
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aSmallRecordsHeaderAndBodyComeFromOneRead() throws IOException {
        byte[] record = bytes(61, 1);
        Arrivals socket = new Arrivals().add(record);
        ReadAhead in = new ReadAhead(new byte[0], socket);
        byte[] header = new byte[5];
        assertEquals(5, in.read(header, 0, 5));
        byte[] body = new byte[56];
        assertEquals(56, in.read(body, 0, 56));
        assertEquals(1, socket.reads, "one system call for the whole record");
        assertArrayEquals(record, concat(header, body));
        assertEquals(-1, in.read(new byte[5], 0, 5));
    }

    @Test
    void aReadNeverWaitsForMoreThanOneSocketReadGave() throws IOException {
        Arrivals socket = new Arrivals().add(bytes(3, 2)).add(bytes(10, 3));
        ReadAhead in = new ReadAhead(new byte[0], socket);
        byte[] into = new byte[5];
        assertEquals(3, in.read(into, 0, 5), "what arrived, not what was asked for");
        assertEquals(1, socket.reads);
    }

    @Test
    void largeReadsGoStraightIntoTheCallersArray() throws IOException {
        byte[] large = bytes(16_384, 4);
        Arrivals socket = new Arrivals().add(large);
        ReadAhead in = new ReadAhead(new byte[0], socket);
        byte[] into = new byte[16_384];
        assertEquals(16_384, in.read(into, 0, 16_384));
        assertArrayEquals(large, into);
        assertEquals(1, socket.reads);
    }

    @Test
    void theBytesConsumedBeforeTlsComeFirstWhateverTheirSize() throws IOException {
        for (int consumedLength : new int[] {1, 7, ReadAhead.SIZE, ReadAhead.SIZE * 3 + 5}) {
            byte[] consumed = bytes(consumedLength, consumedLength);
            byte[] after = bytes(700, 5);
            ReadAhead in = new ReadAhead(consumed, new Arrivals().add(after));
            assertArrayEquals(concat(consumed, after), readAll(new SequenceInputStream(in, InputStream.nullInputStream()),
                    new Random(consumedLength), 40), "consumed " + consumedLength);
        }
    }

    @Test
    void everyByteArrivesOnceAndInOrderWhateverTheChunksAndReadSizes() throws IOException {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            Arrivals socket = new Arrivals();
            int chunks = 1 + random.nextInt(20);
            for (int i = 0; i < chunks; i++) {
                byte[] chunk = bytes(1 + random.nextInt(random.nextBoolean() ? 50 : 5_000), random.nextInt());
                socket.add(chunk);
                sent.writeBytes(chunk);
            }
            byte[] consumed = bytes(random.nextInt(3) == 0 ? random.nextInt(40) : 0, round);
            ReadAhead in = new ReadAhead(consumed, socket);
            assertArrayEquals(concat(consumed, sent.toByteArray()),
                    readAll(new SequenceInputStream(in, InputStream.nullInputStream()), random, 3_000), "round " + round);
        }
    }

    @Test
    void skipAndAvailableCountTheBufferFirst() throws IOException {
        byte[] record = bytes(100, 6);
        ReadAhead in = new ReadAhead(new byte[0], new Arrivals().add(record));
        byte[] first = new byte[10];
        assertEquals(10, in.read(first, 0, 10));
        assertEquals(90, in.available());
        assertEquals(90, in.skip(1_000));
        assertEquals(-1, in.read());
    }

    /** Reads to the end in reads of random sizes, 1 to {@code most} bytes, the way JSSE would. */
    private static byte[] readAll(InputStream in, Random random, int most) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            byte[] into = new byte[1 + random.nextInt(most)];
            int n = in.read(into, 0, into.length);
            if (n < 0) {
                return out.toByteArray();
            }
            out.write(into, 0, n);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
