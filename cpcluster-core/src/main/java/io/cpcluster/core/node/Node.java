package io.cpcluster.core.node;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosed;
import io.cpcluster.LinkId;
import io.cpcluster.LinkOpened;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterReconnected;
import io.cpcluster.MembershipView;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeStats;
import io.cpcluster.ProtocolException;
import io.cpcluster.Security;
import io.cpcluster.SubmitOptions;
import io.cpcluster.Subscription;
import io.cpcluster.TaskBinding;
import io.cpcluster.TaskHandler;
import io.cpcluster.core.defaults.KeyPairFiles;
import io.cpcluster.core.link.Link;
import io.cpcluster.core.link.LinkHost;
import io.cpcluster.core.threads.EventHub;
import io.cpcluster.core.threads.Threads;
import io.cpcluster.core.tls.Insecure;
import io.cpcluster.core.tls.Keys;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A node: its view of the cluster, its links, the tasks it serves, and its lifecycle. The
 * connection to the master is a {@link MasterLink}, opening links a {@link LinkSetup}, each open
 * link a {@link Link}, {@code submit} a {@link Submitter}.
 *
 * <p>Threads and what they own: the master's reader (in {@link MasterLink}) keeps the
 * {@link Membership} current; the timer runs {@link #beat} and deadlines; links are read by the reader pool
 * ({@link NodeConfig#linkReaders()}); application code (handlers, lanes) runs on {@link #application}
 * virtual threads; the library's own short jobs (dialing, keep-alives, cancels) on
 * {@link #background} virtual threads; events reach each listener on a thread of its own
 * ({@link EventHub}). No thread that reads the network runs application code; a link's reader waits
 * for the application only when 1,024 messages wait for its consumer.
 */
public final class Node implements ClusterNode, LinkHost, MasterLink.Events, Submitter.Cluster {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.node");
    /** How long close() waits for each group of threads. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long close() waits for links to say CLOSE to their peers, all at once. */
    private static final Duration LINKS_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final NodeConfig config;
    private final NodeId id = NodeId.random();
    private final EventHub events;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService application;
    private final ExecutorService background;
    private final ExecutorService linkReaders;
    private final Tasks tasks;
    private final ReentrantLock tasksLock = new ReentrantLock();
    private final Membership membership;
    private final OpenLinks links = new OpenLinks();
    /** Orders a link's LinkOpened before its LinkClosed: held while a link is added or removed and announced. */
    private final ReentrantLock announcing = new ReentrantLock();
    /** The node's TLS, with its key pair; null with {@link Security#PLAIN}. */
    private final Tls tls;
    private final MasterLink master;
    private final LinkSetup setup;
    private final Submitter submitter;
    /** Asks the master for nodes this node's membership view does not hold. */
    private final Finder finder;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder callsTimedOut = new LongAdder();
    private final LongAdder peerCallsRefused = new LongAdder();
    private final LongAdder callsCancelled = new LongAdder();

    private Node(NodeConfig config, JoinSettings join) {
        this.config = config;
        String prefix = "cpcluster-node-" + config.name();
        this.events = new EventHub(prefix + "-events");
        this.timer = Threads.timer(prefix + "-timer");
        this.application = Threads.perTask(prefix + "-handler");
        this.background = Threads.perTask(prefix + "-background");
        this.linkReaders = Threads.readers(config.linkReaders(), prefix + "-link-reader");
        this.tasks = new Tasks(config.tasks());
        this.membership = new Membership(id, events, this::forgetPeer);
        this.tls = config.security() == Security.TLS ? new Tls(config.keyFiles().map(KeyPairFiles::read)
                .orElseGet(() -> Keys.generate("cpcluster node")),
                config.trustedCertificates().map(KeyPairFiles::authorities).orElse(List.of())) : null;
        if (tls == null) {
            Insecure.warn("node", "its master connection and links are plain TCP: anyone on the network can read its"
                    + " tasks, and pass for its master or its peers");
        }
        this.master = new MasterLink(config, id, join, tasks.names(), this, this::schedule, tls);
        this.setup = new LinkSetup(config, this, master, membership::self, membership::describe, this::opened,
                background, tls);
        this.submitter = new Submitter(this);
        this.finder = new Finder(new Finder.Master() {
            @Override
            public boolean send(Control message) {
                return master.send(message);
            }

            @Override
            public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
                return Node.this.schedule(task, delay, unit);
            }
        }, background, config.connectTimeout());
    }

    /** Resolves the token and masters, connects, and authenticates. */
    public static Node start(NodeConfig config) {
        Node node = new Node(config, JoinSettings.resolve(config, System.getenv()));
        try {
            node.master.connect();
        } catch (RuntimeException e) {
            node.shutdown();
            throw e;
        }
        // One tick serves both heartbeats and the write deadlines: as often as the shortest asks.
        long tick = Math.max(1, Math.min(Math.min(config.heartbeatInterval().toMillis(),
                config.linkHeartbeatInterval().toMillis()), config.writeTimeout().toMillis() / 5));
        Threads.periodic(node.timer, "heartbeat of node " + config.name(), node::beat, tick, TimeUnit.MILLISECONDS);
        return node;
    }

    /** The heartbeat, on the timer: the master's, then each link's. Never blocks. */
    private void beat() {
        long now = System.nanoTime();
        master.beat(now);
        for (Link link : links.all()) {
            link.beat(now);
        }
    }

    // ---------------------------------------------------------------- the master's news (MasterLink.Events)

    @Override
    public void joined(NodeInfo joinedAs, Map<NodeId, NodeInfo> others) {
        tasksLock.lock();
        try {
            membership.joined(joinedAs, tasks.names(), others);
        } finally {
            tasksLock.unlock();
        }
    }

    @Override
    public void received(Control message) {
        if (membership.news(message)) {
            return;
        }
        switch (message) {
            case Control.NodesFound m -> finder.found(m);
            case Control.LinkOffer m -> setup.offered(m, bindHost());
            case Control.LinkAssigned m -> setup.assigned(m);
            case Control.LinkRejected m -> setup.rejected(m);
            case Control.LinkDown m -> linkDown(m);
            default -> throw new ProtocolException(ControlCodec.wireType(message.getClass())
                    + " is not a message the master sends to a joined node");
        }
    }

    /** Where this node listens for links: the configured address, or the local end of its master connection. */
    private String bindHost() {
        return config.bindHost().orElseGet(() -> {
            InetSocketAddress local = master.localAddress();
            return local != null ? local.getAddress().getHostAddress() : "127.0.0.1";
        });
    }

    /**
     * The master closed a link of this node's: its peer closed it or left, it did not open in
     * time, or, right after a rejoin, the master would not keep a link this node reported (its
     * port is taken, or its other end no longer has it). The link closes; the node stays joined.
     */
    private void linkDown(Control.LinkDown down) {
        LinkId linkId = LinkSetup.linkId(down.linkId());
        String reason = ControlCodec.quote(down.reason());
        // The master says the peer is gone or closed it; its socket may be dead, so do not write to it.
        links.find(linkId).ifPresent(link -> {
            LOG.log(Level.INFO, "node {0}: the master closed link {1} to {2}: {3}", config.name(), linkId,
                    link.peer().label(), reason);
            link.close(reason, false);
        });
        setup.down(linkId, reason);
    }

    /** A node left: submit forgets its link to it. */
    private void forgetPeer(NodeId peer) {
        submitter.forget(peer);
    }

    @Override
    public void lost(InetSocketAddress address, String reason) {
        setup.masterLost();
        finder.masterLost(reason);
        events.publish(new MasterLost(address, reason));
    }

    @Override
    public void reconnected(InetSocketAddress address) {
        events.publish(new MasterReconnected(address));
    }

    @Override
    public List<Control.LinkClaim> claims() {
        return links.claims();
    }

    // ---------------------------------------------------------------- links

    /**
     * A link is up on this side: register it and announce it, then start reading, so that its
     * {@link LinkClosed} can only come after its {@link LinkOpened}.
     */
    private void opened(Link link) {
        // The master vouched for the peer: a view that holds it knows it now, even if the news
        // of its join is still being gathered (or never comes, the master gone meanwhile).
        membership.vouched(link.peer(), config.membership());
        announcing.lock();
        try {
            links.add(link);
            if (!closed.get()) {
                events.publish(new LinkOpened(link.info()));
            }
        } finally {
            announcing.unlock();
        }
        if (closed.get()) {
            link.close("this node is closing", true);
            return;
        }
        master.send(new Control.LinkUp(link.id().value()));
        link.start();
    }

    @Override
    public void linkClosed(Link link, String reason) {
        boolean removed;
        announcing.lock();
        try {
            removed = links.remove(link);
            if (removed) {
                events.publish(new LinkClosed(link.info(), reason));
            }
        } finally {
            announcing.unlock();
        }
        if (removed) {
            master.send(new Control.LinkDown(link.id().value(), reason));
            submitter.linkClosed(link);
        }
    }

    @Override
    public DirectLink connect(NodeId peer) {
        CompletableFuture<DirectLink> linking = connectAsync(peer);
        try {
            // The request has its own deadline (linkTimeout); this one only bounds a wait that
            // nothing would end, should the node close under it.
            return linking.get(config.linkTimeout().toMillis() + CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (TimeoutException e) {
            linking.cancel(false);
            throw new ClusterException("no link to " + membership.describe(peer) + " within "
                    + config.linkTimeout().toMillis() + " ms (NodeConfig.linkTimeout)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while waiting for a link to " + peer, e);
        }
    }

    @Override
    public CompletableFuture<DirectLink> connectAsync(NodeId peer) {
        Objects.requireNonNull(peer, "peer");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ClusterException("this node is closed"));
        }
        if (peer.equals(id)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("a node cannot open a link to itself"));
        }
        if (!master.connected()) {
            return CompletableFuture.failedFuture(setup.masterUnavailable());
        }
        return setup.connect(peer);
    }

    // ---------------------------------------------------------------- LinkHost

    @Override
    public NodeConfig config() {
        return config;
    }

    @Override
    public boolean startReader(Runnable reading) {
        try {
            linkReaders.execute(reading);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    @Override
    public Executor application() {
        return application;
    }

    @Override
    public Executor background() {
        return background;
    }

    @Override
    public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return Threads.schedule(timer, task, delay, unit);
    }

    @Override
    public TaskBinding<?, ?> task(String name) {
        return tasks.get(name);
    }

    @Override
    public String doesNotServe(String task) {
        return self().label() + " does not serve task '" + ControlCodec.quote(task)
                + "'; it serves " + tasks.names();
    }

    @Override
    public String closingMessage() {
        return self().label() + " is closing and takes no new calls";
    }

    @Override
    public boolean closing() {
        return closed.get();
    }

    @Override
    public void callAbandoned(boolean timedOut) {
        (timedOut ? callsTimedOut : callsCancelled).increment();
    }

    @Override
    public void peerCallRefused() {
        peerCallsRefused.increment();
    }

    // ---------------------------------------------------------------- tasks

    @Override
    public <I, O> void handle(String task, Class<I> inputType, TaskHandler<? super I, ? extends O> handler) {
        TaskBinding<I, O> binding = new TaskBinding<>(task, inputType, handler);
        tasksLock.lock();
        try {
            if (tasks.get(task) == null) {
                List<String> names = new ArrayList<>(tasks.names());
                names.add(task);
                int bytes = ControlCodec.jsonLength(names);
                if (bytes > Control.MAX_TASKS_JSON_BYTES) {
                    throw new IllegalArgumentException("serving task '" + ControlCodec.quote(task) + "' too, "
                            + self().label() + "'s " + names.size() + " task names would take " + bytes
                            + " bytes as JSON, more than the " + Control.MAX_TASKS_JSON_BYTES + " a master accepts from"
                            + " one node: serve fewer tasks on this node, or give them shorter names");
                }
            }
            List<String> served = tasks.put(binding);
            membership.tasks(served);
            master.tasks(served);
        } finally {
            tasksLock.unlock();
        }
    }

    @Override
    public <O> CompletableFuture<O> submit(String task, Object input, Class<O> resultType) {
        return submit(task, input, resultType, SubmitOptions.IDEMPOTENT);
    }

    @Override
    public <O> CompletableFuture<O> submit(String task, Object input, Class<O> resultType, SubmitOptions options) {
        Objects.requireNonNull(options, "options");
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ClusterException("this node is closed"));
        }
        return submitter.submit(task, input, resultType, options);
    }

    // ---------------------------------------------------------------- the rest of the API

    @Override
    public NodeInfo self() {
        return membership.self();
    }

    @Override
    public NodeId selfId() {
        return id;
    }

    @Override
    public Duration callTimeout() {
        return config.callTimeout();
    }

    /**
     * {@inheritDoc}
     *
     * <p>With a membership view that does not hold every node, asks the master, waiting at most
     * the connect timeout; throws a {@link ClusterException} when it cannot.
     */
    @Override
    public List<NodeInfo> nodes() {
        if (config.membership().mode() == MembershipView.Mode.ALL) {
            return membership.nodes();
        }
        try {
            return finder.find(null).get().stream()
                    .sorted(Comparator.comparing(NodeInfo::joinedAt).thenComparing(node -> node.id().value()))
                    .map(node -> node.id().equals(id) ? membership.self() : node).toList();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ClusterException cluster ? cluster
                    : new ClusterException("could not ask the master for the nodes: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while asking the master for the nodes", e);
        }
    }

    @Override
    public List<NodeInfo> known() {
        return membership.nodes();
    }

    @Override
    public CompletableFuture<List<NodeInfo>> servers(String task) {
        if (config.membership().covers(task)) {
            List<NodeInfo> known = membership.serving(task);
            if (!known.isEmpty()) {
                return CompletableFuture.completedFuture(known);
            }
            // The view's news comes gathered (MasterConfig.membershipInterval): a node that
            // joined a moment ago may serve it. Ask; without a master, none is known.
            return finder.find(task).exceptionally(unreachable -> known);
        }
        return finder.find(task);
    }

    @Override
    public List<DirectLink> links() {
        return links.open();
    }

    @Override
    public Optional<DirectLink> link(LinkId id) {
        Objects.requireNonNull(id, "id");
        return links.find(id).map(DirectLink.class::cast);
    }

    @Override
    public NodeStats stats() {
        int inFlight = 0;
        int waiting = 0;
        int running = 0;
        int open = 0;
        for (Link link : links.all()) {
            if (link.isOpen()) {
                open++;
            }
            inFlight += link.callsInFlight();
            waiting += link.callsWaiting();
            running += link.peerCallsRunning();
        }
        return new NodeStats(open, inFlight, waiting, running, callsTimedOut.sum(), callsCancelled.sum(),
                events.dropped(), peerCallsRefused.sum(), setup.handshakes().count(), setup.handshakes().refused());
    }

    @Override
    public Subscription subscribe(ClusterListener listener) {
        return events.subscribe(listener);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        setup.close();
        links.awaitCallsInFlight(config.closeTimeout());
        links.closeAll("its node is leaving the cluster", background, LINKS_CLOSE_TIMEOUT);
        master.close(CLOSE_TIMEOUT);
        shutdown();
        LOG.log(Level.INFO, "node {0} closed", self() != null ? self().label() : config.name());
    }

    /**
     * Stops the node's own threads. Handlers still running are interrupted: their links are
     * closed, so no answer of theirs could reach the caller any more.
     */
    private void shutdown() {
        Threads.shutdown(linkReaders, CLOSE_TIMEOUT);
        application.shutdownNow();
        Threads.shutdown(application, CLOSE_TIMEOUT);
        Threads.shutdown(background, CLOSE_TIMEOUT);
        timer.shutdownNow();
        events.close(CLOSE_TIMEOUT);
    }

    private static RuntimeException rethrow(Throwable error) {
        if (error instanceof RuntimeException runtime) {
            return runtime;
        }
        if (error instanceof Error fatal) {
            throw fatal;
        }
        return new ClusterException(error.getMessage(), error);
    }

    @Override
    public String toString() {
        NodeInfo current = self();
        return "ClusterNode[" + (current != null ? current.label() : config.name()) + "]";
    }
}
