package io.cpcluster.core.master;

import io.cpcluster.LinkClosed;
import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.LinkOpened;
import io.cpcluster.MasterConfig;
import io.cpcluster.MembershipView;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The master's book: the nodes that joined, the links it brokered, and the hosts it took ports
 * on. A plain class with no I/O and no calls to the SPIs: each change returns an {@link Outcome}
 * (what to send to whom, what to publish, which ports to give back, which connections to close)
 * that the master carries out after it lets go of its lock. Port numbers come in already
 * allocated or reserved, and go out as releases.
 *
 * <p>It keeps each node within its {@link Quotas} (link requests unanswered, links it opened, how
 * often its task list is applied), and forgets a host as soon as no link in the book holds a port
 * there.
 *
 * <p>Not thread-safe: the master's lock guards every call.
 */
final class Book {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    /** The most nodes in one NODES frame. */
    static final int NODES_PER_PAGE = 50;
    /**
     * The most bytes the nodes of one NODES frame may take, by {@link #nodeBytes}: with the frame's
     * own few bytes, every page fits a 64 KiB frame, however large its nodes.
     */
    static final int PAGE_BYTES = 60 * 1024;

    private final MasterConfig config;
    /** Until when, in System.nanoTime(), the master takes claims of links it does not know: its rejoin grace. */
    private final long graceEndNanos;
    /** Joined nodes, in the order they joined, each with its session. */
    private final Map<NodeId, Session> nodes = new LinkedHashMap<>();
    private final Map<LinkId, Brokered> links = new LinkedHashMap<>();
    /** The links each node is an end of, so that a node's comings and goings touch only its own. */
    private final Map<NodeId, Set<Brokered>> linksOf = new HashMap<>();
    /**
     * The sessions that hear of membership changes, by view: one group for {@link MembershipView#all()},
     * one per distinct {@link MembershipView.Mode#TASKS} view; nodes that want none are in none.
     */
    private final Map<MembershipView, Set<Session>> viewers = new HashMap<>();
    /** The sessions serving each task, for {@code FIND_NODES}. */
    private final Map<String, IndexedSet<Session>> servers = new HashMap<>();
    /** Membership changes not told yet, one per node, in the order the nodes first changed. */
    private final Map<NodeId, Change> changes = new LinkedHashMap<>();
    /** What each node holds against what it may, and the hosts links hold ports on. */
    private final Quotas quotas;

    /**
     * @param graceEndNanos the end of the rejoin grace, in System.nanoTime(); now or earlier when
     *        the master was not restarted
     */
    Book(MasterConfig config, long graceEndNanos) {
        this.config = config;
        this.graceEndNanos = graceEndNanos;
        this.quotas = new Quotas(config);
    }

    /**
     * What changed about a node since the last {@code MEMBERS}: how viewers saw it then (null if
     * it was not joined), how it is now (null once it left), why it left, and how many bytes it
     * takes in a message ({@link #nodeBytes}).
     */
    private record Change(NodeInfo before, NodeInfo after, String reason, int bytes) {
    }

    /** A link a rejoining node reports, checked. */
    record Claim(LinkId id, NodeId initiator, NodeId acceptor, String host, int port) {
        NodeId peerOf(NodeId node) {
            return initiator.equals(node) ? acceptor : initiator;
        }
    }

    // ---------------------------------------------------------------- joining and leaving

    /**
     * The claims of a (re)joining node whose ports must be reserved before it joins: the links
     * the book lacks (the master restarted) and whose other end is not connected. Only during the
     * rejoin grace: after it, the book takes no claim of a link it does not know.
     */
    List<Claim> toReserve(NodeId node, List<Claim> claims) {
        if (!inGrace()) {
            return List.of();
        }
        return claims.stream().filter(claim -> !links.containsKey(claim.id()) && !nodes.containsKey(claim.peerOf(node)))
                .toList();
    }

