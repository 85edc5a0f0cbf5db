package io.cpcluster.core;

import io.cpcluster.AuthenticationException;
import io.cpcluster.ClusterException;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.HandlerThreads;
import io.cpcluster.LinkClosed;
import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.LinkOpened;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterReconnected;
import io.cpcluster.MasterUnavailableException;
import io.cpcluster.NoSuchNodeException;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.PortsExhaustedException;
import io.cpcluster.ProtocolException;
import io.cpcluster.SubmitOptions;
import io.cpcluster.Subscription;
import io.cpcluster.TaskBinding;
import io.cpcluster.TaskHandler;
import io.cpcluster.spi.Transport;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A node: its connection to the master, the links it opened and accepted, the tasks it serves.
 *
 * <p>Threads: one virtual thread reads the master; each link has its reader; each call from a
 * peer runs on its own virtual thread; link set-up (dialing, accepting) runs on short-lived
 * virtual threads; a timer thread enforces deadlines; events reach listeners on their own thread.
 */
final class Node implements ClusterNode {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.node");
    /** The largest frame accepted during handshakes, before the other side is authenticated. */
    static final int MAX_HANDSHAKE_FRAME = 64 * 1024;
    /** The largest frame accepted from the authenticated master. */
    static final int MAX_FROM_MASTER = 16 * 1024 * 1024;
    /** How long close() waits for each group of threads. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final NodeConfig config;
    private final NodeId id = NodeId.random();
    private final JoinSettings join;
    private final Transport transport;
    private final Events events;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService handlers;
    private final ExecutorService linkReaders;
    private final ConcurrentHashMap<String, TaskBinding<?, ?>> tasks = new ConcurrentHashMap<>();
    private final ReentrantLock tasksLock = new ReentrantLock();
    private final ConcurrentHashMap<NodeId, NodeInfo> nodes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LinkId, Link> links = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LinkId, Acceptor> acceptors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, PendingLink> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LinkId, PendingLink> dialing = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final Submitter submitter = new Submitter(this);
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Reader threads running a handler right now (see {@link HandlerThreads#READER}). */
    private final Set<Thread> inlineHandlers = ConcurrentHashMap.newKeySet();
    private volatile NodeInfo self;
    private volatile MasterConnection master;
    /** When the last heartbeat went to the master; the timer's own. */
    private long lastPing = System.nanoTime();
    private volatile String masterLostReason = "not connected yet";
    private volatile String bindHost;
    private volatile Thread reconnecting;
    private final ReentrantLock masterLock = new ReentrantLock();

    private Node(NodeConfig config, JoinSettings join) {
        this.config = config;
        this.join = join;
        this.transport = config.transport();
        this.tasks.putAll(config.tasks());
        String prefix = "cpcluster-node-" + config.name();
        this.events = new Events(prefix + "-events");
        this.timer = Threads.timer(prefix + "-timer");
        this.handlers = Threads.perTask(prefix + "-handler");
        this.linkReaders = Threads.readers(config.linkReaders(), prefix + "-link-reader");
    }

    /** Resolves the token and masters, connects, and authenticates. */
    static Node start(NodeConfig config) {
        Node node = new Node(config, JoinSettings.resolve(config, System.getenv()));
        try {
            node.connectToMaster();
        } catch (RuntimeException e) {
            node.shutdown();
            throw e;
        }
        // One tick serves both heartbeats: as often as the shorter interval asks.
        long tick = Math.min(config.heartbeatInterval().toMillis(), config.linkHeartbeatInterval().toMillis());
        node.timer.scheduleWithFixedDelay(node::beat, tick, tick, TimeUnit.MILLISECONDS);
        return node;
    }

