package io.cpcluster.core.node;

import io.cpcluster.AuthenticationException;
import io.cpcluster.ClusterException;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.MasterUnavailableException;
import io.cpcluster.NoSuchNodeException;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.PortsExhaustedException;
import io.cpcluster.ProtocolException;
import io.cpcluster.QuotaExceededException;
import io.cpcluster.core.link.Link;
import io.cpcluster.core.link.LinkHost;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.PerAddressLimit;
import io.cpcluster.core.wire.RepeatedWarning;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.Transport;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Opening links (DESIGN §5): the requests this node made and the master has not answered, the
 * links it is dialing, and the ports it listens on for links offered to it. The master's answers
 * arrive on the master's reader and are handed on at once: dialing and each incoming handshake run
 * on virtual threads of their own.
 *
 * <p>Its three maps are concurrent: the master's reader, the dialing threads, the timer and
 * {@link #close()} all touch them, and each entry is removed by whoever settles it.
 */
final class LinkSetup {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.node");

    private final NodeConfig config;
    private final LinkHost host;
    private final MasterLink master;
    private final Supplier<NodeInfo> self;
    private final Function<NodeId, String> describe;
    private final Consumer<Link> opened;
    private final Executor background;
    private final ConcurrentHashMap<Long, PendingLink> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LinkId, PendingLink> dialing = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LinkId, Acceptor> acceptors = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The node's TLS; null with plain TCP. */
    private final Tls tls;
    /** Connections to this node's link ports in their handshake, over all its acceptors. */
    private final PerAddressLimit handshakes;
    /** Refused handshakes, logged without flooding the log. */
    final RepeatedWarning refusedHandshakes = new RepeatedWarning(LOG, Duration.ofSeconds(5));

    /**
     * @param describe how to name a node in messages
     * @param opened what to do with a link once it is up on this side
     */
    LinkSetup(NodeConfig config, LinkHost host, MasterLink master, Supplier<NodeInfo> self,
              Function<NodeId, String> describe, Consumer<Link> opened, Executor background, Tls tls) {
        this.config = config;
        this.tls = tls;
        this.host = host;
        this.master = master;
        this.self = self;
        this.describe = describe;
        this.opened = opened;
        this.background = background;
        this.handshakes = new PerAddressLimit(config.maxLinkHandshakes(), config.maxLinkHandshakesPerAddress());
    }

    /** The connections in a link handshake on this node, and the caps on them. */
    PerAddressLimit handshakes() {
        return handshakes;
    }

    NodeConfig config() {
        return config;
    }

    /** The node's TLS; null with plain TCP. */
    Tls tls() {
        return tls;
    }

    LinkHost host() {
        return host;
    }

    NodeInfo self() {
        return self.get();
    }

    void opened(Link link) {
        opened.accept(link);
    }

    void tellMaster(Control message) {
        master.send(message);
    }

    void acceptorDone(Acceptor acceptor) {
        acceptors.remove(acceptor.id(), acceptor);
    }

    // ---------------------------------------------------------------- asking (steps 1, 4)

    CompletableFuture<DirectLink> connect(NodeId peer) {
        long requestId = requestIds.incrementAndGet();
        long timeout = config.linkTimeout().toMillis();
        PendingLink pending = new PendingLink(requestId, peer, System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(timeout), background);
        if (closed.get()) {
            pending.fail(new ClusterException("this node is closed"));
            return pending.future;
        }
        requests.put(requestId, pending);
        if (closed.get()) {
            // close() may have swept the requests before this one was there.
            requests.remove(requestId);
            pending.fail(new ClusterException("this node is closed"));
            return pending.future;
        }
        pending.timeout = host.schedule(() -> {
            requests.remove(requestId);
            pending.fail(new ClusterException("no link to " + describe.apply(peer) + " within " + timeout + " ms"
                    + " (NodeConfig.linkTimeout): the master or the peer did not answer in time"));
        }, timeout, TimeUnit.MILLISECONDS);
        if (!master.send(new Control.LinkRequest(requestId, peer.value()))) {
            requests.remove(requestId);
            pending.fail(masterUnavailable());
        }
        return pending.future;
    }

    MasterUnavailableException masterUnavailable() {
        return new MasterUnavailableException("this node has no connection to the master (" + master.lostReason()
                + "); open links keep working, new links need the master");
    }

    /** The master refused a request (on the master's reader). */
    void rejected(Control.LinkRejected rejected) {
        PendingLink pending = requests.remove(rejected.requestId());
        if (pending == null) {
            return;
        }
        String message = ControlCodec.quote(rejected.message());
        pending.fail(switch (rejected.code()) {
            case Control.LinkRejected.NO_SUCH_NODE -> new NoSuchNodeException(message);
            case Control.LinkRejected.PORTS_EXHAUSTED -> new PortsExhaustedException(message);
            case Control.LinkRejected.TOO_MANY_REQUESTS, Control.LinkRejected.TOO_MANY_LINKS ->
                    new QuotaExceededException("the master refused a link to " + describe.apply(pending.peer) + ": "
                            + message);
            default -> new ClusterException("the master could not open the link: " + message);
        });
    }

    /** The master says where to connect (on the master's reader): dial on a thread of its own. */
    void assigned(Control.LinkAssigned assigned) {
        LinkId linkId = linkId(assigned.linkId());
        NodeInfo peer = MasterLink.info(assigned.peer());
        if (assigned.port() < 1 || assigned.port() > 65535) {
            throw new ProtocolException("LINK_ASSIGNED with port " + assigned.port());
        }
        PendingLink pending = requests.remove(assigned.requestId());
        if (pending == null || pending.settled()) {
            master.send(new Control.LinkDown(assigned.linkId(), "the requester no longer waits for it"));
            return;
        }
        dialing.put(linkId, pending);
        try {
            background.execute(() -> dial(pending, linkId, peer, assigned));
        } catch (RejectedExecutionException e) {
            dialing.remove(linkId);
            pending.fail(new ClusterException("this node closed before the link opened"));
        }
    }

    /** Connects to the acceptor and proves the ticket (DESIGN §5, step 5). */
    private void dial(PendingLink pending, LinkId linkId, NodeInfo peer, Control.LinkAssigned assigned) {
        Transport.Connection connection = null;
        Future<?> guard = null;
        AtomicBoolean timedOut = new AtomicBoolean();
        boolean handedOver = false;
        String where = assigned.host() + ":" + assigned.port();
        try {
            connection = config.transport().connect(InetSocketAddress.createUnresolved(assigned.host(), assigned.port()),
                    Duration.ofMillis(Math.min(config.connectTimeout().toMillis(), pending.remainingMillis())));
            Transport.Connection dialed = connection;
            guard = host.schedule(() -> {
                timedOut.set(true);
                MasterLink.closeQuietly(dialed);
            }, pending.remainingMillis(), TimeUnit.MILLISECONDS);
            connection.handshake(Duration.ofMillis(pending.remainingMillis()));
            String peerKey = null;
            if (tls != null) {
                // The guard keeps the plain connection; closing either one closes both.
                Transport.Connection plain = connection;
                connection = tls.secure(plain, true, new byte[0], Duration.ofMillis(pending.remainingMillis()));
                peerKey = Tls.peer(connection);
                String vouched = peer.fingerprint().orElse(null);
                if (!peerKey.equals(vouched)) {
                    throw new AuthenticationException("the node at " + where + " is not " + peer.label() + ": its key"
                            + " is " + peerKey + ", and the master vouched for " + (vouched == null ? "no key"
                            : vouched) + ". Nothing was sent to it; something else answers at that port");
                }
            }
            FrameInput input = new FrameInput(connection.input());
            FrameOutput output = new FrameOutput(connection.output());
            Control.LinkHello hello = switch (ControlCodec.decode(requiredFromPeer(input))) {
                case Control.LinkHello first -> first;
                // Over TLS, an acceptor that takes this node's key for another's says so first.
                case Control.LinkDenied denied -> throw new ClusterException(peer.label() + " refused the link ("
                        + ControlCodec.quote(String.valueOf(denied.code())) + "): " + ControlCodec.quote(denied.reason()));
                case Control other -> throw new ProtocolException("expected LINK_HELLO from the peer, got "
                        + ControlCodec.wireType(other.getClass()));
            };
            if (!hello.linkId().equals(linkId.value())) {
                throw new ProtocolException("the node at " + where + " answered for link "
                        + ControlCodec.quote(hello.linkId()) + ", not " + linkId);
            }
            if (hello.version() < Control.MIN_VERSION) {
                throw new ProtocolException("the node at " + where + " speaks protocol version " + hello.version());
            }
            if (hello.maxFrameSize() < Link.MIN_PEER_FRAME) {
                throw new ProtocolException("LINK_HELLO with a maxFrameSize of " + hello.maxFrameSize() + ", below "
                        + Link.MIN_PEER_FRAME);
            }
            int version = Math.min(hello.version(), Control.VERSION);
            byte[] nonce = base64(hello.nonce());
            output.write(ControlCodec.encode(new Control.LinkAuth(version, linkId.value(), self.get().id().value(),
                    Secrets.base64(Secrets.proof(assigned.ticket(), Secrets.bound(nonce, peerKey,
                            tls == null ? null : tls.fingerprint()))),
                    Link.frameLimit(config.maxPayloadSize()), config.maxCallsInFlight())));
            switch (ControlCodec.decode(requiredFromPeer(input))) {
                case Control.LinkAccepted accepted -> LOG.log(Level.DEBUG, "link {0} accepted", linkId);
                case Control.LinkDenied denied -> throw new ClusterException(peer.label() + " refused the link ("
                        + ControlCodec.quote(String.valueOf(denied.code())) + "): " + ControlCodec.quote(denied.reason()));
                case Control other -> throw new ProtocolException("expected LINK_ACCEPTED, got "
                        + ControlCodec.wireType(other.getClass()));
            }
            guard.cancel(false);
            dialing.remove(linkId);
            int port = assigned.acceptorPort() != 0 ? assigned.acceptorPort() : assigned.port();
            LinkInfo info = new LinkInfo(linkId, self.get().id(), peer.id(), assigned.host(), port, Instant.now());
            Link link = new Link(host, info, peer, connection, input, output, version, hello.maxFrameSize(),
                    hello.maxCalls());
            handedOver = true;
            opened.accept(link);
            if (!pending.succeed(link)) {
                link.close("the requester no longer waits for it", true);
            }
        } catch (IOException | RuntimeException e) {
            dialing.remove(linkId);
            String why = timedOut.get() ? "no answer within " + config.linkTimeout().toMillis()
                    + " ms (NodeConfig.linkTimeout)" : e.getMessage();
            master.send(new Control.LinkDown(linkId.value(), "the initiator could not connect: " + why));
            pending.fail(e instanceof ClusterException ce && !timedOut.get() ? ce
                    : new ClusterException("could not open a link to " + peer.label() + " at " + where + ": " + why
                            + ". Check that " + assigned.host() + " is reachable from this node (a node behind NAT"
                            + " sets NodeConfig.advertisedHost)", e));
        } finally {
            if (guard != null) {
                guard.cancel(false);
            }
            if (!handedOver && connection != null) {
                MasterLink.closeQuietly(connection);
            }
        }
    }

    private static byte[] requiredFromPeer(FrameInput input) throws IOException {
        byte[] frame = input.readFrame(MasterLink.MAX_HANDSHAKE_FRAME);
        if (frame == null) {
            throw new EOFException("the peer closed the connection during the handshake");
        }
        return frame;
    }

    private static byte[] base64(String text) {
        try {
            return Secrets.fromBase64(text);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("LINK_HELLO nonce is not base64", e);
        }
    }

    // ---------------------------------------------------------------- accepting (steps 2, 3)

    /** The master offers a link (on the master's reader): bind the port and say so. */
    void offered(Control.LinkOffer offer, String bindHost) {
        LinkId linkId = linkId(offer.linkId());
        NodeInfo peer = MasterLink.info(offer.peer());
        if (offer.port() < 1 || offer.port() > 65535) {
            throw new ProtocolException("LINK_OFFER with port " + offer.port());
        }
        if (closed.get()) {
            return;
        }
        Transport.Listener listener;
        try {
            listener = config.transport().listen(new InetSocketAddress(bindHost, offer.port()));
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "link {0}: port {1} on {2} cannot be bound: {3}", linkId, offer.port(), bindHost,
                    e.getMessage());
            master.send(new Control.LinkBindFailed(offer.linkId(), offer.port(), String.valueOf(e.getMessage())));
            return;
        }
        Acceptor acceptor = new Acceptor(this, linkId, peer, offer.port(), offer.ticket(), listener);
        Acceptor previous = acceptors.put(linkId, acceptor);
        if (previous != null) {
            previous.cancel("offered again", false);
        }
        if (closed.get() || !master.send(new Control.LinkReady(offer.linkId(), offer.port()))) {
            acceptor.cancel("this node is closing or lost the master", false);
            return;
        }
        acceptor.start(offer.expiresInMs());
    }

    /**
     * The master says a link being set up will not open (on the master's reader): stop listening
     * for it, or fail the request that waits for it.
     */
    void down(LinkId linkId, String reason) {
        Acceptor acceptor = acceptors.get(linkId);
        if (acceptor != null) {
            acceptor.cancel(reason, false);
        }
        PendingLink pending = dialing.remove(linkId);
        if (pending != null) {
            pending.fail(new ClusterException("the link to " + describe.apply(pending.peer) + " could not be set up: "
                    + reason));
        }
    }

    /** The master is gone: requests it has not answered fail; dialing goes on (it no longer needs the master). */
    void masterLost() {
        for (PendingLink pending : List.copyOf(requests.values())) {
            requests.remove(pending.requestId);
            pending.fail(masterUnavailable());
        }
    }

    /** Stops listening and fails every request and dial that has not settled. */
    void close() {
        closed.set(true);
        List.copyOf(acceptors.values()).forEach(acceptor -> acceptor.cancel("this node is closing", true));
        ClusterException closing = new ClusterException("this node closed before the link opened");
        List.copyOf(requests.values()).forEach(pending -> pending.fail(closing));
        requests.clear();
        List.copyOf(dialing.values()).forEach(pending -> pending.fail(closing));
    }

    static LinkId linkId(String value) {
        try {
            return new LinkId(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the master named a link wrongly: " + e.getMessage(), e);
        }
    }
}
