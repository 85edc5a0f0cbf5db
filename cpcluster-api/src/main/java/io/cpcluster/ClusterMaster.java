package io.cpcluster;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * The master of a cluster: it authenticates nodes with a shared token, keeps the list of
 * connected nodes, and brokers direct links between them. Nothing nodes say over their links
 * passes through it.
 *
 * {@snippet :
 * System.Logger log = System.getLogger("my.app");
 * try (ClusterMaster master = ClusterMaster.start(MasterConfig.builder()
 *         .port(55000)
 *         .joinFile(Path.of("join.json"))
 *         .build())) {
 *     log.log(Level.INFO, "master listening on {0}", master.address());
 *     master.subscribe(ClusterListener.of(event -> log.log(Level.INFO, "{0}", event)));
 *     // ... nodes join with the join.json the master wrote
 *     log.log(Level.INFO, "nodes {0}, links {1}, {2}", master.nodes(), master.links(), master.stats());
 * }
 * }
 *
 * <p>All methods are thread-safe. {@link #close()} disconnects every node (their open links
 * keep working) and releases the listening socket.
 */
public interface ClusterMaster extends AutoCloseable {
    /**
     * Starts a master: locks the join file when the configuration names one, binds its address,
     * settles its token, and writes {@code join.json}. The master holds the join file until
     * {@link #close()}: an exclusive lock on {@code <join file>.lock} beside it.
     *
     * @param config the master's settings
     * @return the running master
     * @throws ClusterException if the address cannot be bound (another master may be running
     *         there), another master holds the join file, the join file cannot be written, the
     *         token store reads a join file that is not private to this user (as ssh requires of
     *         key files) or holds a weak token, or no implementation is on the class path
     */
    static ClusterMaster start(MasterConfig config) {
        Objects.requireNonNull(config, "config");
        return Services.provider().startMaster(config);
    }

    /**
     * Returns where the master listens, with the port it actually bound.
     *
     * @return the listening address
     */
    InetSocketAddress address();

    /**
     * Returns what nodes need to join: the advertised address, the port, and the token. This is
     * what {@code join.json} holds.
     *
     * @return the join information
     */
    JoinInfo joinInfo();

    /**
     * Returns the authenticated nodes, in the order they joined.
     *
     * @return a snapshot of the connected nodes
     */
    List<NodeInfo> nodes();

    /**
     * Returns the open direct links, in the order they opened.
     *
     * @return a snapshot of the open links
     */
    List<LinkInfo> links();

    /**
     * Returns counters and the ports in use.
     *
     * @return a snapshot of the master's state
     */
    MasterStats stats();

    /**
     * Starts delivering the master's events to a listener: nodes joining and leaving, links
     * opening and closing.
     *
     * @param listener the listener
     * @return the subscription; close it to stop
     */
    Subscription subscribe(ClusterListener listener);

    /**
     * Stops the master: closes the listening socket and every node connection. Idempotent; waits
     * a bounded time for its threads to end.
     */
    @Override
    void close();
}