    /** Whether the master is in its rejoin grace, when nodes may report links it never saw. */
    private boolean inGrace() {
        return System.nanoTime() - graceEndNanos < 0;
    }

    /**
     * Registers an authenticated node. A connection already registered for its id is replaced
     * (closed). Its claims are squared with the book (see {@link #reconcile}); {@code reserved}
     * are the claims whose ports the master reserved for it beforehand.
     *
     * @param tasksBytes how many bytes the node's task names take as JSON
     * @return the outcome; it answers {@code AUTH_OK} and the node list first, then anything about
     *         the node's claims, then tells the others
     */
    Outcome join(Session session, NodeInfo node, int tasksBytes, List<Claim> claims, Set<Claim> reserved,
                 MembershipView view) {
        Outcome outcome = new Outcome();
        Session previous = nodes.get(node.id());
        boolean rejoined = previous != null;
        if (rejoined) {
            // The node reconnected before this master noticed its old connection was gone (or
            // another process claims its id, which only a holder of the token can). The new
            // connection takes over; the links it reports stay open.
            outcome.close(previous, "replaced by a new connection from the same node");
            quotas.left(previous);
            unindex(previous);
        }
        session.node(node);
        session.view(view);
        nodes.put(node.id(), session);
        quotas.joined(session, tasksBytes, System.nanoTime());
        index(session);
        outcome.send(session, new Control.AuthOk(Control.VERSION, Control.WireNode.of(node),
                config.heartbeatTimeout().toMillis()));
        sendNodeList(session, outcome);
        if (!rejoined) {
            outcome.publish(new NodeJoined(node));
        }
        reconcile(session, claims, reserved, outcome);
        changed(rejoined ? previous.node() : null, session, null, outcome);
        return outcome;
    }

    /**
     * Sends a node that joined the others, in NODES pages of at most {@link #NODES_PER_PAGE}
     * nodes and {@link #PAGE_BYTES} bytes (a page holds at least one node), the last with
     * {@code more} false; always at least one page.
     */
    private void sendNodeList(Session session, Outcome outcome) {
        MembershipView view = session.view();
        List<List<Control.WireNode>> pages = pages(listed(view), other -> other != session
                && view.includes(other.node().tasks()));
        sendPages(session, pages, Control.NodeList::new, outcome);
    }

    /** The sessions a view may hold: a view of tasks takes their servers from the index, not every node. */
    private Iterable<Session> listed(MembershipView view) {
        return switch (view.mode()) {
            case NONE -> List.of();
            case ALL -> nodes.values();
            case TASKS -> {
                Set<Session> serving = new LinkedHashSet<>();
                for (String task : view.tasks()) {
                    IndexedSet<Session> servers = this.servers.get(task);
                    for (int i = 0; servers != null && i < servers.size(); i++) {
                        serving.add(servers.get(i));
                    }
                }
                yield serving;
            }
        };
    }

    /** Sends pages of nodes, each saying whether more follow; one empty page when there are none. */
    private static void sendPages(Session session, List<List<Control.WireNode>> pages,
                                  BiFunction<List<Control.WireNode>, Boolean, Control> page, Outcome outcome) {
        for (int i = 0; i < pages.size(); i++) {
            outcome.send(session, page.apply(pages.get(i), i < pages.size() - 1));
        }
        if (pages.isEmpty()) {
            outcome.send(session, page.apply(List.of(), false));
        }
    }

