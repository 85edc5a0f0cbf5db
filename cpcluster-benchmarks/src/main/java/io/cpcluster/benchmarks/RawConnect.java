package io.cpcluster.benchmarks;

import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * The baseline for {@link LinkSetup} and for the master's rates: a plain TCP connect, until the
 * server side has accepted the connection; with {@link Security#TLS}, the connect and then a full
 * TLS 1.3 handshake with a key on each side ({@link RawTls}), until both sides have finished it.
 * Closing is not timed; the client's TLS session is dropped then, so that no handshake resumes one.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RawConnect {
    /** Plain sockets, or the JDK's TLS 1.3 over them ({@link RawTls}): the baseline for each CPCluster mode. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    private RawServer server;
    private Socket client;
    private Socket accepted;

    /** Starts a server that only accepts. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new RawServer(RawServer.Mode.ACCEPT, ReaderThreads.PLATFORM, security);
    }

    /**
     * Connects, and waits until the server has the connection.
     *
     * @return the server's end
     */
    @Benchmark
    public Socket connect() throws IOException, InterruptedException {
        client = server.connect();
        accepted = server.accepted.take();
        Sequence.check(accepted.isConnected() && client.isConnected(), "both ends are connected");
        return accepted;
    }

    /** Closes both ends of the connection the invocation opened (not timed). */
    @TearDown(Level.Invocation)
    public void closeConnection() throws IOException {
        if (client != null) {
            if (client instanceof SSLSocket tls) {
                tls.getSession().invalidate();
            }
            client.close();
            accepted.close();
        }
    }

    /** Stops the server. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        server.close();
    }
}
