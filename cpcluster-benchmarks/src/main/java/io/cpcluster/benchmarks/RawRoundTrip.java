package io.cpcluster.benchmarks;

import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.io.IOException;
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
 * The baseline for {@link RoundTrip}: a socket ping-pong of a frame the size of a direct link's
 * 64-byte call (12-byte header, 4-byte task name, 64-byte payload), echoed by a server whose
 * reader is a platform or a virtual thread; over plain sockets, or over the JDK's TLS 1.3.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 4)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RawRoundTrip {
    /** Plain sockets, or the JDK's TLS 1.3 over them ({@link RawTls}): the baseline for each CPCluster mode. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    /** The server's reader thread. */
    @Param({"PLATFORM", "VIRTUAL"})
    public ReaderThreads readers;

    private RawServer server;
    private RawServer.Client client;
    private final byte[] frame = new byte[12 + 4 + 64];
    private long seq;

    /** Starts the echo server and connects. */
    @Setup
    public void setUp() throws IOException {
        server = new RawServer(RawServer.Mode.ECHO, readers, security);
        client = new RawServer.Client(server.connect());
    }

    /** Closes both ends. */
    @TearDown
    public void tearDown() throws IOException {
        client.close();
        server.close();
    }

    /**
     * Echoes one frame.
     *
     * @return the answer
     */
    @Benchmark
    public byte[] bytes64() {
        Sequence.put(frame, ++seq);
        client.write(frame);
        byte[] answer = client.read();
        Sequence.check(Arrays.equals(answer, frame), "echo of frame " + seq);
        return answer;
    }
}
