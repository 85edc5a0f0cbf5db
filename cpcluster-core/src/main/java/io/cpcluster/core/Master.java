package io.cpcluster.core;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterException;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.JoinInfo;
import io.cpcluster.LinkClosed;
import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.LinkOpened;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.PortsExhaustedException;
import io.cpcluster.ProtocolException;
import io.cpcluster.Subscription;
import io.cpcluster.TaskBinding;
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
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * The master: authenticates nodes, keeps the node list, brokers links and keeps the port book.
 *
 * <p>Each connection is a {@link Session} on its own virtual threads. All cluster state (nodes,
 * links, the hosts ports were taken on) is guarded by one lock, held only for bookkeeping and
 * for queueing messages (which never blocks); events are published after it is released, so a
 * listener may call back into the master.
 */
final class Master implements ClusterMaster {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    /** How long close() waits for each group of threads. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Nodes per NODES frame, which keeps each well under the control frame limit. */
    static final int NODES_PER_PAGE = 50;

    private final MasterConfig config;
    private final Transport.Listener listener;
    private final TokenStore tokens;
    private final PortAllocator ports;
    private final JoinInfo joinInfo;
    private final AuthThrottle throttle;
    private final Events events = new Events("cpcluster-master-events");
    private final ScheduledThreadPoolExecutor timer = Threads.timer("cpcluster-master-timer");
    private final ExecutorService sessionThreads = Threads.perTask("cpcluster-master-session");
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<NodeId, Session> nodes = new LinkedHashMap<>();
    private final Map<LinkId, Brokered> links = new LinkedHashMap<>();
    private final Set<String> hosts = new TreeSet<>();
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
        this.throttle = new AuthThrottle(config.authFailureDelay());
        this.rejoinGraceEnd = System.nanoTime() + (restarted ? config.rejoinGrace().toNanos() : 0);
        long sweep = Math.max(20, config.heartbeatTimeout().toMillis() / 5);
        timer.scheduleWithFixedDelay(this::dropSilentNodes, sweep, sweep, TimeUnit.MILLISECONDS);
        this.acceptor = Threads.startVirtual("cpcluster-master-accept-" + Addresses.text(listener.localAddress()),
                this::accept);
    }

    /** Binds, settles the token, writes the join file, and starts accepting nodes. */
    static Master start(MasterConfig config) {
        TokenStore tokens = config.tokenStore().create(config);
        PortAllocator ports = config.portAllocator().create(config);
        // A token already in the store means this master ran before: nodes may come back with links.
        boolean restarted = config.token().isEmpty() && !tokens.tokens().isEmpty();
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
            try {
                Session session = new Session(this, connection);
                sessions.add(session);
                sessionThreads.execute(session::run);
            } catch (IOException | RejectedExecutionException e) {
                closeQuietly(connection);
            }
        }
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
        List<Claim> claims;
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
                    printable(auth.name()), Addresses.text(session.remote()));
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
        List<ClusterEvent> published = new ArrayList<>();
        boolean rejoined;
        lock.lock();
        try {
            if (closed) {
                session.close("the master is closing");
                return false;
            }
            Session previous = nodes.get(id);
            rejoined = previous != null;
            if (rejoined) {
                // The node reconnected before this master noticed its old connection was gone (or
                // another process claims its id, which only a holder of the token can). The new
                // connection takes over; the links it reports stay open.
                previous.close("replaced by a new connection from the same node");
            }
            session.node(node);
            nodes.put(id, session);
            reconcile(session, claims, published);
            List<Control.WireNode> others = nodes.values().stream().filter(other -> other != session)
                    .map(other -> Control.WireNode.of(other.node())).toList();
            session.send(new Control.AuthOk(Control.VERSION, Control.WireNode.of(node),
                    config.heartbeatTimeout().toMillis()));
            for (int from = 0; from < others.size() || from == 0; from += NODES_PER_PAGE) {
                int to = Math.min(others.size(), from + NODES_PER_PAGE);
                session.send(new Control.NodeList(others.subList(from, to), to < others.size()));
            }
            Control announcement = rejoined ? new Control.NodeUpdate(Control.WireNode.of(node))
                    : new Control.NodeJoin(Control.WireNode.of(node));
            nodes.values().stream().filter(other -> other != session).forEach(other -> other.send(announcement));
        } finally {
            lock.unlock();
        }
        nodesAuthenticated.incrementAndGet();
        LOG.log(Level.INFO, "node {0} {1} from {2}, serving {3}{4}", node.label(), rejoined ? "reconnected" : "joined",
                Addresses.text(session.remote()), node.tasks(),
                claims.isEmpty() ? "" : ", reporting " + claims.size() + " open link(s)");
        if (!rejoined) {
            published.addFirst(new NodeJoined(node));
        }
        published.forEach(events::publish);
        return true;
    }

    /** A link a rejoining node reports, checked. */
    private record Claim(LinkId id, NodeId initiator, NodeId acceptor, String host, int port) {
        NodeId peerOf(NodeId node) {
            return initiator.equals(node) ? acceptor : initiator;
        }
    }

    private static List<Claim> claims(NodeId node, List<Control.LinkClaim> reported) {
        List<Claim> claims = new ArrayList<>();
        for (Control.LinkClaim claim : reported) {
            Claim checked = new Claim(new LinkId(claim.linkId()), new NodeId(claim.initiator()),
                    new NodeId(claim.acceptor()), claim.host(), claim.port());
            checkHost(checked.host());
            if (!checked.initiator().equals(node) && !checked.acceptor().equals(node)) {
                throw new IllegalArgumentException("a reported link " + checked.id() + " has this node at neither end");
            }
            claims.add(checked);
        }
        return claims;
    }

    /**
     * Squares a (re)joining node's report of its open links with the book: links the book has and
     * the node reports are its again; links the book has and the node does not report are closed;
     * links the node reports that the book lacks (after a master restart) are entered and their
     * ports reserved, and open once the other end reports them too. A link the other end, already
     * connected, did not report is gone: the node is told. Call with the lock held.
     */
    private void reconcile(Session session, List<Claim> claims, List<ClusterEvent> published) {
        NodeId node = session.node().id();
        Map<LinkId, Claim> reported = new LinkedHashMap<>();
        claims.forEach(claim -> reported.put(claim.id(), claim));
        for (Brokered link : List.copyOf(links.values())) {
            if (!link.involves(node)) {
                continue;
            }
            if (reported.remove(link.id) == null) {
                closeLink(link, session.node().label() + " rejoined without this link", session, published);
                continue;
            }
            link.rebind(node, session);
            if (link.state == Brokered.State.CLAIMED && link.bothPresent()) {
                link.state = Brokered.State.OPEN;
                link.openedAt = Instant.now();
                link.deadline.cancel(false);
                published.add(new LinkOpened(link.info()));
            }
        }
        for (Claim claim : reported.values()) {
            Session peer = nodes.get(claim.peerOf(node));
            if (peer != null) {
                session.send(new Control.LinkDown(claim.id().value(), peer.node().label()
                        + ", the other end, no longer has this link"));
                continue;
            }
            if (!ports.reserve(claim.host(), claim.port())) {
                session.send(new Control.LinkDown(claim.id().value(), "port " + claim.port() + " on host "
                        + claim.host() + " is taken by another link in the master's book"));
                continue;
            }
            hosts.add(claim.host());
            Brokered link = Brokered.claimed(claim.id(), claim.initiator(), claim.acceptor(), claim.host(),
                    claim.port());
            link.rebind(node, session);
            long wait = 2 * Math.max(config.rejoinGrace().toMillis(), config.heartbeatTimeout().toMillis());
            link.deadline = schedule(() -> expire(link, "the other end did not rejoin within " + wait + " ms"), wait);
            links.put(link.id, link);
        }
    }

    /** An advertised host is optional; when present it is a plain host name or address. */
    private static void checkHost(String host) {
        if (host != null && (host.isEmpty() || host.length() > 255
                || host.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '/'))) {
            throw new IllegalArgumentException("advertisedHost is not a host name or address");
        }
    }

    private static String printable(String text) {
        String clean = text.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 64 ? clean.substring(0, 64) + "..." : clean;
    }

    // ---------------------------------------------------------------- requests from nodes

    /** Handles one message from an authenticated node. */
    void handle(Session session, Control message) {
        switch (message) {
            case Control.Ping m -> session.send(new Control.Pong(m.time()));
            case Control.Tasks m -> updateTasks(session, m);
            case Control.LinkRequest m -> requestLink(session, m);
            case Control.LinkReady m -> linkReady(session, m);
            case Control.LinkBindFailed m -> linkBindFailed(session, m);
            case Control.LinkUp m -> linkUp(session, m);
            case Control.LinkDown m -> linkDown(session, m);
            case Control.Bye m -> session.close(m.reason());
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
        lock.lock();
        try {
            NodeInfo old = session.node();
            NodeInfo updated = new NodeInfo(old.id(), old.name(), old.host(), tasks, old.joinedAt());
            session.node(updated);
            Control.NodeUpdate update = new Control.NodeUpdate(Control.WireNode.of(updated));
            nodes.values().stream().filter(other -> other != session).forEach(other -> other.send(update));
        } finally {
            lock.unlock();
        }
    }

    private void requestLink(Session session, Control.LinkRequest request) {
        long graceLeft = rejoinGraceEnd - System.nanoTime();
        if (graceLeft > 0) {
            // Just restarted: nodes are still reporting the links they kept, and their ports must
            // not be handed out again. Come back when the grace is over.
            schedule(() -> {
                if (session.node() != null && nodes.get(session.node().id()) == session) {
                    requestLink(session, request);
                }
            }, TimeUnit.NANOSECONDS.toMillis(graceLeft) + 1);
            return;
        }
        NodeId target;
        try {
            target = new NodeId(request.target());
        } catch (IllegalArgumentException e) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.INVALID, e.getMessage()));
            return;
        }
        if (target.equals(session.node().id())) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.INVALID,
                    "a node cannot open a link to itself"));
            return;
        }
        lock.lock();
        try {
            Session acceptor = nodes.get(target);
            if (acceptor == null) {
                session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.NO_SUCH_NODE,
                        "no node with id " + target + " is connected to the master; connected nodes: "
                                + describeNodes()));
                return;
            }
            String host = acceptor.node().host();
            int port;
            try {
                port = ports.allocate(host);
            } catch (PortsExhaustedException e) {
                session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.PORTS_EXHAUSTED,
                        e.getMessage()));
                return;
            }
            hosts.add(host);
            Brokered link = Brokered.offered(new LinkId(HexFormat.of().formatHex(Secrets.randomBytes(8))), session,
                    acceptor, request.requestId(), host, port, Secrets.newSecret());
            links.put(link.id, link);
            linksBrokered.incrementAndGet();
            // The acceptor waits ticketTimeout for the initiator; give both ends as long again to report.
            long wait = 2 * config.ticketTimeout().toMillis();
            link.deadline = schedule(() -> expire(link, "the link did not open within " + wait + " ms"), wait);
            acceptor.send(offer(link));
        } finally {
            lock.unlock();
        }
    }

    private Control.LinkOffer offer(Brokered link) {
        return new Control.LinkOffer(link.id.value(), Control.WireNode.of(link.initiator.node()), link.port,
                link.ticket, config.ticketTimeout().toMillis());
    }

    private String describeNodes() {
        if (nodes.isEmpty()) {
            return "none";
        }
        String listed = nodes.values().stream().limit(10).map(s -> s.node().label()).collect(Collectors.joining(", "));
        return nodes.size() > 10 ? listed + " and " + (nodes.size() - 10) + " more" : listed;
    }

    private void linkReady(Session session, Control.LinkReady ready) {
        lock.lock();
        try {
            Brokered link = pending(session, ready.linkId(), ready.port());
            if (link == null) {
                return;
            }
            link.state = Brokered.State.ASSIGNED;
            releaseUnbindable(link);
            link.initiator.send(new Control.LinkAssigned(link.requestId, link.id.value(),
                    Control.WireNode.of(link.acceptor.node()), link.host, link.port, link.ticket));
        } finally {
            lock.unlock();
        }
    }

    private void linkBindFailed(Session session, Control.LinkBindFailed failed) {
        lock.lock();
        try {
            Brokered link = pending(session, failed.linkId(), failed.port());
            if (link == null) {
                return;
            }
            LOG.log(Level.DEBUG, "{0} could not bind port {1} for link {2}: {3}", session.label(), link.port,
                    link.id, failed.reason());
            link.unbindable.add(link.port);
            try {
                link.port = ports.allocate(link.host);
            } catch (PortsExhaustedException e) {
                int unbindable = link.unbindable.size();
                remove(link);
                link.initiator.send(new Control.LinkRejected(link.requestId, Control.LinkRejected.PORTS_EXHAUSTED,
                        "no free port for a link to " + link.acceptor.node().label() + " on host " + link.host + ": "
                                + unbindable + " of the range " + config.portRange() + " could not be bound there"
                                + " (other programs hold them; the last said: " + failed.reason() + ") and the rest"
                                + " are in use by links. Free some, or widen the master's port range"
                                + " (MasterConfig.portRange)"));
                return;
            }
            session.send(offer(link));
        } finally {
            lock.unlock();
        }
    }

    /** The link this acceptor message is about, if it is still waiting for it; null for stale messages. */
    private Brokered pending(Session session, String linkId, int port) {
        Brokered link = find(linkId);
        if (link == null || link.acceptor != session || link.state != Brokered.State.OFFERED || link.port != port) {
            LOG.log(Level.DEBUG, "ignoring a stale message from {0} about link {1}", session.label(),
                    printable(linkId));
            return null;
        }
        return link;
    }

    private Brokered find(String linkId) {
        try {
            return links.get(new LinkId(linkId));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void linkUp(Session session, Control.LinkUp up) {
        LinkInfo opened = null;
        lock.lock();
        try {
            Brokered link = find(up.linkId());
            if (link == null || !link.involves(session) || link.state == Brokered.State.OPEN
                    || link.state == Brokered.State.CLAIMED) {
                return;
            }
            if (session == link.initiator) {
                link.initiatorUp = true;
            } else {
                link.acceptorUp = true;
            }
            if (link.initiatorUp && link.acceptorUp) {
                link.state = Brokered.State.OPEN;
                link.openedAt = Instant.now();
                link.deadline.cancel(false);
                opened = link.info();
            }
        } finally {
            lock.unlock();
        }
        if (opened != null) {
            LOG.log(Level.DEBUG, "link {0} open: {1} -> {2}:{3}", opened.id(), opened.initiator(), opened.host(),
                    opened.port());
            events.publish(new LinkOpened(opened));
        }
    }

    private void linkDown(Session session, Control.LinkDown down) {
        List<ClusterEvent> published = new ArrayList<>();
        lock.lock();
        try {
            Brokered link = find(down.linkId());
            if (link == null || !link.involves(session)) {
                return;
            }
            closeLink(link, "closed by " + session.node().label() + ": " + down.reason(), session, published);
        } finally {
            lock.unlock();
        }
        published.forEach(events::publish);
    }

    /** The deadline of a link that did not open in time, or whose other end did not rejoin in time. */
    private void expire(Brokered link, String reason) {
        List<ClusterEvent> published = new ArrayList<>();
        lock.lock();
        try {
            if (links.get(link.id) != link || link.state == Brokered.State.OPEN) {
                return;
            }
            closeLink(link, reason, null, published);
        } finally {
            lock.unlock();
        }
        published.forEach(events::publish);
    }

    /**
     * Closes a brokered link: releases its ports, tells the ends that did not close it, and
     * answers the initiator if it is still waiting. Call with the lock held.
     *
     * @param by the end that closed it, or null
     */
    private void closeLink(Brokered link, String reason, Session by, List<ClusterEvent> published) {
        Brokered.State state = link.state;
        LinkInfo info = link.info();
        remove(link);
        Control.LinkDown down = new Control.LinkDown(link.id.value(), reason);
        if (state == Brokered.State.OFFERED) {
            if (link.initiator != by) {
                link.initiator.send(new Control.LinkRejected(link.requestId, Control.LinkRejected.PEER_UNAVAILABLE,
                        "the link to " + link.acceptor.node().label() + " could not be set up: " + reason));
            }
        } else if (link.initiator != null && link.initiator != by) {
            link.initiator.send(down);
        }
        if (link.acceptor != null && link.acceptor != by) {
            link.acceptor.send(down);
        }
        if (state == Brokered.State.OPEN) {
            published.add(new LinkClosed(info, reason));
        }
    }

    /** Forgets a link and releases every port it holds. Call with the lock held. */
    private void remove(Brokered link) {
        links.remove(link.id);
        if (link.deadline != null) {
            link.deadline.cancel(false);
        }
        releaseUnbindable(link);
        ports.release(link.host, link.port);
    }

    private void releaseUnbindable(Brokered link) {
        link.unbindable.forEach(port -> ports.release(link.host, port));
        link.unbindable.clear();
    }

    /** Drops every node not heard from within the heartbeat timeout (the timer runs this). */
    private void dropSilentNodes() {
        long timeout = config.heartbeatTimeout().toNanos();
        long now = System.nanoTime();
        for (Session session : sessions) {
            if (session.node() != null && now - session.lastHeard() > timeout) {
                LOG.log(Level.WARNING, "dropping {0}: not heard from for {1} ms", session.label(),
                        TimeUnit.NANOSECONDS.toMillis(now - session.lastHeard()));
                session.close("not heard from within the heartbeat timeout (" + config.heartbeatTimeout().toMillis()
                        + " ms): it is dead, frozen, or cut off");
            }
        }
    }

    // ---------------------------------------------------------------- sessions ending

    void protocolError(Session session, ProtocolException error) {
        protocolErrors.incrementAndGet();
        LOG.log(Level.WARNING, "closing {0}: {1}", session.label(), error.getMessage());
    }

    /** A connection ended: if it was a node, it leaves, its links close and their ports come back. */
    void sessionEnded(Session session, String reason) {
        sessions.remove(session);
        NodeInfo node = session.node();
        if (node == null) {
            return;
        }
        List<ClusterEvent> published = new ArrayList<>();
        lock.lock();
        try {
            if (nodes.get(node.id()) != session) {
                return;
            }
            nodes.remove(node.id());
            NodeInfo left = session.node();
            for (Brokered link : List.copyOf(links.values())) {
                if (link.involves(session)) {
                    closeLink(link, left.label() + " left: " + reason, session, published);
                }
            }
            Control.NodeLeave leave = new Control.NodeLeave(node.id().value(), reason);
            nodes.values().forEach(other -> other.send(leave));
            published.add(new NodeLeft(left, reason));
        } finally {
            lock.unlock();
        }
        LOG.log(Level.INFO, "node {0} left: {1}", node.label(), reason);
        published.forEach(events::publish);
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
            return nodes.values().stream().map(Session::node).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<LinkInfo> links() {
        lock.lock();
        try {
            return links.values().stream().filter(link -> link.state == Brokered.State.OPEN).map(Brokered::info)
                    .sorted(Comparator.comparing(LinkInfo::openedAt)).toList();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public MasterStats stats() {
        lock.lock();
        try {
            Map<String, SortedSet<Integer>> inUse = new LinkedHashMap<>();
            hosts.forEach(host -> inUse.put(host, ports.inUse(host)));
            int open = (int) links.values().stream().filter(link -> link.state == Brokered.State.OPEN).count();
            return new MasterStats(sessions.size(), nodes.size(), open, links.size() - open, inUse,
                    nodesAuthenticated.get(), authFailures.get(), linksBrokered.get(), protocolErrors.get());
        } finally {
            lock.unlock();
        }
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
