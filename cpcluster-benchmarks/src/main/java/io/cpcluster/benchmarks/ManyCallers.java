package io.cpcluster.benchmarks;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@value #CALLERS} threads calling over one direct link at once, each waiting for its answer (a
 * 64-byte {@code byte[]} echoed), with the defaults: their calls and the answers share the link's
 * socket writes. Compare with {@link RawManyCallers} of the same security.
 */
@State(Scope.Benchmark)
@Threads(ManyCallers.CALLERS)
@Fork(3)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ManyCallers {
    /** How many threads call at once. */
    static final int CALLERS = 16;

    /** TLS 1.3 (the default) or plain TCP, on the master and every node. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    private Fixture fixture;
    private DirectLink link;

    /** One calling thread's payload. */
    @State(Scope.Thread)
    public static class Caller {
        final byte[] payload = new byte[64];
        long seq;
    }

    /** Starts a master, a server node and a client node, and links them. */
    @Setup
    public void setUp() {
        fixture = new Fixture(security);
        ClusterNode server = fixture.node("server", ReaderThreads.PLATFORM,
                b -> b.handle("echo", byte[].class, bytes -> bytes));
        ClusterNode client = fixture.node("client", ReaderThreads.PLATFORM, b -> b);
        link = client.connect(server.self().id());
    }

    /** Closes everything. */
    @TearDown
    public void tearDown() {
        fixture.close();
    }

    /**
     * Echoes 64 bytes and waits for them.
     *
     * @param caller this thread's payload
     * @return the answer
     */
    @Benchmark
    public byte[] bytes64(Caller caller) {
        Sequence.put(caller.payload, ++caller.seq);
        byte[] answer = link.call("echo", caller.payload, byte[].class).join();
        Sequence.check(Arrays.equals(answer, caller.payload), "echo of call " + caller.seq);
        return answer;
    }
}
