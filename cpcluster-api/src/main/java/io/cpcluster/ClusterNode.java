package io.cpcluster;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A node of a cluster: it joins through the master, then talks to other nodes over direct
 * links the master brokers, serving tasks and submitting them.
 *
 * {@snippet :
 * record Range(long from, long to) { }
 *
 * try (ClusterNode worker = ClusterNode.start(NodeConfig.builder()
 *              .name("worker")
 *              .joinFile(Path.of("join.json"))
 *              .handle("count-primes", Range.class, range -> Primes.count(range.from(), range.to()))
 *              .build());
 *      ClusterNode client = ClusterNode.start(NodeConfig.builder()
 *              .name("client")
 *              .joinFile(Path.of("join.json"))
 *              .build())) {
 *     // Either pick a node and open a direct link to it ...
 *     try (DirectLink link = client.connect(worker.self().id())) {
 *         long primes = link.call("count-primes", new Range(0, 1_000_000), Long.class).join();
 *     }
 *     // ... or let the node choose one that serves the task.
 *     long primes = client.submit("count-primes", new Range(0, 1_000_000), Long.class).join();
 * }
 * }
 *
 * <p>All methods are thread-safe. No method that returns a future blocks, and no future is
 * completed on a thread that reads from the network: dependent actions run on a link's lane or a
 * virtual thread of the node's (see {@link DirectLink}), never where they could hold up a link or
 * the master connection.
 */
public interface ClusterNode extends AutoCloseable {
    /**
     * Starts a node: connects to the master and authenticates.
     *
     * @param config the node's settings
     * @return the running node
     * @throws AuthenticationException if the master refuses the token
     * @throws MasterUnavailableException if no master can be reached
     * @throws ClusterException if the node has no token or master address, its join file is not
     *         private to this user (as ssh requires of key files), a token from the join file or
     *         {@code CPCLUSTER_TOKEN} is weak, or no implementation is on the class path
     */
    static ClusterNode start(NodeConfig config) {
        Objects.requireNonNull(config, "config");
        return Services.provider().startNode(config);
    }

    /**
     * Returns this node as the cluster knows it.
     *
     * @return this node's information
     */
    NodeInfo self();

    /**
     * Returns the nodes connected to the master, this one included, in the order they joined.
     *
     * @return a snapshot of the connected nodes
     */
    List<NodeInfo> nodes();

    /**
     * Opens a direct link to another node and waits until it is up on both sides.
     *
     * @param peer the node to link to
     * @return the open link
     * @throws NoSuchNodeException if the peer is not connected; no port is consumed
     * @throws PortsExhaustedException if the master has no free port on the peer's host
     * @throws QuotaExceededException if this node already has as many link requests waiting, or
     *         holds as many links it opened, as the master allows one node; no port is consumed
     * @throws MasterUnavailableException if the master cannot be reached
     * @throws ClusterException if the link cannot be set up in {@link NodeConfig#linkTimeout()}
     */
    DirectLink connect(NodeId peer);

    /**
     * Opens a direct link to another node without waiting. The future fails with the exceptions
     * {@link #connect(NodeId)} throws, after at most {@link NodeConfig#linkTimeout()}; it
     * completes on a virtual thread of the node's.
     *
     * @param peer the node to link to
     * @return a future that completes with the open link
     */
    CompletableFuture<DirectLink> connectAsync(NodeId peer);

    /**
     * Returns this node's open direct links, the ones it opened and the ones it accepted.
     *
     * @return a snapshot of the open links
     */
    List<DirectLink> links();

    /**
     * Returns one of this node's open links, for example the one a {@link LinkOpened} event names.
     *
     * @param id the link's id
     * @return the link, or empty if this node has no open link with that id
     */
    Optional<DirectLink> link(LinkId id);

    /**
     * Serves a task: calls for it, over any link, run the handler. Replaces an earlier handler for
     * the same task. The master and the other nodes learn that this node serves it (changes made
     * in quick succession reach them together, within a tenth of a second).
     *
     * <p>A master lets one node serve at most {@link MasterConfig#maxTasksPerNode()} tasks (256 by
     * default), whose names take at most 32 KiB as JSON; past the count, the master refuses this
     * node's task list as a protocol error and closes its connection.
     *
     * @param <I> the input type
     * @param <O> the result type
     * @param task the task name
     * @param inputType the class the input is bound to ({@code byte[].class} for raw bytes)
     * @param handler the handler
     * @throws IllegalArgumentException if the task name is not valid, or if this node's task names
     *         would take more than 32 KiB as JSON with it
     */
    <I, O> void handle(String task, Class<I> inputType, TaskHandler<? super I, ? extends O> handler);

    /**
     * Runs a task on another node that serves it, chosen by least outstanding work (from this
     * node's view), over a direct link opened on first use and reused after. When a link dies
     * before the answer comes, the task is tried on another serving node: the task is taken to be
     * idempotent ({@link SubmitOptions#IDEMPOTENT}).
     *
     * @param <O> the result type
     * @param task the task name
     * @param input the input: a {@code byte[]} (sent as raw bytes) or an object JSON-B can bind
     * @param resultType the class the result is bound to
     * @return a future that completes with the result, or fails with {@link NoSuchNodeException}
     *         (no other node serves the task), {@link RemoteTaskException},
     *         {@link CallTimeoutException} (no answer within {@link NodeConfig#callTimeout()}), or
     *         another {@link ClusterException}
     */
    <O> CompletableFuture<O> submit(String task, Object input, Class<O> resultType);

    /**
     * Runs a task on another node that serves it, as {@link #submit(String, Object, Class)} does,
     * retrying on another node after a link failure only if the options say the task is
     * idempotent.
     *
     * @param <O> the result type
     * @param task the task name
     * @param input the input: a {@code byte[]} (sent as raw bytes) or an object JSON-B can bind
     * @param resultType the class the result is bound to
     * @param options whether the task may run twice, and how long the submit may take
     * @return a future that completes with the result, or fails as {@link #submit(String, Object, Class)}
     *         says, or with {@link LinkClosedException} when a task that is not idempotent may or may
     *         not have run
     */
    <O> CompletableFuture<O> submit(String task, Object input, Class<O> resultType, SubmitOptions options);

    /**
     * Returns counters: links, calls in flight and waiting, peers' calls running, calls that
     * timed out or were cancelled, and events dropped for listeners that fell behind.
     *
     * @return a snapshot of the node's state
     */
    NodeStats stats();

    /**
     * Starts delivering this node's events to a listener: nodes joining and leaving, this node's
     * links opening and closing, the master lost and found.
     *
     * @param listener the listener
     * @return the subscription; close it to stop
     */
    Subscription subscribe(ClusterListener listener);

    /**
     * Leaves the cluster: closes this node's links (calls in flight fail with
     * {@link LinkClosedException}), tells the master, and disconnects. Idempotent; waits a
     * bounded time for its threads to end.
     */
    @Override
    void close();
}
