package io.cpcluster.benchmarks;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.NodeConfig;
import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.util.ArrayList;
import java.util.List;
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
 * What the master sustains: nodes joining (connect, challenge, proof, node list) one after
 * another, and links brokered between 100 connected nodes. Each operation also closes what it
 * opened, so the cluster stays the same size. With TLS, each joining node makes its key pair as it
 * starts, as a node does by default. Compare with {@link RawConnect}.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MasterRates {
    /** How many nodes are connected while links are brokered. */
    static final int NODES = 100;

    /** TLS 1.3 (the default) or plain TCP, on the master and every node. */
    @Param({"PLAIN", "TLS"})
    public Security security;

    private Fixture fixture;
    private NodeConfig joining;
    private final List<ClusterNode> nodes = new ArrayList<>();
    private int next;

    /** Starts a master and 100 nodes. */
    @Setup(Level.Trial)
    public void setUp() {
        fixture = new Fixture(security);
        for (int i = 0; i < NODES; i++) {
            nodes.add(fixture.node("node-" + i, ReaderThreads.VIRTUAL, b -> b));
        }
        joining = fixture.nodeConfig("joining").build();
    }

    /**
     * A node joins the master (and leaves again).
     *
     * @return the number of nodes it saw
     */
    @Benchmark
    public int join() {
        try (ClusterNode node = ClusterNode.start(joining)) {
            int seen = node.nodes().size();
            // Nodes that joined in earlier operations may still be leaving; the 100 and this one must be there.
            Sequence.check(seen >= NODES + 1, "the joining node sees " + seen + " nodes");
            return seen;
        }
    }

    /**
     * The master brokers a link between two of the 100 nodes (which is then closed).
     *
     * @return the port the master assigned
     */
    @Benchmark
    public int link() {
        ClusterNode from = nodes.get(next);
        ClusterNode to = nodes.get((next + 1) % NODES);
        next = (next + 2) % NODES;
        try (DirectLink link = from.connect(to.self().id())) {
            Sequence.check(link.isOpen() && link.peer().id().equals(to.self().id()), "the link is open");
            return link.port();
        }
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }
}