    NodeConfig config() {
        return config;
    }

    Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return Threads.schedule(timer, task, delay, unit);
    }

    // ---------------------------------------------------------------- joining

    /**
     * Connects and authenticates with the first master that answers, in the configured order.
     *
     * @throws MasterUnavailableException if none answers
     */
    private void connectToMaster() {
        List<String> failures = new ArrayList<>();
        for (InetSocketAddress address : join.masters()) {
            Transport.Connection connection;
            try {
                connection = transport.connect(address, config.connectTimeout());
            } catch (IOException e) {
                failures.add(Addresses.text(address) + ": " + e.getMessage());
                continue;
            }
            handshake(address, connection);
            return;
        }
        throw new MasterUnavailableException("could not reach the master (" + String.join("; ", failures)
                + "): is it running, and is the address in join.json (or NodeConfig.master) right?");
    }

    private void handshake(InetSocketAddress address, Transport.Connection connection) {
        AtomicBoolean timedOut = new AtomicBoolean();
        Future<?> deadline = schedule(() -> {
            timedOut.set(true);
            closeQuietly(connection);
        }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            FrameInput input = new FrameInput(connection.input());
            FrameOutput output = new FrameOutput(connection.output());
            Control.Hello hello = ControlCodec.decode(required(input, MAX_HANDSHAKE_FRAME, "HELLO"),
                    Control.Hello.class, "from the master");
            if (hello.version() < Control.MIN_VERSION) {
                throw new ProtocolException("the master at " + Addresses.text(address) + " speaks protocol version " + hello.version()
                        + ", older than this node's oldest (" + Control.MIN_VERSION + "): upgrade the master");
            }
            byte[] nonce = base64(hello.nonce(), "HELLO nonce");
            output.write(ControlCodec.encode(new Control.Auth(Math.min(hello.version(), Control.VERSION), id.value(),
                    config.name(), Secrets.base64(Secrets.proof(join.token(), nonce)), List.copyOf(tasks.keySet()),
                    config.advertisedHost().orElse(null), claims())));
            NodeInfo joinedAs;
            long masterTimeout;
            switch (ControlCodec.decode(required(input, MAX_FROM_MASTER, "AUTH_OK"))) {
                case Control.AuthOk ok -> {
                    joinedAs = info(ok.node());
                    masterTimeout = ok.heartbeatTimeoutMs();
                }
                case Control.AuthFailed failed -> throw new AuthenticationException("the master at " + Addresses.text(address)
                        + " refused this node: " + failed.reason());
                case Control.Fault fault -> throw fault(address, fault);
                case Control other -> throw new ProtocolException("expected AUTH_OK from the master, got "
                        + ControlCodec.wireType(other.getClass()));
            }
            Map<NodeId, NodeInfo> snapshot = new LinkedHashMap<>();
            boolean more = true;
            while (more) {
                Control.NodeList page = ControlCodec.decode(required(input, MAX_FROM_MASTER, "NODES"),
                        Control.NodeList.class, "after AUTH_OK");
                page.nodes().forEach(wire -> {
                    NodeInfo node = info(wire);
                    snapshot.put(node.id(), node);
                });
                more = page.more();
            }
            deadline.cancel(false);
            if (masterTimeout > 0 && masterTimeout < 2 * config.heartbeatInterval().toMillis()) {
                LOG.log(Level.WARNING, "the master drops nodes silent for {0} ms, and this node beats only every {1} ms:"
                        + " make NodeConfig.heartbeat's interval shorter", masterTimeout,
                        config.heartbeatInterval().toMillis());
            }
            self = joinedAs;
            adopt(snapshot);
            bindHost = config.bindHost().orElseGet(() -> connection.localAddress().getAddress().getHostAddress());
            MasterConnection connected = new MasterConnection(address, connection, input, output);
            master = connected;
            connected.reader = Threads.startVirtual("cpcluster-node-" + config.name() + "-master",
                    () -> readMaster(connected));
            LOG.log(Level.INFO, "node {0} joined the master at {1}", self.label(), Addresses.text(address));
        } catch (IOException e) {
            closeQuietly(connection);
            throw new MasterUnavailableException(timedOut.get()
                    ? "the master at " + Addresses.text(address) + " did not complete the handshake within "
                            + config.connectTimeout().toMillis() + " ms"
                    : "lost the connection to the master at " + Addresses.text(address) + " while joining: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    /** The links this node has open, as it reports them when it (re)joins. */
    private List<Control.LinkClaim> claims() {
        return links.values().stream().filter(Link::isOpen).map(link -> link.info())
                .map(info -> new Control.LinkClaim(info.id().value(), info.initiator().value(), info.acceptor().value(),
                        info.host(), info.port()))
                .toList();
    }

    /**
     * Takes the master's node list. On a rejoin, nodes that came or went while this node was away
     * from the master are announced as {@link NodeJoined} and {@link NodeLeft}.
     */
    private void adopt(Map<NodeId, NodeInfo> snapshot) {
        snapshot.put(self.id(), self);
        boolean rejoin = !nodes.isEmpty();
        for (NodeInfo known : List.copyOf(nodes.values())) {
            if (!snapshot.containsKey(known.id())) {
                nodes.remove(known.id());
                submitter.forget(known.id());
                events.publish(new NodeLeft(known, "it left while this node was away from the master"));
            }
        }
        snapshot.values().forEach(node -> {
            if (nodes.put(node.id(), node) == null && rejoin && !node.id().equals(id)) {
                events.publish(new NodeJoined(node));
            }
        });
    }

    private static byte[] required(FrameInput input, int max, String what) throws IOException {
        byte[] frame = input.readFrame(max);
        if (frame == null) {
            throw new EOFException("the master closed the connection instead of sending " + what);
        }
        return frame;
    }

    private static byte[] base64(String text, String what) {
        try {
            return Secrets.fromBase64(text);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(what + " is not base64", e);
        }
    }

    private static ClusterException fault(InetSocketAddress address, Control.Fault fault) {
        String message = "the master at " + Addresses.text(address) + " refused this node: " + fault.code() + ": " + fault.message();
        return fault.code().equals(Control.Fault.PROTOCOL) || fault.code().equals(Control.Fault.UNSUPPORTED_VERSION)
                ? new ProtocolException(message) : new ClusterException(message);
    }

    private static NodeInfo info(Control.WireNode wire) {
        try {
            return wire.toInfo();
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the master described a node wrongly: " + e.getMessage(), e);
        }
    }

    private static LinkId linkId(String value) {
        try {
            return new LinkId(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the master named a link wrongly: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- the master's messages

    private void readMaster(MasterConnection connection) {
        try {
            while (true) {
                byte[] frame = connection.input.readFrame(MAX_FROM_MASTER);
                if (frame == null) {
                    masterLost(connection, "the master closed the connection");
                    return;
                }
                connection.lastHeard = System.nanoTime();
                onMaster(ControlCodec.decode(frame));
            }
        } catch (ProtocolException e) {
            LOG.log(Level.WARNING, "closing the connection to the master at {0}: {1}", Addresses.text(connection.address),
                    e.getMessage());
            masterLost(connection, "protocol error: " + e.getMessage());
        } catch (IOException e) {
            masterLost(connection, "connection lost: " + e.getMessage());
        }
    }

    private void onMaster(Control message) {
        switch (message) {
            case Control.NodeJoin m -> {
                NodeInfo node = info(m.node());
                nodes.put(node.id(), node);
                events.publish(new NodeJoined(node));
            }
            case Control.NodeUpdate m -> {
                NodeInfo node = info(m.node());
                nodes.replace(node.id(), node);
            }
            case Control.NodeLeave m -> {
                NodeInfo gone;
                try {
                    gone = nodes.remove(new NodeId(m.nodeId()));
                } catch (IllegalArgumentException e) {
                    throw new ProtocolException("the master named a node wrongly: " + e.getMessage(), e);
                }
                if (gone != null) {
                    submitter.forget(gone.id());
                    events.publish(new NodeLeft(gone, m.reason()));
                }
            }
            case Control.Pong m -> LOG.log(Level.TRACE, "pong after {0} ms", System.currentTimeMillis() - m.time());
            case Control.LinkOffer m -> offered(m);
            case Control.LinkAssigned m -> assigned(m);
            case Control.LinkRejected m -> rejected(m);
            case Control.LinkDown m -> down(m);
            case Control.Fault m -> {
                LOG.log(Level.WARNING, "the master reports {0}: {1}", m.code(), m.message());
                masterLostReason = m.code() + ": " + m.message();
            }
            default -> throw new ProtocolException(ControlCodec.wireType(message.getClass())
                    + " is not a message the master sends to a joined node");
        }
    }

    private void masterLost(MasterConnection connection, String reason) {
        connection.close();
        masterLock.lock();
        try {
            // The reader and the heartbeat may both find the master gone: only the first acts.
            if (master != connection) {
                return;
            }
            master = null;
            masterLostReason = reason;
        } finally {
            masterLock.unlock();
        }
        if (closed.get()) {
            return;
        }
        LOG.log(Level.WARNING, "node {0} lost the master at {1}: {2}; its links keep working, and it reconnects",
                self.label(), Addresses.text(connection.address), reason);
        for (PendingLink pending : List.copyOf(requests.values())) {
            requests.remove(pending.requestId);
            pending.fail(masterUnavailable());
        }
        events.publish(new MasterLost(connection.address, reason));
        reconnecting = Threads.startVirtual("cpcluster-node-" + config.name() + "-reconnect", this::reconnect);
    }

    /**
     * Tries the masters again and again, waiting longer each round (doubling from
     * {@link NodeConfig#reconnectDelay()} up to {@link NodeConfig#reconnectMaxDelay()}, each wait
     * drawn at random from its upper half so that nodes do not come back in lockstep), until one
     * takes this node back or the node closes.
     */
    private void reconnect() {
        long delay = config.reconnectDelay().toNanos();
        long longest = config.reconnectMaxDelay().toNanos();
        while (!closed.get()) {
            LockSupport.parkNanos(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
            if (closed.get()) {
                return;
            }
            try {
                connectToMaster();
                MasterConnection connection = master;
                if (connection != null) {
                    LOG.log(Level.INFO, "node {0} is back with the master at {1}", self.label(),
                            Addresses.text(connection.address));
                    events.publish(new MasterReconnected(connection.address));
                }
                return;
            } catch (AuthenticationException e) {
                LOG.log(Level.WARNING, "node {0} cannot rejoin: {1}", self.label(), e.getMessage());
            } catch (ClusterException e) {
                LOG.log(Level.DEBUG, "node {0} cannot rejoin yet: {1}", self.label(), e.getMessage());
            }
            delay = Math.min(longest, delay * 2);
        }
    }

    /**
     * The heartbeat, on the timer: tells the master this node is alive, takes a silent master for
     * lost, and keeps each link alive or closes it when its peer went silent. Writing happens on
     * virtual threads, so that a stalled socket never holds up the timer.
     */
    private void beat() {
        long now = System.nanoTime();
        MasterConnection connection = master;
        if (connection != null) {
            long silent = now - connection.lastHeard;
            if (silent > config.heartbeatTimeout().toNanos()) {
                Threads.startVirtual("cpcluster-node-" + config.name() + "-master-lost", () -> masterLost(connection,
                        "no word from the master for " + TimeUnit.NANOSECONDS.toMillis(silent) + " ms (heartbeat"
                                + " timeout)"));
            } else if (now - lastPing >= config.heartbeatInterval().toNanos()) {
                lastPing = now;
                Threads.startVirtual("cpcluster-node-" + config.name() + "-heartbeat",
                        () -> tellMaster(new Control.Ping(System.currentTimeMillis())));
            }
        }
        for (Link link : links.values()) {
            link.beat(now);
        }
    }

    private MasterUnavailableException masterUnavailable() {
        return new MasterUnavailableException("this node has no connection to the master (" + masterLostReason
                + "); open links keep working, new links need the master");
    }

    /** Sends to the master if connected. */
    boolean tellMaster(Control message) {
        MasterConnection connection = master;
        if (connection == null) {
            return false;
        }
        try {
            connection.send(message);
            return true;
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "could not send {0} to the master: {1}",
                    ControlCodec.wireType(message.getClass()), e.getMessage());
            connection.close();
            return false;
        }
    }

    // ---------------------------------------------------------------- accepting links (DESIGN §5, 2-3)

    private void offered(Control.LinkOffer offer) {
        LinkId linkId = linkId(offer.linkId());
        NodeInfo peer = info(offer.peer());
        if (offer.port() < 1 || offer.port() > 65535) {
            throw new ProtocolException("LINK_OFFER with port " + offer.port());
        }
        if (closed.get()) {
            return;
        }
        Transport.Listener listener;
        try {
            listener = transport.listen(new InetSocketAddress(bindHost, offer.port()));
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "link {0}: port {1} on {2} cannot be bound: {3}", linkId, offer.port(), bindHost,
                    e.getMessage());
            tellMaster(new Control.LinkBindFailed(offer.linkId(), offer.port(), String.valueOf(e.getMessage())));
            return;
        }
        Acceptor acceptor = new Acceptor(this, linkId, peer, offer.port(), offer.ticket(), listener);
        Acceptor previous = acceptors.put(linkId, acceptor);
        if (previous != null) {
            previous.cancel("offered again", false);
        }
        if (closed.get() || !tellMaster(new Control.LinkReady(offer.linkId(), offer.port()))) {
            acceptor.cancel("this node is closing or lost the master", false);
            return;
        }
        acceptor.start(offer.expiresInMs());
    }

    void acceptorDone(Acceptor acceptor) {
        acceptors.remove(acceptor.id(), acceptor);
    }

    // ---------------------------------------------------------------- opening links (DESIGN §5, 1, 4-6)

    @Override
    public DirectLink connect(NodeId peer) {
        try {
            return connectAsync(peer).get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
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
        MasterConnection connection = master;
        if (connection == null) {
            return CompletableFuture.failedFuture(masterUnavailable());
        }
        long requestId = requestIds.incrementAndGet();
        long timeout = config.linkTimeout().toMillis();
        PendingLink pending = new PendingLink(requestId, peer, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout));
        requests.put(requestId, pending);
        pending.timeout = schedule(() -> {
            requests.remove(requestId);
            pending.fail(new ClusterException("no link to " + describe(peer) + " within " + timeout + " ms"
                    + " (NodeConfig.linkTimeout): the master or the peer did not answer in time"));
        }, timeout, TimeUnit.MILLISECONDS);
        pending.future.whenComplete((link, error) -> pending.timeout.cancel(false));
        try {
            connection.send(new Control.LinkRequest(requestId, peer.value()));
        } catch (IOException e) {
            requests.remove(requestId);
            connection.close();
            pending.fail(new MasterUnavailableException("could not ask the master for a link: " + e.getMessage(), e));
        }
        return pending.future;
    }

    private String describe(NodeId peer) {
        NodeInfo known = nodes.get(peer);
        return known != null ? known.label() : "node " + peer;
    }

    private void rejected(Control.LinkRejected rejected) {
        PendingLink pending = requests.remove(rejected.requestId());
        if (pending == null) {
            return;
        }
        pending.fail(switch (rejected.code()) {
            case Control.LinkRejected.NO_SUCH_NODE -> new NoSuchNodeException(rejected.message());
            case Control.LinkRejected.PORTS_EXHAUSTED -> new PortsExhaustedException(rejected.message());
            default -> new ClusterException("the master could not open the link: " + rejected.message());
        });
    }

    private void assigned(Control.LinkAssigned assigned) {
        LinkId linkId = linkId(assigned.linkId());
        NodeInfo peer = info(assigned.peer());
        PendingLink pending = requests.remove(assigned.requestId());
        if (pending == null || pending.future.isDone()) {
            tellMaster(new Control.LinkDown(assigned.linkId(), "the requester no longer waits for it"));
            return;
        }
        dialing.put(linkId, pending);
        Threads.startVirtual("cpcluster-link-" + linkId + "-dial", () -> dial(pending, linkId, peer, assigned));
    }

    /** Connects to the acceptor and proves the ticket (DESIGN §5, step 5). */
    private void dial(PendingLink pending, LinkId linkId, NodeInfo peer, Control.LinkAssigned assigned) {
        Transport.Connection connection = null;
        Future<?> guard = null;
        AtomicBoolean timedOut = new AtomicBoolean();
        boolean handedOver = false;
        String where = assigned.host() + ":" + assigned.port();
        try {
            connection = transport.connect(InetSocketAddress.createUnresolved(assigned.host(), assigned.port()),
                    Duration.ofMillis(Math.min(config.connectTimeout().toMillis(), pending.remainingMillis())));
            Transport.Connection dialed = connection;
            guard = schedule(() -> {
                timedOut.set(true);
                closeQuietly(dialed);
            }, pending.remainingMillis(), TimeUnit.MILLISECONDS);
            FrameInput input = new FrameInput(connection.input());
            FrameOutput output = new FrameOutput(connection.output());
            Control.LinkHello hello = ControlCodec.decode(requiredFromPeer(input), Control.LinkHello.class,
                    "from the peer");
            if (!hello.linkId().equals(linkId.value())) {
                throw new ProtocolException("the node at " + where + " answered for link " + hello.linkId()
                        + ", not " + linkId);
            }
            if (hello.version() < Control.MIN_VERSION) {
                throw new ProtocolException("the node at " + where + " speaks protocol version " + hello.version());
            }
            if (hello.maxFrameSize() < LinkFrame.HEADER_LENGTH + 1024) {
                throw new ProtocolException("LINK_HELLO with a maxFrameSize of " + hello.maxFrameSize());
            }
            byte[] nonce = base64(hello.nonce(), "LINK_HELLO nonce");
            output.write(ControlCodec.encode(new Control.LinkAuth(Math.min(hello.version(), Control.VERSION),
                    linkId.value(), id.value(), Secrets.base64(Secrets.proof(assigned.ticket(), nonce)),
                    config.maxFrameSize())));
            switch (ControlCodec.decode(requiredFromPeer(input))) {
                case Control.LinkAccepted accepted -> LOG.log(Level.DEBUG, "link {0} accepted", accepted.linkId());
                case Control.LinkDenied denied -> throw new ClusterException(peer.label() + " refused the link: "
                        + denied.reason());
                case Control other -> throw new ProtocolException("expected LINK_ACCEPTED, got "
                        + ControlCodec.wireType(other.getClass()));
            }
            guard.cancel(false);
            dialing.remove(linkId);
            LinkInfo info = new LinkInfo(linkId, id, peer.id(), assigned.host(), assigned.port(), Instant.now());
            Link link = new Link(this, info, peer, connection, input, output, hello.maxFrameSize());
            handedOver = true;
            opened(link);
            if (!pending.future.complete(link)) {
                link.close("the requester no longer waits for it", true);
            }
        } catch (IOException | RuntimeException e) {
            dialing.remove(linkId);
            String why = timedOut.get() ? "no answer within " + config.linkTimeout().toMillis()
                    + " ms (NodeConfig.linkTimeout)" : e.getMessage();
            tellMaster(new Control.LinkDown(linkId.value(), "the initiator could not connect: " + why));
            pending.fail(e instanceof ClusterException ce && !timedOut.get() ? ce
                    : new ClusterException("could not open a link to " + peer.label() + " at " + where + ": " + why
                            + ". Check that " + assigned.host() + " is reachable from this node (a node behind NAT"
                            + " sets NodeConfig.advertisedHost)", e));
        } finally {
            if (guard != null) {
                guard.cancel(false);
            }
            if (!handedOver && connection != null) {
                closeQuietly(connection);
            }
        }
    }

    private static byte[] requiredFromPeer(FrameInput input) throws IOException {
        byte[] frame = input.readFrame(MAX_HANDSHAKE_FRAME);
        if (frame == null) {
            throw new EOFException("the peer closed the connection during the handshake");
        }
        return frame;
    }

    /** A link is up on this side: register it, start reading, tell the master and the listeners. */
    void opened(Link link) {
        links.put(link.id(), link);
        if (closed.get()) {
            link.close("this node is closing", true);
            return;
        }
        link.start();
        tellMaster(new Control.LinkUp(link.id().value()));
        events.publish(new LinkOpened(link.info()));
    }

    private void down(Control.LinkDown down) {
        LinkId linkId = linkId(down.linkId());
        Link link = links.get(linkId);
        if (link != null) {
            // The master says the peer is gone or closed it; its socket may be dead, so do not write to it.
            link.close(down.reason(), false);
        }
        Acceptor acceptor = acceptors.get(linkId);
        if (acceptor != null) {
            acceptor.cancel(down.reason(), false);
        }
        PendingLink pending = dialing.remove(linkId);
        if (pending != null) {
            pending.fail(new ClusterException("the link to " + describe(pending.peer) + " could not be set up: "
                    + down.reason()));
        }
    }

    /** Called once by a link as it closes. */
    void linkClosed(Link link, String reason) {
        if (links.remove(link.id(), link)) {
            tellMaster(new Control.LinkDown(link.id().value(), reason));
            submitter.linkClosed(link);
            events.publish(new LinkClosed(link.info(), reason));
        }
    }

    // ---------------------------------------------------------------- serving tasks

    @Override
    public <I, O> void handle(String task, Class<I> inputType, TaskHandler<? super I, ? extends O> handler) {
        TaskBinding<I, O> binding = new TaskBinding<>(task, inputType, handler);
        tasksLock.lock();
        try {
            tasks.put(binding.task(), binding);
            NodeInfo current = self;
            self = new NodeInfo(current.id(), current.name(), current.host(), tasks.keySet(), current.joinedAt());
            nodes.replace(id, self);
            tellMaster(new Control.Tasks(List.copyOf(tasks.keySet())));
        } finally {
            tasksLock.unlock();
        }
    }

    /**
     * Starts a link's reading loop on a reader thread of the configured kind.
     *
     * @return false when the node is closing and starts no more threads
     */
    boolean startReader(Runnable reading) {
        try {
            linkReaders.execute(reading);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * A peer called a task: run it on a virtual thread of its own or, with
     * {@link HandlerThreads#READER}, right here on the link's reader.
     */
    void serve(Link link, long correlation, String task, int flags, byte[] payload) {
        if (closed.get()) {
            link.respondError(correlation, new IllegalStateException(self.label() + " is closing and takes no new calls"));
            return;
        }
        if (config.handlerThreads() == HandlerThreads.READER) {
            runOnReader(link, correlation, task, flags, payload);
            return;
        }
        try {
            handlers.execute(() -> run(link, correlation, task, flags, payload));
        } catch (RejectedExecutionException e) {
            link.respondError(correlation, new IllegalStateException(self.label() + " is closing"));
        }
    }

    /** Runs a call on the link's reader thread, tracked so that {@link #close()} can interrupt it. */
    private void runOnReader(Link link, long correlation, String task, int flags, byte[] payload) {
        Thread current = Thread.currentThread();
        inlineHandlers.add(current);
        try {
            if (closed.get()) {
                link.respondError(correlation, new IllegalStateException(self.label() + " is closing"));
                return;
            }
            run(link, correlation, task, flags, payload);
        } finally {
            inlineHandlers.remove(current);
        }
    }

    private void run(Link link, long correlation, String task, int flags, byte[] payload) {
        TaskBinding<?, ?> binding = tasks.get(task);
        if (binding == null) {
            link.respondError(correlation, new UnsupportedOperationException(self.label() + " does not serve task '"
                    + task + "'; it serves " + tasks.keySet().stream().sorted().toList()));
            return;
        }
        invoke(link, correlation, binding, flags, payload);
    }

    private <I, O> void invoke(Link link, long correlation, TaskBinding<I, O> binding, int flags, byte[] payload) {
        I input;
        try {
            input = Payloads.decode(flags, payload, binding.inputType());
        } catch (IllegalArgumentException e) {
            link.respondError(correlation, new IllegalArgumentException("the input of task '" + binding.task()
                    + "' could not be read: " + e.getMessage(), e));
            return;
        }
        Object result;
        try {
            result = binding.handler().handle(input);
        } catch (Exception e) {
            link.respondError(correlation, e);
            return;
        } catch (Error e) {
            link.respondError(correlation, e);
            throw e;
        }
        if (result instanceof CompletionStage<?> stage) {
            stage.whenComplete((value, error) -> {
                if (error != null) {
                    link.respondError(correlation, error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                } else {
                    link.respond(correlation, binding.task(), value);
                }
            });
        } else {
            link.respond(correlation, binding.task(), result);
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
        return self;
    }

    NodeId id() {
        return id;
    }

    @Override
    public List<NodeInfo> nodes() {
        return nodes.values().stream()
                .sorted(Comparator.comparing(NodeInfo::joinedAt).thenComparing(node -> node.id().value())).toList();
    }

    @Override
    public List<DirectLink> links() {
        return links.values().stream().filter(Link::isOpen)
                .sorted(Comparator.comparing((Link link) -> link.info().openedAt())).map(DirectLink.class::cast)
                .toList();
    }

    @Override
    public Optional<DirectLink> link(LinkId id) {
        Objects.requireNonNull(id, "id");
        return Optional.ofNullable(links.get(id)).filter(Link::isOpen).map(DirectLink.class::cast);
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
        List.copyOf(acceptors.values()).forEach(acceptor -> acceptor.cancel("this node is closing", true));
        ClusterException closing = new ClusterException("this node closed before the link opened");
        List.copyOf(requests.values()).forEach(pending -> pending.fail(closing));
        requests.clear();
        List.copyOf(dialing.values()).forEach(pending -> pending.fail(closing));
        Thread reconnect = reconnecting;
        if (reconnect != null) {
            reconnect.interrupt();
            Threads.join(reconnect, CLOSE_TIMEOUT);
        }
        awaitCallsInFlight();
        List<Link> open = List.copyOf(links.values());
        open.forEach(link -> link.close("its node is leaving the cluster", true));
        MasterConnection connection = master;
        if (connection != null) {
            tellMaster(new Control.Bye("the node closed"));
            master = null;
            connection.close();
            Threads.join(connection.reader, CLOSE_TIMEOUT);
        }
        shutdown();
        LOG.log(Level.INFO, "node {0} closed", self.label());
    }

    /**
     * Lets the calls in flight on this node's links, both ways, finish: at most
     * {@link NodeConfig#closeTimeout()}. New calls from peers are already refused.
     */
    private void awaitCallsInFlight() {
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        while (System.nanoTime() < deadline
                && links.values().stream().anyMatch(link -> link.callsInFlight() > 0 || link.handlersRunning() > 0)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    /**
     * Stops the node's own threads. Handlers still running are interrupted: their links are
     * closed, so no answer of theirs could reach the caller any more.
     */
    private void shutdown() {
        inlineHandlers.forEach(Thread::interrupt);
        Threads.shutdown(linkReaders, CLOSE_TIMEOUT);
        handlers.shutdownNow();
        Threads.shutdown(handlers, CLOSE_TIMEOUT);
        timer.shutdownNow();
        events.close(CLOSE_TIMEOUT);
    }

    static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing failed: {0}", e.toString());
        }
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
        NodeInfo current = self;
        return "ClusterNode[" + (current != null ? current.label() : config.name()) + "]";
    }
}
