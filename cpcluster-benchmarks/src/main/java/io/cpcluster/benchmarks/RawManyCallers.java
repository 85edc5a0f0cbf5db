package io.cpcluster.benchmarks;

import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline for {@link ManyCallers}: as many threads sharing one socket (plain, or the JDK's
 * TLS 1.3 on one), each writing its frame (the size of a link's 64-byte call) and flushing it
 * under a lock, then waiting for the echo, which one platform reader thread hands to the caller
 * by the sequence number in the frame.
 */
@State(Scope.Benchmark)
@Threads(ManyCallers.CALLERS)
@Fork(3)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawManyCallers {
    /** Plain sockets, or the JDK's TLS 1.3 over them ({@link RawTls}): the baseline for each CPCluster mode. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    private RawServer server;
    private RawServer.Client client;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Long, CompletableFuture<byte[]>> waiting = new ConcurrentHashMap<>();

    /** One calling thread's frame. */
    @State(Scope.Thread)
    public static class Caller {
        final byte[] frame = new byte[12 + 4 + 64];
    }

    /** Starts the echo server, connects, and starts the thread that reads the echoes. */
    @Setup
    public void setUp() throws IOException {
        server = new RawServer(RawServer.Mode.ECHO, ReaderThreads.PLATFORM, security);
        client = new RawServer.Client(server.connect());
        Thread.ofPlatform().daemon().name("raw-answers").start(this::readAnswers);
    }

    private void readAnswers() {
        try {
            while (true) {
                byte[] answer = client.read();
                CompletableFuture<byte[]> caller = waiting.remove(Sequence.get(answer));
                if (caller != null) {
                    caller.complete(answer);
                }
            }
        } catch (RuntimeException e) {
            waiting.values().forEach(caller -> caller.completeExceptionally(e));
        }
    }

    /** Closes both ends. */
    @TearDown
    public void tearDown() throws IOException {
        client.close();
        server.close();
    }

    /**
     * Echoes one frame and waits for it.
     *
     * @param caller this thread's frame
     * @return the answer
     */
    @Benchmark
    public byte[] bytes64(Caller caller) {
        long seq = sequence.incrementAndGet();
        Sequence.put(caller.frame, seq);
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        waiting.put(seq, answer);
        writing.lock();
        try {
            client.write(caller.frame);
        } finally {
            writing.unlock();
        }
        byte[] echo = answer.join();
        Sequence.check(Arrays.equals(echo, caller.frame), "echo of frame " + seq);
        return echo;
    }
}
