package io.cpcluster.benchmarks;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.ReaderThreads;
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
 * One-way messages over a direct link, as fast as the receiver takes them (the sender blocks
 * when it falls behind). The receiver checks that every message arrives, in order. Compare with
 * {@link RawOneWay}; MB/s is messages/s times the size.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class OneWay {
    /** Message size in bytes. */
    @Param({"1024", "65536"})
    public int size;

    /** The thread that reads each link, on both nodes. */
    @Param({"VIRTUAL", "PLATFORM"})
    public ReaderThreads readers;

    private Fixture fixture;
    private DirectLink link;
    private byte[] message;
    private long sent;
    private final AtomicLong received = new AtomicLong();
    private volatile String broken;

    /** Starts a master and two linked nodes; the receiver checks each message's sequence number. */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture();
        ClusterNode sender = fixture.node("sender", readers, b -> b);
        ClusterNode receiver = fixture.node("receiver", readers, b -> b);
        link = sender.connect(receiver.self().id());
        DirectLink inbound = Await.until(() -> receiver.link(link.id()).orElse(null));
        inbound.onMessage(bytes -> {
            long expected = received.get() + 1;
            if (bytes.length != size || Sequence.get(bytes) != expected) {
                broken = "message " + expected + " arrived as " + Sequence.get(bytes) + " (" + bytes.length
                        + " bytes)";
            }
            received.set(expected);
        });
        message = new byte[size];
    }

    /**
     * Sends one message.
     */
    @Benchmark
    public void send() {
        Sequence.put(message, ++sent);
        link.send(message);
    }

    /** Waits until every message sent in the iteration has arrived whole and in order. */
    @TearDown(Level.Iteration)
    public void verify() {
        Sequence.awaitAll(received, sent, () -> broken, "messages");
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }
}
