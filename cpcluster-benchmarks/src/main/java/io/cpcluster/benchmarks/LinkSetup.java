package io.cpcluster.benchmarks;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.NodeId;
import io.cpcluster.ReaderThreads;
import java.util.concurrent.TimeUnit;
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
 * Opening a direct link: {@code connect(NodeId)} asks the master, which offers a port to the
 * peer, which listens and says so; then this node connects, proves the ticket, and the link is
 * up. Closing it is not timed. Compare with {@link RawConnect}.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LinkSetup {
    /** The thread that reads each link, on both nodes. */
    @Param({"VIRTUAL", "PLATFORM"})
    public ReaderThreads readers;

    private Fixture fixture;
    private ClusterNode client;
    private NodeId server;
    private DirectLink link;

    /** Starts a master and two nodes. */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture();
        server = fixture.node("server", readers, b -> b).self().id();
        client = fixture.node("client", readers, b -> b);
    }

    /**
     * Opens a link.
     *
     * @return the link
     */
    @Benchmark
    public DirectLink connect() {
        link = client.connect(server);
        Sequence.check(link.isOpen() && link.peer().id().equals(server), "the link is open to the server");
        return link;
    }

    /** Closes the link the invocation opened (not timed). */
    @TearDown(Level.Invocation)
    public void closeLink() {
        if (link != null) {
            link.close();
        }
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }
}
