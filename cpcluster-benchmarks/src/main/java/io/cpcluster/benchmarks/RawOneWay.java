package io.cpcluster.benchmarks;

import io.cpcluster.ReaderThreads;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline for {@link OneWay}: framed messages (a 12-byte header, then the payload) streamed
 * over a plain socket, flushed one by one, read into a fresh array each by a platform thread that
 * checks the order.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawOneWay {
    /** Message size in bytes. */
    @Param({"1024", "65536"})
    public int size;

    private RawServer server;
    private RawServer.Client client;
    private byte[] frame;
    private long sent;
    private final AtomicLong received = new AtomicLong();
    private volatile String broken;

    /** Starts the receiving server and connects. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new RawServer(RawServer.Mode.SINK, ReaderThreads.PLATFORM);
        server.received = body -> {
            long expected = received.get() + 1;
            if (body.length != size + 12 || Sequence.get(body) != expected) {
                broken = "frame " + expected + " arrived as " + Sequence.get(body);
            }
            received.set(expected);
        };
        client = new RawServer.Client(server.connect());
        frame = new byte[size + 12];
    }

    /**
     * Sends one message.
     */
    @Benchmark
    public void send() {
        Sequence.put(frame, ++sent);
        client.write(frame);
    }

    /** Waits until every frame sent in the iteration has arrived in order. */
    @TearDown(Level.Iteration)
    public void verify() {
        Sequence.awaitAll(received, sent, () -> broken, "frames");
    }

    /** Closes both ends. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        client.close();
        server.close();
    }
}