    /**
     * The nodes of these sessions that pass the filter, in pages of at most {@link #NODES_PER_PAGE} nodes and {@link #PAGE_BYTES} bytes (a page holds at least
     * one node).
     */
    private List<List<Control.WireNode>> pages(Iterable<Session> sessions, Predicate<Session> filter) {
        List<List<Control.WireNode>> pages = new ArrayList<>();
        List<Control.WireNode> page = new ArrayList<>();
        int bytes = 0;
        for (Session other : sessions) {
            if (!filter.test(other)) {
                continue;
            }
            int size = nodeBytes(other.node(), quotas.tasksBytes(other));
            if (!page.isEmpty() && (page.size() == NODES_PER_PAGE || bytes + size > PAGE_BYTES)) {
                pages.add(page);
                page = new ArrayList<>();
                bytes = 0;
            }
            page.add(Control.WireNode.of(other.node()));
            bytes += size;
        }
        if (!page.isEmpty()) {
            pages.add(page);
        }
        return pages;
    }

    // ---------------------------------------------------------------- membership news

    /** Enters a joined session in the view it hears through, and in the index of the tasks it serves. */
    private void index(Session session) {
        if (session.view().mode() != MembershipView.Mode.NONE) {
            viewers.computeIfAbsent(session.view(), view -> new LinkedHashSet<>()).add(session);
        }
        session.node().tasks().forEach(task -> servers.computeIfAbsent(task, t -> new IndexedSet<>()).add(session));
    }

    /** Takes a session out of its view and of the index of tasks. */
    private void unindex(Session session) {
        Set<Session> group = viewers.get(session.view());
        if (group != null && group.remove(session) && group.isEmpty()) {
            viewers.remove(session.view());
        }
        session.node().tasks().forEach(task -> {
            IndexedSet<Session> serving = servers.get(task);
            if (serving != null && serving.remove(session) && serving.isEmpty()) {
                servers.remove(task);
            }
        });
    }

    /**
     * Notes that a node changed (joined, changed its tasks, or left, when {@code reason} is not
     * null) for the next {@code MEMBERS}, and tells at once when the master gathers nothing.
     *
     * @param before how the node was before this change, or null if it was not joined
     */
    private void changed(NodeInfo before, Session session, String reason, Outcome outcome) {
        NodeInfo node = session.node();
        Change earlier = changes.get(node.id());
        NodeInfo told = earlier != null ? earlier.before() : before;
        changes.put(node.id(), reason != null
                ? new Change(told, null, reason, GONE_OVERHEAD_BYTES + node.id().value().length() + 3 * reason.length())
                : new Change(told, node, null, nodeBytes(node, quotas.tasksBytes(session))));
        if (config.membershipInterval().isZero()) {
            flushMembers(outcome);
        }
    }

    /** The bytes of a {@code MEMBERS} gone entry but its id and reason: {@code {"nodeId":"","reason":""},}. */
    private static final int GONE_OVERHEAD_BYTES = 32;

    /** Whether membership changes wait to be told. */
    boolean membersWaiting() {
        return !changes.isEmpty();
    }

    /**
     * Tells every view what changed in it since the last time, in {@code MEMBERS} frames of at most
     * {@link #PAGE_BYTES} bytes of nodes: each frame is made once per view, whatever the number of
     * nodes that hear through it.
     */
    Outcome flushMembers() {
        Outcome outcome = new Outcome();
        flushMembers(outcome);
        return outcome;
    }

    private void flushMembers(Outcome outcome) {
        if (changes.isEmpty()) {
            return;
        }
        for (Map.Entry<MembershipView, Set<Session>> group : viewers.entrySet()) {
            for (Control.Members frame : members(group.getKey())) {
                group.getValue().forEach(session -> outcome.send(session, frame));
            }
        }
        changes.clear();
    }

