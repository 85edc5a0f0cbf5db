package io.cpcluster.core.master;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.JoinInfo;
import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.PortsExhaustedException;
import io.cpcluster.ProtocolException;
import io.cpcluster.Subscription;
import io.cpcluster.TaskBinding;
import io.cpcluster.core.defaults.JoinFiles;
import io.cpcluster.core.threads.EventHub;
import io.cpcluster.core.threads.Threads;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.EncodedOnce;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.TokenStore;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The master: accepts connections, authenticates nodes, and keeps its {@link Book} of nodes,
 * links and ports.
 *
 * <p>Threads and what they own: one virtual thread accepts; each connection is a {@link Session}
 * on virtual threads of its own (a reader, a writer). The book is guarded by {@link #lock}, held
 * only while the book changes: calls to the SPIs (allocating, reserving and releasing ports,
 * checking proofs), encoding, sending and closing happen outside it, driven by the
 * {@link Outcome} each change returns. The set of connections is concurrent, owned by the
 * accept loop (adds) and the sessions (removes). The timer sweeps silent nodes and expired links.
 * Listeners get events through an {@link EventHub}, which never blocks.
 */
public final class Master implements ClusterMaster {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    /** How long close() waits for each group of threads. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final MasterConfig config;
    private final Transport.Listener listener;
    private final TokenStore tokens;
    private final PortAllocator ports;
    private final JoinInfo joinInfo;
    private final AuthThrottle throttle;
    private final EventHub events = new EventHub("cpcluster-master-events");
    private final ScheduledThreadPoolExecutor timer = Threads.timer("cpcluster-master-timer");
    private final ExecutorService sessionThreads = Threads.perTask("cpcluster-master-session");
    /** Every open connection, authenticated or not. */
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Book book;
    private final AtomicLong nodesAuthenticated = new AtomicLong();
    private final AtomicLong authFailures = new AtomicLong();
    private final AtomicLong linksBrokered = new AtomicLong();
    private final AtomicLong protocolErrors = new AtomicLong();
    private final Thread acceptor;
    /** Until when a restarted master waits for nodes to rejoin before it brokers links (System.nanoTime()). */
    private final long rejoinGraceEnd;
    private volatile boolean closed;

    private Master(MasterConfig config, Transport.Listener listener, TokenStore tokens, PortAllocator ports,
                   JoinInfo joinInfo, boolean restarted) {
        this.config = config;
        this.listener = listener;
        this.tokens = tokens;
        this.ports = ports;
        this.joinInfo = joinInfo;
        this.book = new Book(config);
        this.throttle = new AuthThrottle(config.authFailureDelay());
        this.rejoinGraceEnd = System.nanoTime() + (restarted ? config.rejoinGrace().toNanos() : 0);
        long sweep = Math.max(20, config.heartbeatTimeout().toMillis() / 5);
        Threads.periodic(timer, "sweep of the master", this::sweep, sweep, TimeUnit.MILLISECONDS);
        this.acceptor = Threads.startVirtual("cpcluster-master-accept-" + Addresses.text(listener.localAddress()),
                this::accept);
    }

    /** Binds, settles the token, writes the join file, and starts accepting nodes. */
    public static Master start(MasterConfig config) {
        TokenStore tokens = config.tokenStore().create(config);
        try {
            PortAllocator ports = config.portAllocator().create(config);
            // Only a store that kept its tokens from an earlier run means nodes may come back with links.
            boolean restarted = tokens.restored();
            String token = settleToken(config, tokens);
            Transport.Listener listener;
            try {
                listener = config.transport().listen(config.address());
            } catch (IOException e) {
                throw new ClusterException("the master could not listen on " + Addresses.text(config.address()) + ": "
                        + e.getMessage() + "; is another master (or program) using that port? Choose another with"
                        + " MasterConfig.port", e);
            }
            try {
                InetSocketAddress bound = listener.localAddress();
                JoinInfo join = new JoinInfo(token, config.advertisedHost().orElseGet(() -> advertised(bound)),
                        bound.getPort());
                config.joinFile().ifPresent(file -> JoinFiles.write(file, join));
                Master master = new Master(config, listener, tokens, ports, join, restarted);
                LOG.log(Level.INFO, "master listening on {0}, link ports {1}{2}{3}", Addresses.text(bound),
                        config.portRange(), config.joinFile().map(f -> ", join file " + f.toAbsolutePath()).orElse(""),
                        restarted ? "; restarted with its old token, it waits " + config.rejoinGrace().toMillis()
                                + " ms for nodes to rejoin before it brokers links" : "");
                return master;
            } catch (RuntimeException e) {
                try {
                    listener.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (RuntimeException e) {
            try {
                tokens.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static String settleToken(MasterConfig config, TokenStore tokens) {
        if (config.token().isPresent()) {
            tokens.add(config.token().get());
            return config.token().get();
        }
        List<String> live = tokens.tokens();
        return live.isEmpty() ? tokens.issue() : live.getFirst();
    }

    /** The address to put in join.json when none is configured: the bound one, or this host's for a wildcard. */
    private static String advertised(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (address != null && !address.isAnyLocalAddress()) {
            return address.getHostAddress();
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress().getHostAddress();
        }
    }

    MasterConfig config() {
        return config;
    }

    Future<?> schedule(Runnable task, long millis) {
        return Threads.schedule(timer, task, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Accepts connections and hands each to a session thread at once: the transport's handshake,
     * if it has one, runs there, never here.
     */
    private void accept() {
        while (!closed) {
            Transport.Connection connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // Out of file descriptors, for example: say so, and do not spin.
                LOG.log(Level.WARNING, "accepting a connection failed: {0}", e.toString());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                continue;
            }
            Session session = new Session(this, connection);
            sessions.add(session);
            try {
                sessionThreads.execute(session::run);
            } catch (RejectedExecutionException e) {
                sessions.remove(session);
                closeQuietly(connection);
            }
        }
    }

    /**
     * Makes one change to the book under the lock and queues the messages it decided on, in the
     * book's order (queueing never blocks and encodes nothing: each message is encoded once, by
     * the first writer that sends it); then, without the lock, gives ports back, closes what is to
     * be closed, and publishes the events.
     */
    private void change(Supplier<Outcome> change) {
        Outcome outcome;
        lock.lock();
        try {
            outcome = change.get();
            Map<Control, EncodedOnce> shared = new IdentityHashMap<>();
            for (Outcome.Send send : outcome.sends) {
                send.to().post(shared.computeIfAbsent(send.message(), EncodedOnce::new));
            }
        } finally {
            lock.unlock();
        }
        for (Outcome.Release release : outcome.releases) {
            ports.release(release.host(), release.port());
        }
        for (Outcome.Close close : outcome.closes) {
            close.session().close(close.reason());
        }
        outcome.events.forEach(events::publish);
    }

    // ---------------------------------------------------------------- authentication

    /**
     * Checks a node's AUTH and registers it.
     *
     * @return true if the node is registered; false if the session is being closed
     * @throws ProtocolException if the AUTH is malformed
     */
    boolean authenticate(Session session, Control.Auth auth, byte[] nonce) {
        if (auth.version() < Control.MIN_VERSION || auth.version() > Control.VERSION) {
            session.sendAndClose(new Control.Fault(Control.Fault.UNSUPPORTED_VERSION, "this master speaks protocol"
                    + " versions " + Control.MIN_VERSION + " to " + Control.VERSION + ", the node asked for "
                    + auth.version() + ": run the same CPCluster version on both"), "unsupported protocol version");
            return false;
        }
        byte[] proof;
        NodeId id;
        Set<String> tasks = new HashSet<>();
        List<Book.Claim> claims;
        try {
            proof = Secrets.fromBase64(auth.proof());
            id = new NodeId(auth.nodeId());
            NodeConfig.checkName(auth.name());
            auth.tasks().forEach(task -> tasks.add(TaskBinding.checkTaskName(task)));
            checkHost(auth.advertisedHost());
            claims = claims(id, auth.links());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed AUTH: " + e.getMessage(), e);
        }
        if (!tokens.verify(nonce, proof)) {
            authFailures.incrementAndGet();
            InetAddress from = session.remote().getAddress();
            LOG.log(Level.WARNING, "refused a node named ''{0}'' from {1}: its token proof is wrong",
                    ControlCodec.quote(auth.name()), Addresses.text(session.remote()));
            session.pause(throttle.failed(from));
            session.sendAndClose(new Control.AuthFailed("the master refused this node's token proof: the node does"
                    + " not hold the master's token. Give it the join.json the master wrote, or set"
                    + " CPCLUSTER_TOKEN to the master's token"), "authentication failed");
            return false;
        }
        throttle.succeeded(session.remote().getAddress());
        String host = auth.advertisedHost() != null ? auth.advertisedHost()
                : session.remote().getAddress().getHostAddress();
        // Milliseconds, as the wire carries them, so that every node sees the same NodeInfo.
        NodeInfo node = new NodeInfo(id, auth.name(), host, tasks, Instant.now().truncatedTo(ChronoUnit.MILLIS));
        Set<Book.Claim> reserved = reserve(id, claims);
        change(() -> {
            if (closed) {
                Outcome refused = new Outcome().close(session, "the master is closing");
                reserved.forEach(claim -> refused.release(claim.host(), claim.port()));
                return refused;
            }
            return book.join(session, node, claims, reserved);
        });
        if (closed) {
            return false;
        }
        nodesAuthenticated.incrementAndGet();
        LOG.log(Level.INFO, "node {0} joined from {1}, serving {2}{3}", node.label(),
                Addresses.text(session.remote()), node.tasks(),
                claims.isEmpty() ? "" : ", reporting " + claims.size() + " open link(s)");
        return true;
    }

    /** Reserves, outside the lock, the ports of the claims the book will need them for. */
    private Set<Book.Claim> reserve(NodeId node, List<Book.Claim> claims) {
        if (claims.isEmpty()) {
            return Set.of();
        }
        List<Book.Claim> wanted;
        lock.lock();
        try {
            wanted = book.toReserve(node, claims);
        } finally {
            lock.unlock();
        }
        Set<Book.Claim> reserved = new HashSet<>();
        for (Book.Claim claim : wanted) {
            if (ports.reserve(claim.host(), claim.port())) {
                reserved.add(claim);
            }
        }
        return reserved;
    }

    private static List<Book.Claim> claims(NodeId node, List<Control.LinkClaim> reported) {
        List<Book.Claim> claims = new ArrayList<>();
        for (Control.LinkClaim claim : reported) {
            Book.Claim checked = new Book.Claim(new LinkId(claim.linkId()), new NodeId(claim.initiator()),
                    new NodeId(claim.acceptor()), claim.host(), claim.port());
            checkHost(checked.host());
            if (!checked.initiator().equals(node) && !checked.acceptor().equals(node)) {
                throw new IllegalArgumentException("a reported link " + checked.id() + " has this node at neither end");
            }
            claims.add(checked);
        }
        return claims;
    }

    /** An advertised host is optional; when present it is a plain host name or address. */
    private static void checkHost(String host) {
        if (host != null && (host.isEmpty() || host.length() > 255
                || host.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '/'))) {
            throw new IllegalArgumentException("advertisedHost is not a host name or address");
        }
    }

    // ---------------------------------------------------------------- requests from nodes

    /** Handles one message from an authenticated node, on its session's reader. */
    void handle(Session session, Control message) {
        switch (message) {
            case Control.Ping m -> session.send(new Control.Pong(m.time()));
            case Control.Tasks m -> updateTasks(session, m);
            case Control.LinkRequest m -> requestLink(session, m);
            case Control.LinkReady m -> linkReady(session, m);
            case Control.LinkBindFailed m -> linkBindFailed(session, m);
            case Control.LinkUp m -> change(() -> book.up(session, m));
            case Control.LinkDown m -> change(() -> book.down(session, m));
            case Control.Bye m -> session.close(ControlCodec.quote(m.reason()));
            default -> throw new ProtocolException(ControlCodec.wireType(message.getClass())
                    + " is not a message a node sends to the master");
        }
    }

    private void updateTasks(Session session, Control.Tasks message) {
        Set<String> tasks = new HashSet<>();
        try {
            message.tasks().forEach(task -> tasks.add(TaskBinding.checkTaskName(task)));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed TASKS: " + e.getMessage(), e);
        }
        change(() -> book.tasks(session, tasks));
    }

    private void requestLink(Session session, Control.LinkRequest request) {
        long graceLeft = rejoinGraceEnd - System.nanoTime();
        if (graceLeft > 0) {
            // Just restarted: nodes are still reporting the links they kept, and their ports must
            // not be handed out again. Come back when the grace is over.
            schedule(() -> {
                boolean current;
                lock.lock();
                try {
                    current = book.current(session);
                } finally {
                    lock.unlock();
                }
                if (current) {
                    requestLink(session, request);
                }
            }, TimeUnit.NANOSECONDS.toMillis(graceLeft) + 1);
            return;
        }
        NodeId target;
        try {
            target = new NodeId(request.target());
        } catch (IllegalArgumentException e) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.INVALID,
                    ControlCodec.quote(e.getMessage())));
            return;
        }
        if (target.equals(session.node().id())) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.INVALID,
                    "a node cannot open a link to itself"));
            return;
        }
        Session acceptor;
        String nodesNow;
        lock.lock();
        try {
            acceptor = book.session(target);
            nodesNow = acceptor == null ? book.describeNodes() : null;
        } finally {
            lock.unlock();
        }
        if (acceptor == null) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.NO_SUCH_NODE,
                    "no node with id " + target + " is connected to the master; connected nodes: " + nodesNow));
            return;
        }
        int port;
        try {
            port = ports.allocate(acceptor.node().host());
        } catch (PortsExhaustedException e) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.PORTS_EXHAUSTED,
                    e.getMessage()));
            return;
        }
        linksBrokered.incrementAndGet();
        LinkId id = new LinkId(HexFormat.of().formatHex(Secrets.randomBytes(8)));
        String ticket = Secrets.newSecret();
        change(() -> book.offer(session, request.requestId(), acceptor, id, port, ticket));
    }

    private void linkReady(Session session, Control.LinkReady ready) {
        int dialPort = ports.dialPort(session.node().host(), ready.port());
        change(() -> book.ready(session, ready, dialPort));
    }

    private void linkBindFailed(Session session, Control.LinkBindFailed failed) {
        Brokered link;
        lock.lock();
        try {
            link = book.pending(session, failed.linkId(), failed.port());
        } finally {
            lock.unlock();
        }
        if (link == null) {
            return;
        }
        LOG.log(Level.DEBUG, "{0} could not bind port {1} for link {2}: {3}", session.label(), failed.port(),
                link.id, ControlCodec.quote(failed.reason()));
        int next = 0;
        String exhausted = "";
        try {
            next = ports.allocate(link.host);
        } catch (PortsExhaustedException e) {
            exhausted = e.getMessage();
        }
        int newPort = next;
        String why = exhausted;
        change(() -> book.bindFailed(link, failed, newPort, why));
    }

    /** The timer's sweep: silent nodes are dropped, links that missed their deadline closed. */
    private void sweep() {
        long now = System.nanoTime();
        long timeout = config.heartbeatTimeout().toNanos();
        for (Session session : sessions) {
            if (session.node() != null && now - session.lastHeard() > timeout) {
                LOG.log(Level.WARNING, "dropping {0}: not heard from for {1} ms", session.label(),
                        TimeUnit.NANOSECONDS.toMillis(now - session.lastHeard()));
                session.close("not heard from within the heartbeat timeout (" + config.heartbeatTimeout().toMillis()
                        + " ms): it is dead, frozen, or cut off");
            }
        }
        change(() -> book.expire(now));
    }

    // ---------------------------------------------------------------- sessions ending

    void protocolError(Session session, ProtocolException error) {
        protocolErrors.incrementAndGet();
        LOG.log(Level.WARNING, "closing {0}: {1}", session.label(), error.getMessage());
    }

    /** A connection ended: if it was a node, it leaves, its links close and their ports come back. */
    void sessionEnded(Session session, String reason) {
        sessions.remove(session);
        if (session.node() == null) {
            return;
        }
        boolean[] left = new boolean[1];
        change(() -> {
            Outcome outcome = book.leave(session, reason);
            left[0] = !outcome.events.isEmpty();
            return outcome;
        });
        if (left[0]) {
            LOG.log(Level.INFO, "node {0} left: {1}", session.label(), reason);
        }
    }

    // ---------------------------------------------------------------- the API

    @Override
    public InetSocketAddress address() {
        return listener.localAddress();
    }

    @Override
    public JoinInfo joinInfo() {
        return joinInfo;
    }

    @Override
    public List<NodeInfo> nodes() {
        lock.lock();
        try {
            return book.nodes();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<LinkInfo> links() {
        lock.lock();
        try {
            return book.openLinks();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public MasterStats stats() {
        List<String> hosts;
        int nodes;
        int open;
        int all;
        lock.lock();
        try {
            hosts = book.hosts();
            nodes = book.nodeCount();
            open = book.openLinkCount();
            all = book.linkCount();
        } finally {
            lock.unlock();
        }
        Map<String, SortedSet<Integer>> inUse = new LinkedHashMap<>();
        hosts.forEach(host -> inUse.put(host, ports.inUse(host)));
        return new MasterStats(sessions.size(), nodes, open, all - open, inUse, nodesAuthenticated.get(),
                authFailures.get(), linksBrokered.get(), protocolErrors.get(), events.dropped());
    }

    @Override
    public Subscription subscribe(ClusterListener listener) {
        return events.subscribe(listener);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        closeQuietly(listener);
        sessions.forEach(session -> session.close("the master closed"));
        Threads.join(acceptor, CLOSE_TIMEOUT);
        Threads.shutdown(sessionThreads, CLOSE_TIMEOUT);
        timer.shutdownNow();
        events.close(CLOSE_TIMEOUT);
        try {
            tokens.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing the token store failed", e);
        }
        LOG.log(Level.INFO, "master on {0} closed", Addresses.text(listener.localAddress()));
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing failed", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterMaster[" + Addresses.text(listener.localAddress()) + "]";
    }
}
