package io.cpcluster.benchmarks;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
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
 * One-way messages over a direct link, in batches: {@value #SMALL_BATCH} messages of 1 KiB, or
 * {@value #LARGE_BATCH} of 64 KiB, sent as fast as the link takes them (the sender blocks when
 * the receiver falls behind), then the sender waits until the last has reached the receiver's
 * consumer (its acknowledgement). The receiver checks that every message arrives, whole and in
 * order. Scores are messages per second; MB/s is that times the size. Compare with
 * {@link RawOneWay} of the same security.
 */
@State(Scope.Benchmark)
@Fork(3)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OneWay {
    /** The small message's size, and how many a batch has. */
    static final int SMALL = 1024;
    static final int SMALL_BATCH = 1024;
    /** The large message's size, and how many a batch has. */
    static final int LARGE = 64 * 1024;
    static final int LARGE_BATCH = 64;

    /** TLS 1.3 (the default) or plain TCP, on the master and every node. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    /** The thread that reads each link, on both nodes. */
    @Param({"VIRTUAL", "PLATFORM"})
    public ReaderThreads readers;

    private Fixture fixture;
    private DirectLink link;
    private final byte[] small = new byte[SMALL];
    private final byte[] large = new byte[LARGE];
    private final Batch batch = new Batch();
    private long sent;

    /** Starts a master and two linked nodes; the receiver checks each message's sequence number. */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture(security);
        ClusterNode sender = fixture.node("sender", readers, b -> b);
        ClusterNode receiver = fixture.node("receiver", readers, b -> b);
        link = sender.connect(receiver.self().id());
        DirectLink inbound = Await.until(() -> receiver.link(link.id()).orElse(null));
        inbound.onMessage(batch::arrived);
    }

    /** Sends a batch of 1 KiB messages and waits for the last to arrive. */
    @Benchmark
    @OperationsPerInvocation(SMALL_BATCH)
    public void small() {
        send(small, SMALL_BATCH);
    }

    /** Sends a batch of 64 KiB messages and waits for the last to arrive. */
    @Benchmark
    @OperationsPerInvocation(LARGE_BATCH)
    public void large() {
        send(large, LARGE_BATCH);
    }

    private void send(byte[] message, int count) {
        batch.size(message.length);
        for (int i = 0; i < count; i++) {
            Sequence.put(message, ++sent);
            link.send(message);
        }
        batch.awaitAll(sent);
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }
}
