package io.cpcluster.core.master;

import io.cpcluster.LinkId;
import io.cpcluster.MasterConfig;
import io.cpcluster.MembershipView;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.TaskBinding;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.RepeatedWarning;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.TokenStore;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets nodes in: checks an {@code AUTH} (its version, its fields, the proof against the token
 * store, the transport identity of a node id already joined), reserves the ports of the links a
 * rejoining node reports, and registers the node in the book. Runs on the session's thread.
 */
final class Admission {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");

    private final MasterConfig config;
    private final Ledger ledger;
    private final TokenStore tokens;
    private final PortAllocator ports;
    private final AuthThrottle throttle;
    /** The master's TLS; null in plain TCP. */
    private final Tls tls;
    /** The fingerprint of the master's TLS key; null in plain TCP. */
    private final String masterKey;
    final AtomicLong authenticated = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    /** AUTHs refused unchecked, because their address had just sent wrong proofs. */
    final AtomicLong throttled = new AtomicLong();
    /** Taken by a (re)joining node that reports links, from reserving their ports to booking them. */
    private final ReentrantLock claimsInOrder = new ReentrantLock();
    /** Refusals are logged, but a flood of them is not: one line, then one every few seconds. */
    private final RepeatedWarning refusals = new RepeatedWarning(LOG, Duration.ofSeconds(5));