    /** The changes a view sees, in frames. */
    private List<Control.Members> members(MembershipView view) {
        List<Control.Members> frames = new ArrayList<>();
        List<Control.WireNode> present = new ArrayList<>();
        List<Control.Gone> gone = new ArrayList<>();
        int bytes = 0;
        for (Change change : changes.values()) {
            boolean wasIn = change.before() != null && view.includes(change.before().tasks());
            boolean isIn = change.after() != null && view.includes(change.after().tasks());
            if (!wasIn && !isIn) {
                continue;
            }
            if (present.size() + gone.size() > 0 && (present.size() + gone.size() == NODES_PER_PAGE
                    || bytes + change.bytes() > PAGE_BYTES)) {
                frames.add(new Control.Members(present, gone));
                present = new ArrayList<>();
                gone = new ArrayList<>();
                bytes = 0;
            }
            if (isIn) {
                present.add(Control.WireNode.of(change.after()));
            } else {
                NodeInfo node = change.before();
                gone.add(new Control.Gone(node.id().value(), change.after() == null ? change.reason()
                        : "it no longer serves any of the tasks this node's view names"));
            }
            bytes += change.bytes();
        }
        if (!present.isEmpty() || !gone.isEmpty()) {
            frames.add(new Control.Members(present, gone));
        }
        return frames;
    }

    /**
     * Answers {@code FIND_NODES}: every joined node, or at most {@link Control#MAX_FOUND} other
     * nodes serving the task, taken from a random place among them (so that many nodes asking
     * spread their work), in {@code NODES_FOUND} pages.
     */
    Outcome find(Session session, Control.FindNodes find) {
        Outcome outcome = new Outcome();
        List<List<Control.WireNode>> pages;
        if (find.task() == null) {
            pages = pages(nodes.values(), other -> true);
        } else {
            IndexedSet<Session> serving = servers.get(find.task());
            List<Session> found = new ArrayList<>();
            if (serving != null) {
                int start = ThreadLocalRandom.current().nextInt(serving.size());
                for (int i = 0; i < serving.size() && found.size() < Control.MAX_FOUND; i++) {
                    Session other = serving.get((start + i) % serving.size());
                    if (other != session) {
                        found.add(other);
                    }
                }
            }
            pages = pages(found, other -> true);
        }
        sendPages(session, pages, (nodes, more) -> new Control.NodesFound(find.requestId(), nodes, more), outcome);
        return outcome;
    }

    /**
     * More than the fields' names and punctuation of a node object, the longest {@code joinedAt},
     * its key's fingerprint and the message around it in a {@code MEMBERS} of one node take:
     * {@code {"type":"MEMBERS","nodes":[{"id":"","name":"","host":"","tasks":,"joinedAt":-9223372036854775808,"key":"sha256:<64 hex digits>"}],"gone":[]}}
     * is 188 bytes.
     */
    static final int NODE_OVERHEAD_BYTES = 208;

    /**
     * At least as many bytes as a node takes in a {@code MEMBERS} or {@code NODES_FOUND}, or
     * in a NODES page with its comma. Worked out from lengths, without encoding: JSON takes at most
     * 3 bytes for a character of a name or host (neither has control characters; a quote or
     * backslash takes 2, a character outside ASCII up to 3), an id is ASCII, and the rest takes
     * less than {@link #NODE_OVERHEAD_BYTES}.
     */
    static int nodeBytes(NodeInfo node, int tasksBytes) {
        return NODE_OVERHEAD_BYTES + node.id().value().length() + 3 * (node.name().length() + node.host().length())
                + tasksBytes;
    }

