package io.cpcluster.benchmarks;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.HandlerThreads;
import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One call over a direct link, waited for: a 64-byte {@code byte[]} echoed (raw bytes, no JSON),
 * and a small record (JSON-B both ways), over TLS 1.3 or plain TCP. Compare with
 * {@link RawRoundTrip} of the same security.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 4)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RoundTrip {
    /**
     * A small record, as a task input and result.
     *
     * @param seq a sequence number the answer must carry back
     * @param x a value
     * @param y a value
     */
    public record Point(long seq, double x, double y) {
    }

    /** TLS 1.3 (the default) or plain TCP, on the master and every node. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    /**
     * The threads, on both nodes: {@code platform} (the default: platform readers, each call's
     * handler on a new virtual thread), {@code platform-serial} (platform readers, handlers on
     * each link's serial lane, {@link HandlerThreads#SERIAL}), {@code virtual} (virtual readers).
     */
    @Param({"platform", "platform-serial", "virtual"})
    public String threads;

    private Fixture fixture;
    private DirectLink link;
    private final byte[] payload = new byte[64];
    private long seq;

    /** Starts a master, a server node and a client node, and links them. */
    @Setup
    public void setUp() {
        fixture = new Fixture(security);
        ReaderThreads readers = threads.equals("virtual") ? ReaderThreads.VIRTUAL : ReaderThreads.PLATFORM;
        HandlerThreads handlers = threads.equals("platform-serial") ? HandlerThreads.SERIAL : HandlerThreads.VIRTUAL;
        ClusterNode server = fixture.node("server", readers, b -> b.handlerThreads(handlers)
                .handle("echo", byte[].class, bytes -> bytes)
                .handle("point", Point.class, p -> new Point(p.seq(), p.y(), p.x())));
        ClusterNode client = fixture.node("client", readers, b -> b.handlerThreads(handlers));
        link = client.connect(server.self().id());
    }

    /** Closes everything. */
    @TearDown
    public void tearDown() {
        fixture.close();
    }

    /**
     * Echoes 64 bytes.
     *
     * @return the answer
     */
    @Benchmark
    public byte[] bytes64() {
        Sequence.put(payload, ++seq);
        byte[] answer = link.call("echo", payload, byte[].class).join();
        Sequence.check(Arrays.equals(answer, payload), "echo of call " + seq);
        return answer;
    }

    /**
     * Sends a record and gets one back.
     *
     * @return the answer
     */
    @Benchmark
    public Point record() {
        Point answer = link.call("point", new Point(++seq, 1.5, 2.5), Point.class).join();
        Sequence.check(answer.seq() == seq && answer.x() == 2.5, "point of call " + seq);
        return answer;
    }
}
