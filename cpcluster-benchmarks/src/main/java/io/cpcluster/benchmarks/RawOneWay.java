package io.cpcluster.benchmarks;

import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baselines for {@link OneWay}, the same batches of framed messages (a 12-byte header, then
 * the payload) over a plain socket, or over the JDK's TLS 1.3 on one, read into a fresh array
 * each by a platform thread that checks the order. {@code coalesced}, the best a socket does: the sender's 64 KiB buffered
 * stream goes to the socket when it is full and at the end of the batch. {@code each}: every
 * message flushed by itself, a system call each.
 */
@State(Scope.Benchmark)
@Fork(3)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RawOneWay {
    /** Plain sockets, or the JDK's TLS 1.3 over them ({@link RawTls}): the baseline for each CPCluster mode. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    /** When the sender flushes: {@code coalesced} (when 64 KiB are buffered, and at the end of a batch) or {@code each} message. */
    @Param({"coalesced", "each"})
    public String flush;

    private boolean each;
    private RawServer server;
    private RawServer.Client client;
    private final byte[] small = new byte[OneWay.SMALL + 12];
    private final byte[] large = new byte[OneWay.LARGE + 12];
    private final Batch batch = new Batch();
    private long sent;

    /** Starts the receiving server and connects. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new RawServer(RawServer.Mode.SINK, ReaderThreads.PLATFORM, security);
        server.received = batch::arrived;
        client = new RawServer.Client(server.connect());
        each = flush.equals("each");
    }

    /** Sends a batch of 1 KiB messages and waits for the last to arrive. */
    @Benchmark
    @OperationsPerInvocation(OneWay.SMALL_BATCH)
    public void small() {
        send(small, OneWay.SMALL_BATCH);
    }

    /** Sends a batch of 64 KiB messages and waits for the last to arrive. */
    @Benchmark
    @OperationsPerInvocation(OneWay.LARGE_BATCH)
    public void large() {
        send(large, OneWay.LARGE_BATCH);
    }

    private void send(byte[] frame, int count) {
        batch.size(frame.length);
        for (int i = 0; i < count; i++) {
            Sequence.put(frame, ++sent);
            if (each) {
                client.write(frame);
            } else {
                client.writeBuffered(frame);
            }
        }
        client.flush();
        batch.awaitAll(sent);
    }

    /** Closes both ends. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        client.close();
        server.close();
    }
}