    /**
     * Squares a (re)joining node's report of its open links with the book: links the book has and
     * the node reports are its again; links the book has and the node does not report are closed;
     * links the node reports that the book lacks (after a master restart, during its rejoin grace)
     * are entered with the ports reserved for them, and open once the other end reports them too.
     * A link the other end, already connected, did not report is gone, and so is one the book lacks
     * after the grace, or whose port it could not reserve: the node is told.
     */
    private void reconcile(Session session, List<Claim> claims, Set<Claim> reserved, Outcome outcome) {
        NodeId node = session.node().id();
        Map<LinkId, Claim> reported = new LinkedHashMap<>();
        claims.forEach(claim -> reported.put(claim.id(), claim));
        for (Brokered link : List.copyOf(linksOf.getOrDefault(node, Set.of()))) {
            Claim claim = reported.remove(link.id);
            if (claim == null) {
                closeLink(link, session.node().label() + " rejoined without this link", session, outcome);
                continue;
            }
            if (reserved.contains(claim)) {
                // Reserved for a claim the book took meanwhile from the other end: not needed twice.
                outcome.release(claim.host(), claim.port());
            }
            link.rebind(node, session);
            if (link.state == Brokered.State.ASSIGNED) {
                // A node reports only links open on its side: the claim is its LINK_UP, which may
                // have been lost with its old connection.
                endUp(link, node.equals(link.initiatorId), outcome);
            } else if (link.state == Brokered.State.CLAIMED && link.bothPresent()) {
                open(link, outcome);
            }
        }
        for (Claim claim : reported.values()) {
            Session peer = nodes.get(claim.peerOf(node));
            boolean mine = reserved.contains(claim);
            if (peer != null) {
                if (mine) {
                    outcome.release(claim.host(), claim.port());
                }
                outcome.send(session, new Control.LinkDown(claim.id().value(), peer.node().label()
                        + ", the other end, no longer has this link"));
            } else if (!mine) {
                outcome.send(session, new Control.LinkDown(claim.id().value(), inGrace()
                        ? "port " + claim.port() + " on host " + claim.host() + " is taken by another link in the"
                                + " master's book (or is outside its port range)"
                        : "the master has no such link in its book (it closed it while this node was away, or never"
                                + " brokered it), and it takes links it does not know only during its rejoin grace"
                                + " after a restart"));
            } else {
                Brokered link = Brokered.claimed(claim.id(), claim.initiator(), claim.acceptor(), claim.host(),
                        claim.port());
                link.rebind(node, session);
                link.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(claimWaitMillis());
                add(link);
            }
        }
    }

    /** How long a claimed link waits for its other end to rejoin. */
    long claimWaitMillis() {
        return 2 * Math.max(config.rejoinGrace().toMillis(), config.heartbeatTimeout().toMillis());
    }

    /** How many departed nodes' keys the book remembers (the longest gone are forgotten first). */
    static final int MAX_DEPARTED_KEYS = 10_000;
    /** The keys of nodes that left, by id, so that no other key takes an id over once its node is gone. */
    private final LinkedHashMap<NodeId, String> departedKeys = new LinkedHashMap<>();

    /** The key a node that left had, if the book still remembers it; null otherwise. */
    String departedKey(NodeId node) {
        return departedKeys.get(node);
    }

    /** A connection ended: if it was a joined node, it leaves, its links close and their ports come back. */
    Outcome leave(Session session, String reason) {
        Outcome outcome = new Outcome();
        NodeInfo node = session.node();
        if (node == null || nodes.get(node.id()) != session) {
            return outcome;
        }
        nodes.remove(node.id());
        node.fingerprint().ifPresent(key -> {
            departedKeys.remove(node.id());
            departedKeys.put(node.id(), key);
            if (departedKeys.size() > MAX_DEPARTED_KEYS) {
                departedKeys.remove(departedKeys.keySet().iterator().next());
            }
        });
        quotas.left(session);
        unindex(session);
        for (Brokered link : List.copyOf(linksOf.getOrDefault(node.id(), Set.of()))) {
            if (link.involves(session)) {
                closeLink(link, node.label() + " left: " + reason, session, outcome);
            }
        }
        changed(node, session, reason, outcome);
        outcome.publish(new NodeLeft(node, reason));
        return outcome;
    }

    /**
     * What a task update changed: the outcome, and when the master must apply the list that
     * waits for its interval (in nanoseconds from now; negative when nothing new waits).
     */
    record TasksChange(Outcome outcome, long flushInNanos) {
    }

