package io.cpcluster.benchmarks;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.NodeId;
import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
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
 * peer, which listens and says so; then this node connects (with TLS: and both run the TLS 1.3
 * handshake, each pinning the key the master vouched for), proves the ticket, and the link is
 * up. Closing it is not timed. Compare with {@link RawConnect}.
 *
 * <p>Every TLS handshake here is a full one, as a node's first link to a peer has. A node that
 * links again to the peer it reached at the same address and port before resumes that TLS session
 * (the JDK's client keeps sessions by host and port, and the master hands out link ports
 * round-robin, so here every port would come round to the same peer after {@value #PORTS}
 * links), which skips the certificates and their signatures. So there are two server nodes, and
 * each link goes to the one that did not listen last on the port the master will most likely
 * assign next (the one after the last): that one cannot resume the session the client offers,
 * and a full handshake follows.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LinkSetup {
    /** TLS 1.3 (the default) or plain TCP, on the master and every node. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    /** The thread that reads each link, on both nodes. */
    @Param({"VIRTUAL", "PLATFORM"})
    public ReaderThreads readers;

    /** The master's link ports: the default range, set here since the servers' turns follow it. */
    static final int FIRST_PORT = 55001;
    static final int LAST_PORT = 55999;
    static final int PORTS = LAST_PORT - FIRST_PORT + 1;

    private Fixture fixture;
    private ClusterNode client;
    private final NodeId[] servers = new NodeId[2];
    /** For each port, the server that listened on it last (0 or 1; 0 for none yet). */
    private final byte[] lastServer = new byte[PORTS];
    private int lastPort = LAST_PORT;
    private DirectLink link;

    /** Starts a master, two server nodes and a client node. */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture(security, b -> b.portRange(FIRST_PORT, LAST_PORT));
        servers[0] = fixture.node("server-0", readers, b -> b).self().id();
        servers[1] = fixture.node("server-1", readers, b -> b).self().id();
        client = fixture.node("client", readers, b -> b);
    }

    /**
     * Opens a link.
     *
     * @return the link
     */
    @Benchmark
    public DirectLink connect() {
        int expected = lastPort == LAST_PORT ? FIRST_PORT : lastPort + 1;
        int turn = 1 - lastServer[expected - FIRST_PORT];
        NodeId server = servers[turn];
        link = client.connect(server);
        Sequence.check(link.isOpen() && link.peer().id().equals(server), "the link is open to the server");
        lastPort = link.port();
        if (lastPort >= FIRST_PORT && lastPort <= LAST_PORT) {
            lastServer[lastPort - FIRST_PORT] = (byte) turn;
        }
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