    Admission(MasterConfig config, Ledger ledger, TokenStore tokens, PortAllocator ports, Tls tls) {
        this.config = config;
        this.tls = tls;
        this.masterKey = tls == null ? null : tls.fingerprint();
        this.ledger = ledger;
        this.tokens = tokens;
        this.ports = ports;
        this.throttle = new AuthThrottle(config.authFailureDelay());
    }

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
        Quotas.TaskList tasks = tasks(auth.tasks(), "AUTH");
        List<Book.Claim> claims;
        MembershipView view;
        try {
            proof = Secrets.fromBase64(auth.proof());
            id = new NodeId(auth.nodeId());
            NodeConfig.checkName(auth.name());
            checkHost(auth.advertisedHost());
            claims = claims(id, auth.links());
            view = view(auth.view());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed AUTH: " + e.getMessage(), e);
        }
        if (tls != null && tls.hasAuthorities()) {
            try {
                tls.checkClient(session.certificates());
            } catch (CertificateException e) {
                refusals.log(() -> "refused a node named '" + ControlCodec.quote(auth.name()) + "' from "
                        + Addresses.text(session.remote()) + ": its certificate: " + e.getMessage());
                session.sendAndClose(new Control.AuthFailed("the master trusts certificates its authorities"
                        + " (MasterConfig.trustedCertificates) issued, and this node's was not: " + e.getMessage()
                        + ". Give the node a key pair they issued (NodeConfig.keyFiles)"), "certificate refused");
                return false;
            }
        }
        InetAddress from = session.remote().getAddress();
        long paused = throttle.admit(from);
        if (paused > 0) {
            // Attempts are limited, not answers: this proof is not even checked.
            throttled.incrementAndGet();
            refusals.log(() -> "refusing AUTHs from " + from.getHostAddress() + " unchecked for "
                    + TimeUnit.NANOSECONDS.toMillis(paused) + " ms more, after wrong token proofs from it");
            session.sendAndClose(new Control.AuthFailed("too many wrong token proofs from " + from.getHostAddress()
                    + ": the master checks no proof from that address for another "
                    + Math.max(1, TimeUnit.NANOSECONDS.toMillis(paused)) + " ms; check the node's token and try"
                    + " again later"), "authentication throttled");
            return false;
        }
        // Over TLS the proof covers both keys too: one relayed from another connection is worthless.
        if (!tokens.verify(Secrets.bound(nonce, masterKey, session.identity().orElse(null)), proof)) {
            failures.incrementAndGet();
            throttle.failed(from);
            refusals.log(() -> "refused a node named '" + ControlCodec.quote(auth.name()) + "' from "
                    + Addresses.text(session.remote()) + ": its token proof is wrong");
            session.sendAndClose(new Control.AuthFailed("the master refused this node's token proof: the node does"
                    + " not hold the master's token. Give it the join.json the master wrote, or set"
                    + " CPCLUSTER_TOKEN to the master's token"), "authentication failed");
            return false;
        }
        throttle.succeeded(from);
        if (!session.authenticated()) {
            return false;
        }
        String host = auth.advertisedHost() != null ? auth.advertisedHost()
                : session.remote().getAddress().getHostAddress();
        // Milliseconds, as the wire carries them, so that every node sees the same NodeInfo.
        NodeInfo node = new NodeInfo(id, auth.name(), host, tasks.names(),
                Instant.now().truncatedTo(ChronoUnit.MILLIS), masterKey == null ? Optional.empty() : session.identity());
        String[] refused = new String[1];
        // Both ends of a link report it after a master restart; were their reservations to race,
        // the loser would be told its port is taken by its own link. Nodes that report links join
        // one at a time (reservation and booking together); the book's lock is not held while the
        // port allocator runs.
        if (!claims.isEmpty()) {
            claimsInOrder.lock();
        }
        try {
            Set<Book.Claim> reserved = reserve(id, claims);
            ledger.change(book -> {
                refused[0] = ledger.closing() ? "the master is closing"
                        : identityRefusal(book.session(id), book.departedKey(id), id, session);
                if (refused[0] != null) {
                    Outcome outcome = new Outcome();
                    reserved.forEach(claim -> outcome.release(claim.host(), claim.port()));
                    return outcome;
                }
                return book.join(session, node, tasks.bytes(), claims, reserved, view);
            });
        } finally {
            if (!claims.isEmpty()) {
                claimsInOrder.unlock();
            }
        }
        if (refused[0] != null) {
            if (ledger.closing()) {
                session.close(refused[0]);
            } else {
                LOG.log(Level.WARNING, "refused {0} from {1}: {2}", node.label(), Addresses.text(session.remote()),
                        refused[0]);
                session.sendAndClose(new Control.AuthFailed(refused[0]), refused[0]);
            }
            return false;
        }
        authenticated.incrementAndGet();
        LOG.log(Level.INFO, "node {0} joined from {1}{2}, serving {3}{4}", node.label(),
                Addresses.text(session.remote()), session.identity().map(identity -> " as " + identity).orElse(""),
                node.tasks(), claims.isEmpty() ? "" : ", reporting " + claims.size() + " open link(s)");
        return true;
    }

    /**
     * A node id is bound to the transport identity it joined with: a new connection may take it
     * over only with the same identity, while the node is connected and after it left (for the
     * {@value Book#MAX_DEPARTED_KEYS} ids that left last); a transport that proves none, like plain
     * TCP, binds nothing. A master that restarts remembers no departed key.
     *
     * @return why the new session may not have the id, or null when it may
     */
    private static String identityRefusal(Session holder, String departedKey, NodeId id, Session claimant) {
        if (holder == null) {
            // Gone, but not forgotten: its key still owns its id (a node keeps its key while it runs).
            if (departedKey != null && !claimant.identity().equals(Optional.of(departedKey))) {
                return "node id " + id + " belonged to a node with another key, which left: a node keeps the key it"
                        + " joined with, and no other may take its id";
            }
            return null;
        }
        Optional<String> held = holder.identity();
        if (held.isEmpty() || held.equals(claimant.identity())) {
            return null;
        }
        return "node id " + holder.node().id() + " is held by a connection with another key (transport identity):"
                + " a node keeps the key it joined with, and no other may take its id";
    }

    /** Reserves, outside the lock, the ports of the claims the book will need them for. */
    private Set<Book.Claim> reserve(NodeId node, List<Book.Claim> claims) {
        if (claims.isEmpty()) {
            return Set.of();
        }
        List<Book.Claim> wanted = ledger.read(book -> book.toReserve(node, claims));
        Set<Book.Claim> reserved = new HashSet<>();
        for (Book.Claim claim : wanted) {
            if (ports.reserve(claim.host(), claim.port())) {
                reserved.add(claim);
            }
        }
        return reserved;
    }

    /**
     * Checks a node's task names (in {@code AUTH} or {@code TASKS}): at most
     * {@link MasterConfig#maxTasksPerNode()} of them, each a valid task name, taking at most
     * {@link Control#MAX_TASKS_JSON_BYTES} as JSON, so that every message about the node fits a
     * 64 KiB frame.
     *
     * @param message the message they came in, for the error
     * @throws ProtocolException if they break a rule
     */
    Quotas.TaskList tasks(List<String> names, String message) {
        if (names.size() > config.maxTasksPerNode()) {
            throw new ProtocolException(message + " lists " + names.size() + " task names, more than the "
                    + config.maxTasksPerNode() + " one node may serve on this master (MasterConfig.maxTasksPerNode):"
                    + " serve fewer tasks on this node, or raise the master's limit");
        }
        Set<String> tasks = new HashSet<>();
        try {
            names.forEach(task -> tasks.add(TaskBinding.checkTaskName(task)));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed " + message + ": " + e.getMessage(), e);
        }
        int bytes = ControlCodec.jsonLength(List.copyOf(tasks));
        if (bytes > Control.MAX_TASKS_JSON_BYTES) {
            throw new ProtocolException(message + "'s task names take " + bytes + " bytes as JSON, more than the "
                    + Control.MAX_TASKS_JSON_BYTES + " one node's may take: serve fewer tasks on this node, or give"
                    + " them shorter names");
        }
        return new Quotas.TaskList(Set.copyOf(tasks), bytes);
    }

    /**
     * The view an AUTH asks for: absent is every node.
     *
     * @throws IllegalArgumentException if its mode is unknown or its tasks are not valid
     */
    private static MembershipView view(Control.WireView view) {
        if (view == null) {
            return MembershipView.all();
        }
        return switch (view.mode()) {
            case Control.VIEW_ALL -> MembershipView.all();
            case Control.VIEW_NONE -> MembershipView.none();
            case Control.VIEW_TASKS -> MembershipView.serving(view.tasks());
            default -> throw new IllegalArgumentException("unknown view mode '" + ControlCodec.quote(view.mode())
                    + "' (all, tasks or none)");
        };
    }

    /**
     * Checks a task name a node asks about.
     *
     * @throws ProtocolException if it is not a valid task name
     */
    void taskName(String task, String message) {
        try {
            TaskBinding.checkTaskName(task);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("malformed " + message + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks the links a rejoining node reports: each names this node at one end (and not both),
     * none twice, at most {@link MasterConfig#maxLinksPerNode()} that it opened (all it may hold),
     * and at most one per port of the range that it accepted.
     */
    private List<Book.Claim> claims(NodeId node, List<Control.LinkClaim> reported) {
        List<Book.Claim> claims = new ArrayList<>();
        Set<LinkId> ids = new HashSet<>();
        int opened = 0;
        for (Control.LinkClaim claim : reported) {
            Book.Claim checked = new Book.Claim(new LinkId(claim.linkId()), new NodeId(claim.initiator()),
                    new NodeId(claim.acceptor()), claim.host(), claim.port());
            checkHost(checked.host());
            if (!checked.initiator().equals(node) && !checked.acceptor().equals(node)) {
                throw new IllegalArgumentException("a reported link " + checked.id() + " has this node at neither end");
            }
            if (checked.initiator().equals(checked.acceptor())) {
                throw new IllegalArgumentException("a reported link " + checked.id() + " has this node at both ends");
            }
            if (!ids.add(checked.id())) {
                throw new IllegalArgumentException("link " + checked.id() + " is reported twice");
            }
            if (checked.initiator().equals(node)) {
                opened++;
            }
            claims.add(checked);
        }
        if (opened > config.maxLinksPerNode()) {
            throw new ProtocolException("AUTH reports " + opened + " links this node opened, more than the "
                    + config.maxLinksPerNode() + " one node may hold (MasterConfig.maxLinksPerNode): raise the master's"
                    + " limit to at least what its nodes held before");
        }
        int accepted = claims.size() - opened;
        if (accepted > config.portRange().size()) {
            throw new ProtocolException("AUTH reports " + accepted + " links this node accepted, more than the "
                    + config.portRange().size() + " ports of the master's range (MasterConfig.portRange), one per"
                    + " link: widen the master's range to what it was before");
        }
        return claims;
    }

    /**
     * An advertised host is optional; when present it is a plain host name or address: letters,
     * digits and {@code . - _ : % [ ]} only (so that it can reach a log line as it is).
     */
    private static void checkHost(String host) {
        if (host != null && (host.isEmpty() || host.length() > 255 || !host.chars().allMatch(c -> (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || ".-_:%[]".indexOf(c) >= 0))) {
            throw new IllegalArgumentException("advertisedHost is not a host name or address");
        }
    }
}