    /**
     * A node changed the tasks it serves. The list is applied (and the others told) at once when
     * the node's last list was applied at least {@link MasterConfig#taskUpdateInterval()} ago;
     * otherwise it waits, replacing any list that already waits, until {@link #flushTasks}.
     */
    TasksChange tasks(Session session, Quotas.TaskList tasks, long now) {
        Quotas.Pace pace = quotas.tasks(session, tasks, now);
        return new TasksChange(pace.now() != null ? applyTasks(session, pace.now()) : new Outcome(),
                pace.flushInNanos());
    }

    /** Applies the task list that waited for its interval, if the node is still here. */
    Outcome flushTasks(Session session, long now) {
        Quotas.TaskList tasks = quotas.flushTasks(session, now);
        return tasks != null ? applyTasks(session, tasks) : new Outcome();
    }

    private Outcome applyTasks(Session session, Quotas.TaskList tasks) {
        Outcome outcome = new Outcome();
        NodeInfo old = session.node();
        NodeInfo updated = new NodeInfo(old.id(), old.name(), old.host(), tasks.names(), old.joinedAt(),
                old.fingerprint());
        unindex(session);
        session.node(updated);
        index(session);
        changed(old, session, null, outcome);
        return outcome;
    }

    // ---------------------------------------------------------------- brokering (DESIGN §5)

    /** The session of a joined node, or null. */
    Session session(NodeId node) {
        return nodes.get(node);
    }

    /** Whether a session is still the one its node is joined with. */
    boolean current(Session session) {
        NodeInfo node = session.node();
        return node != null && nodes.get(node.id()) == session;
    }

    /**
     * Admits a node's link request (step 1) if the node is within its quotas (see
     * {@link Quotas#admit}); an admitted request counts until {@link #offer} or {@link #answer}.
     *
     * @return null when admitted; else the refusal to send
     */
    Control.LinkRejected admit(Session session, long requestId) {
        return quotas.admit(session, requestId);
    }

    /** Answers an admitted request that will not be offered. */
    Outcome answer(Session session, Control.LinkRejected rejected) {
        quotas.settle(session);
        return new Outcome().send(session, rejected);
    }

