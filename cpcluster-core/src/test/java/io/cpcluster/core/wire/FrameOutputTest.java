package io.cpcluster.core.wire;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batching in {@link FrameOutput}, against a stream that records each write it is given (each
 * one a system call on a socket) and can hold writes, the way a socket whose buffers are full
 * does: frames keep their order, a lone frame leaves at once on its own thread, frames handed in
 * during a write leave together in the next one, a frame whose flush is handed to the flusher
 * reaches the peer (over a real socket) with no frame after it, writers wait for room when the
 * buffer is full, and a failed write fails everyone waiting.
 */
class FrameOutputTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final Socketish socket = new Socketish();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Closeable> closing = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        socket.gate.countDown();
        threads.shutdownNow();
        for (Closeable c : closing) {
            c.close();
        }
    }

    @Test
    void aLoneFrameLeavesBeforeQueueReturnsOnTheCallersOwnThread() throws Exception {
        FrameOutput output = new FrameOutput(socket);
        output.batching(task -> {
            throw new AssertionError("a lone frame on an idle socket was handed to another thread");
        }, e -> { });
        queue(output, 1, 16);
        assertEquals(1, socket.writes.size(), "written before queue returned, with no company waited for");
        assertEquals(List.of(1L), sequences(socket.all()));
    }

    @Test
    void aFrameHandedToTheFlusherInsideTheStreamGapReachesThePeerWithoutWaitingForCompany() throws Exception {
        ServerSocket server = closeLater(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        Socket sender = closeLater(new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        sender.setTcpNoDelay(true);
        Socket receiver = closeLater(server.accept());
        List<Thread> writers = Collections.synchronizedList(new ArrayList<>());
        OutputStream recording = new FilterOutputStream(sender.getOutputStream()) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                writers.add(Thread.currentThread());
                out.write(bytes, offset, length);
            }
        };
        AtomicInteger handOffs = new AtomicInteger();
        FrameOutput output = new FrameOutput(recording);
        output.batching(task -> {
            handOffs.incrementAndGet();
            threads.execute(task);
        }, e -> { });
        List<Long> received = Collections.synchronizedList(new ArrayList<>());
        FrameInput input = new FrameInput(receiver.getInputStream());
        run(() -> {
            byte[] body;
            while ((body = input.readFrame(1024)) != null) {
                received.add(Bytes.getLong(body, 0));
            }
        });
        // Frame 0 leaves on this thread, the socket being idle; the next comes within microseconds
        // of that write's end, inside the stream gap, so its flush goes to the flusher. Should this
        // thread be descheduled past the gap, that frame leaves on it too: then try the next.
        long sequence = 0;
        queue(output, sequence, 16);
        while (handOffs.get() == 0 && sequence < 1000) {
            queue(output, ++sequence, 16);
        }
        assertEquals(1, handOffs.get(), "a frame inside the stream gap was handed to the flusher");
        // Nothing follows that frame: the flusher writes it anyway, and the peer reads it.
        long last = sequence;
        await().atMost(WAIT).until(() -> received.contains(last));
        assertEquals(range(0, last), received);
        assertTrue(writers.getLast() != Thread.currentThread(), "the last frame was written by the flusher");
    }

    @Test
    void writeIfIdleWritesAtOnceOnAnIdleOutputAndNeverWaitsForAnotherThreadsWrite() throws Exception {
        FrameOutput output = new FrameOutput(socket);
        assertTrue(output.writeIfIdle(frame(0, 16)), "idle: written");
        assertEquals(1, socket.writes.size(), "written before it returned");
        // Another thread's write is stuck in the socket (a node that reads slowly): nothing is
        // written, nothing waits, and the frame is the caller's to send another way.
        socket.hold();
        CompletableFuture<Void> stuck = run(() -> output.write(frame(1, 16)));
        await().atMost(WAIT).until(() -> socket.blocked.get() == 1);
        assertFalse(output.writeIfIdle(frame(2, 16)), "a write under way: not idle");
        // Frames waiting in the buffer make it busy too.
        CompletableFuture<Void> waiting = run(() -> output.writeBuffered(frame(3, 16)));
        waiting.get(10, TimeUnit.SECONDS);
        assertFalse(output.writeIfIdle(frame(4, 16)), "a frame waiting: not idle");
        socket.release();
        stuck.get(10, TimeUnit.SECONDS);
        output.flush();
        assertTrue(output.writeIfIdle(frame(5, 16)), "idle again: written");
        assertEquals(List.of(0L, 1L, 3L, 5L), sequences(socket.all()));
    }

    @Test
    void framesQueuedDuringAWriteIfIdleAreWrittenAndThoseOfOtherWritersLeftToThem() throws Exception {
        // A frame queue()d while writeIfIdle's own write is in the socket relies on that thread to
        // write it (it does not flush for itself when a write is under way): it must not be stranded.
        socket.hold();
        FrameOutput output = new FrameOutput(socket);
        CompletableFuture<Boolean> answered = CompletableFuture.supplyAsync(() -> {
            try {
                return output.writeIfIdle(frame(0, 16));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, threads);
        await().atMost(WAIT).until(() -> socket.blocked.get() == 1);
        queue(output, 1, 16);
        socket.release();
        assertTrue(answered.get(10, TimeUnit.SECONDS));
        await().atMost(WAIT).until(() -> sequences(socket.all()).equals(List.of(0L, 1L)));
    }

    @Test
    void anOutputThatTrimsWhenIdleKeepsNoBufferOfABurstOnceItIsWritten() throws Exception {
        FrameOutput kept = new FrameOutput(socket);
        FrameOutput trimmed = new FrameOutput(socket);
        trimmed.trimWhenIdle();
        for (FrameOutput output : List.of(kept, trimmed)) {
            // A burst of small frames, buffered together as an outbox writes them, then flushed.
            for (int i = 0; i < 200; i++) {
                output.writeBuffered(new byte[200]);
            }
            output.flush();
        }
        assertTrue(kept.bufferBytes() > 32 * 1024, "a burst grows the buffer: " + kept.bufferBytes());
        assertEquals(0, trimmed.bufferBytes(), "and an output that trims lets it go once written");
        trimmed.write(new byte[100]);
        assertTrue(trimmed.bufferBytes() <= 2 * FrameOutput.FIRST_BUFFER, "a small frame keeps a small buffer: "
                + trimmed.bufferBytes());
        assertEquals(200 * 2 * 204 + 104, socket.all().length, "every byte was written");
    }

    @Test
    void framesHandedInDuringAWriteLeaveTogetherInTheNextOne() throws Exception {
        socket.hold();
        ManualExecutor flusher = new ManualExecutor();
        FrameOutput output = new FrameOutput(socket);
        output.batching(flusher, e -> { });
        CompletableFuture<Void> first = run(() -> queue(output, 0, 100));
        await().atMost(WAIT).until(() -> socket.blocked.get() == 1);
        // While frame 0 is in the socket, 100 more are handed in: none waits for the socket.
        for (int i = 1; i <= 100; i++) {
            queue(output, i, 100);
        }
        socket.release();
        first.get();
        flusher.runAll();
        assertEquals(2, socket.writes.size(), "frame 0, then the 100 that gathered, in one write");
        assertEquals(range(0, 100), sequences(socket.all()));
    }

    @Test
    void withoutAFlusherTheWritingThreadTakesWhatGatheredToo() throws Exception {
        socket.hold();
        FrameOutput output = new FrameOutput(socket);
        CompletableFuture<Void> first = run(() -> queue(output, 0, 100));
        await().atMost(WAIT).until(() -> socket.blocked.get() == 1);
        for (int i = 1; i <= 50; i++) {
            queue(output, i, 100);
        }
        socket.release();
        first.get();
        assertEquals(2, socket.writes.size());
        assertEquals(range(0, 50), sequences(socket.all()));
    }

    @Test
    void aStreamFromOneThreadIsWrittenInFewerWritesThanFrames() throws Exception {
        ManualExecutor flusher = new ManualExecutor();
        FrameOutput output = new FrameOutput(socket);
        output.batching(flusher, e -> { });
        // 1,000 small frames as fast as one thread hands them in: once the first has left, the
        // next come within microseconds of it, so their flushes go to the flusher and they gather.
        for (int i = 0; i < 1000; i++) {
            queue(output, i, 20);
            flusher.runAllButTheLast();
        }
        flusher.runAll();
        assertEquals(range(0, 999), sequences(socket.all()));
        assertTrue(socket.writes.size() < 500, socket.writes.size() + " writes for 1,000 frames");
    }

    @Test
    void writersWaitForRoomWhileTheBufferIsFullAndGoOnWhenItDrains() throws Exception {
        FrameOutput output = new FrameOutput(socket);
        Stuck stuck = fillWhileTheSocketIsStuck(output, 200);
        assertFalse(stuck.filling().isDone(), "the frame after a full buffer waits, holding nothing more");
        socket.release();
        stuck.first().get();
        stuck.filling().get();
        assertEquals(range(0, 200), sequences(socket.all()));
    }

    @Test
    void aFailedWriteFailsTheWriterTheWaitersAndEveryLaterFrame() throws Exception {
        FrameOutput output = new FrameOutput(socket);
        output.batching(threads, e -> { });
        Stuck stuck = fillWhileTheSocketIsStuck(output, 100);
        CompletableFuture<Void> syncWriter = run(() -> output.write(frame(1000, 50)));
        assertFalse(stuck.filling().isDone() || syncWriter.isDone());
        socket.fail(new IOException("connection reset"));
        socket.release();
        assertFailsWith(stuck.first(), "connection reset");
        assertFailsWith(stuck.filling(), "connection reset");
        assertFailsWith(syncWriter, "connection reset");
        IOException later = assertThrows(IOException.class, () -> queue(output, 2000, 20));
        assertTrue(later.getMessage().contains("an earlier write failed: connection reset"), later.getMessage());
    }

    @Test
    void largeFramesFromManyThreadsKeepEachThreadsOrderAmongSmallOnes() throws Exception {
        FrameOutput output = new FrameOutput(socket);
        output.batching(threads, e -> { });
        int writers = 8;
        int each = 200;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            all.add(run(() -> {
                for (int i = 0; i < each; i++) {
                    // Every seventh frame is larger than the buffer takes, so it goes to the socket
                    // from its own array, between buffered ones.
                    int size = i % 7 == 0 ? 100_000 : 16 + i % 300;
                    byte[] body = frame(writer * 1_000_000L + i, size);
                    output.queue(body, 16, body, 16, size - 16);
                }
            }));
        }
        for (CompletableFuture<Void> writer : all) {
            writer.get();
        }
        output.flush();
        List<Long> seen = sequences(socket.all());
        assertEquals(writers * each, seen.size());
        for (int w = 0; w < writers; w++) {
            long base = w * 1_000_000L;
            List<Long> mine = seen.stream().filter(s -> s >= base && s < base + each).toList();
            assertEquals(range(base, base + each - 1), mine, "writer " + w + "'s frames, in its order");
        }
    }

    @Test
    void bodiesArriveIntactWhicheverWayTheyWent() throws Exception {
        FrameOutput output = new FrameOutput(socket);
        output.batching(threads, e -> { });
        byte[] large = frame(1, 200_000);
        for (int i = 16; i < large.length; i++) {
            large[i] = (byte) (i * 13);
        }
        byte[] small = frame(2, 500);
        Arrays.fill(small, 16, 500, (byte) 7);
        output.queue(large, 16, large, 16, large.length - 16);
        output.queue(small, 16, small, 16, small.length - 16);
        output.flush();
        FrameInput input = new FrameInput(new ByteArrayInputStream(socket.all()));
        assertArrayEquals(large, input.readFrame(300_000));
        assertArrayEquals(small, input.readFrame(300_000));
    }

    // ---------------------------------------------------------------- helpers

    private <T extends Closeable> T closeLater(T closeable) {
        closing.add(closeable);
        return closeable;
    }

    /** A frame stuck in the socket, and a writer filling the buffer behind it. */
    private record Stuck(CompletableFuture<Void> first, CompletableFuture<Void> filling) {
    }

    /**
     * Holds the socket with frame 0 in it, then has another thread hand in frames 1 to
     * {@code last} (1,020 bytes and the 4-byte length each, so 64 fill the buffer exactly) and
     * returns once the buffer is full.
     */
    private Stuck fillWhileTheSocketIsStuck(FrameOutput output, int last) {
        socket.hold();
        CompletableFuture<Void> first = run(() -> queue(output, 0, 1020));
        await().atMost(WAIT).until(() -> socket.blocked.get() == 1);
        AtomicInteger handedIn = new AtomicInteger();
        CompletableFuture<Void> filling = run(() -> {
            for (int i = 1; i <= last; i++) {
                queue(output, i, 1020);
                handedIn.incrementAndGet();
            }
        });
        await().atMost(WAIT).until(() -> handedIn.get() == FrameOutput.BUFFER_SIZE / 1024);
        return new Stuck(first, filling);
    }

    /** Hands in a frame of {@code size} bytes (length prefix not counted) that starts with {@code sequence}. */
    private static void queue(FrameOutput output, long sequence, int size) throws IOException {
        byte[] body = frame(sequence, size);
        output.queue(body, body.length, Bytes.EMPTY, 0, 0);
    }

    /** A frame body of {@code size} bytes (16 at least) that starts with its sequence number. */
    private static byte[] frame(long sequence, int size) {
        byte[] body = new byte[size];
        Bytes.putLong(body, 0, sequence);
        return body;
    }

    private static List<Long> sequences(byte[] stream) throws IOException {
        FrameInput input = new FrameInput(new ByteArrayInputStream(stream));
        List<Long> sequences = new ArrayList<>();
        byte[] body;
        while ((body = input.readFrame(1 << 20)) != null) {
            sequences.add(Bytes.getLong(body, 0));
        }
        return sequences;
    }

    private static List<Long> range(long from, long to) {
        List<Long> values = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            values.add(i);
        }
        return values;
    }

    private static void assertFailsWith(CompletableFuture<Void> writer, String message) {
        Exception failed = assertThrows(Exception.class, writer::get);
        Throwable cause = failed.getCause();
        assertTrue(cause instanceof IOException && cause.getMessage().contains(message), String.valueOf(cause));
    }

    /** Something that writes and may throw. */
    @FunctionalInterface
    private interface Writing {
        void run() throws IOException;
    }

    private CompletableFuture<Void> run(Writing writing) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        threads.execute(() -> {
            try {
                writing.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** An executor that runs what it is given only when the test says so. */
    private static final class ManualExecutor implements java.util.concurrent.Executor {
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }

        /** Runs all but the newest task, so that frames keep gathering behind the last hand-off. */
        void runAllButTheLast() {
            while (tasks.size() > 1) {
                tasks.poll().run();
            }
        }
    }

    /** Records each write call, and holds writes while told to, as a socket with full buffers does. */
    private static final class Socketish extends OutputStream {
        final List<byte[]> writes = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger blocked = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        private volatile IOException failure;

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        void fail(IOException error) {
            failure = error;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            blocked.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            } finally {
                blocked.decrementAndGet();
            }
            if (failure != null) {
                throw failure;
            }
            writes.add(Arrays.copyOfRange(bytes, offset, offset + length));
        }

        @Override
        public void write(int b) {
            throw new UnsupportedOperationException();
        }

        byte[] all() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            synchronized (writes) {
                writes.forEach(all::writeBytes);
            }
            return all.toByteArray();
        }
    }
}