    /**
     * Brokers a link on a port the master allocated on the acceptor's host (step 2). When the
     * acceptor is no longer the node that was asked for, the port goes back and the initiator is
     * told.
     */
    Outcome offer(Session initiator, long requestId, Session acceptor, LinkId id, int port, String ticket) {
        Outcome outcome = new Outcome();
        String host = acceptor.node().host();
        quotas.settle(initiator);
        if (!current(initiator)) {
            return outcome.release(host, port);
        }
        if (!current(acceptor)) {
            return outcome.release(host, port).send(initiator, new Control.LinkRejected(requestId,
                    Control.LinkRejected.PEER_UNAVAILABLE, acceptor.node().label() + " left before the link was set up"));
        }
        Brokered link = Brokered.offered(id, initiator, acceptor, requestId, host, port, ticket);
        // The acceptor waits ticketTimeout for the initiator; give both ends as long again to report.
        link.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * config.ticketTimeout().toMillis());
        add(link);
        return outcome.send(acceptor, offer(link));
    }

    private Control.LinkOffer offer(Brokered link) {
        return new Control.LinkOffer(link.id.value(), Control.WireNode.of(link.initiator.node()), link.port,
                link.ticket, config.ticketTimeout().toMillis());
    }

    /** The link an acceptor's message is about, if it still waits for it; null for stale messages. */
    Brokered pending(Session session, String linkId, int port) {
        Brokered link = find(linkId);
        if (link == null || link.acceptor != session || link.state != Brokered.State.OFFERED || link.port != port) {
            LOG.log(Level.DEBUG, "ignoring a stale message from {0} about a link", session.label());
            return null;
        }
        return link;
    }

    /** The acceptor listens (step 3): tell the initiator where to dial (step 4). */
    Outcome ready(Session session, Control.LinkReady ready, int dialPort) {
        Outcome outcome = new Outcome();
        Brokered link = pending(session, ready.linkId(), ready.port());
        if (link == null) {
            return outcome;
        }
        state(link, Brokered.State.ASSIGNED);
        releaseUnbindable(link, outcome);
        return outcome.send(link.initiator, new Control.LinkAssigned(link.requestId, link.id.value(),
                Control.WireNode.of(link.acceptor.node()), link.host, dialPort, link.ticket,
                dialPort != link.port ? link.port : 0));
    }

    /**
     * The acceptor could not bind the port: offer it the new one the master allocated (the old
     * one is held aside until the link settles), or, when none was left ({@code newPort} 0),
     * give up the link.
     */
    Outcome bindFailed(Brokered link, Control.LinkBindFailed failed, int newPort, String exhausted) {
        Outcome outcome = new Outcome();
        if (links.get(link.id) != link || link.state != Brokered.State.OFFERED) {
            return newPort > 0 ? outcome.release(link.host, newPort) : outcome;
        }
        link.unbindable.add(link.port);
        if (newPort == 0) {
            int unbindable = link.unbindable.size();
            remove(link, outcome);
            return outcome.send(link.initiator, new Control.LinkRejected(link.requestId,
                    Control.LinkRejected.PORTS_EXHAUSTED, "no free port for a link to " + link.acceptor.node().label()
                            + " on host " + link.host + ": " + unbindable + " of the range " + config.portRange()
                            + " could not be bound there (other programs hold them; the last said: "
                            + failed.reason() + ") and the rest are in use by links (" + exhausted
                            + "). Free some, or widen the master's port range (MasterConfig.portRange)"));
        }
        link.port = newPort;
        return outcome.send(link.acceptor, offer(link));
    }

    /** One end says the link is up (step 6); open once both have. */
    Outcome up(Session session, Control.LinkUp up) {
        Outcome outcome = new Outcome();
        Brokered link = find(up.linkId());
        if (link == null || !link.involves(session) || link.state == Brokered.State.OPEN
                || link.state == Brokered.State.CLAIMED) {
            return outcome;
        }
        endUp(link, session == link.initiator, outcome);
        return outcome;
    }

    /** One end of a link being set up is up; the link opens once both are. */
    private void endUp(Brokered link, boolean initiator, Outcome outcome) {
        if (initiator) {
            link.initiatorUp = true;
        } else {
            link.acceptorUp = true;
        }
        if (link.initiatorUp && link.acceptorUp) {
            open(link, outcome);
        }
    }

    private void open(Brokered link, Outcome outcome) {
        state(link, Brokered.State.OPEN);
        link.openedAt = Instant.now();
        link.deadlineNanos = 0;
        LOG.log(Level.DEBUG, "link {0} open: {1} -> {2}:{3}", link.id, link.initiatorId, link.host, link.port);
        outcome.publish(new LinkOpened(link.info()));
    }

    /** One end closed the link, or could not open it (step 7). */
    Outcome down(Session session, Control.LinkDown down) {
        Outcome outcome = new Outcome();
        Brokered link = find(down.linkId());
        if (link != null && link.involves(session)) {
            // Quoted: what the master forwards stays a line, and far within the 64 KiB a node accepts.
            closeLink(link, "closed by " + session.node().label() + ": " + ControlCodec.quote(down.reason()), session,
                    outcome);
        }
        return outcome;
    }

    /** Closes the links that did not open in time, or whose other end did not rejoin in time. */
    Outcome expire(long now) {
        Outcome outcome = new Outcome();
        for (Brokered link : List.copyOf(links.values())) {
            if (link.deadlineNanos != 0 && now - link.deadlineNanos > 0 && link.state != Brokered.State.OPEN) {
                String reason = link.state == Brokered.State.CLAIMED
                        ? "the other end did not rejoin within " + claimWaitMillis() + " ms"
                        : "the link did not open within " + 2 * config.ticketTimeout().toMillis() + " ms";
                closeLink(link, reason, null, outcome);
            }
        }
        return outcome;
    }

    /**
     * Closes a brokered link: gives its ports back, tells the ends that did not close it, and
     * answers the initiator if it is still waiting.
     *
     * @param by the end that closed it, or null
     */
    private void closeLink(Brokered link, String reason, Session by, Outcome outcome) {
        Brokered.State state = link.state;
        LinkInfo info = link.info();
        remove(link, outcome);
        Control.LinkDown down = new Control.LinkDown(link.id.value(), reason);
        if (state == Brokered.State.OFFERED) {
            if (link.initiator != by) {
                outcome.send(link.initiator, new Control.LinkRejected(link.requestId,
                        Control.LinkRejected.PEER_UNAVAILABLE, "the link to " + link.acceptor.node().label()
                                + " could not be set up: " + reason));
            }
        } else if (link.initiator != null && link.initiator != by) {
            outcome.send(link.initiator, down);
        }
        if (link.acceptor != null && link.acceptor != by) {
            outcome.send(link.acceptor, down);
        }
        if (state == Brokered.State.OPEN) {
            outcome.publish(new LinkClosed(info, reason));
        }
    }

    /** Enters a link: it counts against its initiator's quota, and keeps its host known. */
    private void add(Brokered link) {
        links.put(link.id, link);
        linksOf.computeIfAbsent(link.initiatorId, node -> new LinkedHashSet<>()).add(link);
        linksOf.computeIfAbsent(link.acceptorId, node -> new LinkedHashSet<>()).add(link);
        quotas.added(link);
    }

    /** Moves a link on; one that leaves OFFERED no longer counts as its initiator's unanswered request. */
    private void state(Brokered link, Brokered.State state) {
        if (state != Brokered.State.OFFERED) {
            quotas.answered(link);
        }
        link.state = state;
    }

    /** Forgets a link and gives back every port it holds. */
    private void remove(Brokered link, Outcome outcome) {
        if (links.remove(link.id) == link) {
            quotas.removed(link);
            for (NodeId end : List.of(link.initiatorId, link.acceptorId)) {
                Set<Brokered> ends = linksOf.get(end);
                if (ends != null && ends.remove(link) && ends.isEmpty()) {
                    linksOf.remove(end);
                }
            }
        }
        releaseUnbindable(link, outcome);
        outcome.release(link.host, link.port);
    }

    private static void releaseUnbindable(Brokered link, Outcome outcome) {
        link.unbindable.forEach(port -> outcome.release(link.host, port));
        link.unbindable.clear();
    }

    Brokered find(String linkId) {
        try {
            return links.get(new LinkId(linkId));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- reading the book

    List<NodeInfo> nodes() {
        return nodes.values().stream().map(Session::node).toList();
    }

    int nodeCount() {
        return nodes.size();
    }

    List<LinkInfo> openLinks() {
        return links.values().stream().filter(link -> link.state == Brokered.State.OPEN).map(Brokered::info)
                .sorted(Comparator.comparing(LinkInfo::openedAt)).toList();
    }

    int linkCount() {
        return links.size();
    }

    int openLinkCount() {
        return (int) links.values().stream().filter(link -> link.state == Brokered.State.OPEN).count();
    }

    /** The hosts where links in the book hold ports, sorted. */
    List<String> hosts() {
        return quotas.hosts();
    }

    /** The first nodes, by label, for a message that lists who is connected. */
    String describeNodes() {
        if (nodes.isEmpty()) {
            return "none";
        }
        String listed = nodes.values().stream().limit(10).map(s -> s.node().label()).collect(Collectors.joining(", "));
        return nodes.size() > 10 ? listed + " and " + (nodes.size() - 10) + " more" : listed;
    }

    /** A snapshot of the joined sessions, for sweeps outside the lock. */
    List<Session> sessions() {
        return new ArrayList<>(nodes.values());
    }
}
