package io.cpcluster.core.node;

import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.core.link.Link;
import io.cpcluster.core.threads.Threads;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.PerAddressLimit;
import io.cpcluster.core.wire.RepeatedWarning;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The accepting end of a link being set up (DESIGN §5, steps 3 and 5): listens on the port the
 * master assigned until the initiator proves the one-time ticket, accepts exactly that one
 * connection, and stops listening. A connection with a wrong proof is refused and the acceptor
 * keeps waiting, until the ticket expires. Each connection's handshake runs on a virtual thread
 * of its own, with a deadline, so that a silent one holds up neither the accept loop nor the port;
 * and the node's handshakes in progress are capped, in all and per address
 * ({@link io.cpcluster.NodeConfig#maxLinkHandshakes()}), so silent ones cannot pile up.
 */
final class Acceptor {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.link");

    /**
     * Whether a connection from {@code from} comes from the address the peer is known by (the one
     * it advertises, else the one the master saw it join from). Compared as addresses, so that {@code ::1} and
     * {@code 0:0:0:0:0:0:0:1} are one; a host name is never looked up here (a DNS query would hold
     * the accept loop), so a peer that advertises a name does not get the exemption.
     */
    static boolean isFrom(NodeInfo peer, InetAddress from) {
        String host = peer.host();
        if (host.equals(from.getHostAddress())) {
            return true;
        }
        boolean literal = host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!literal) {
            return false;
        }
        try {
            // A literal is parsed, never looked up.
            return InetAddress.getByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host)
                    .equals(from);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whoever reaches the port can make these lines: rate-limited, so they cannot fill a disk. */
    private final RepeatedWarning refusals = new RepeatedWarning(LOG, Duration.ofSeconds(5));
    private final LinkSetup setup;
    private final LinkId id;
    private final NodeInfo peer;
    private final int port;
    private final String ticket;
    private final Transport.Listener listener;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Future<?> expiry;

    Acceptor(LinkSetup setup, LinkId id, NodeInfo peer, int port, String ticket, Transport.Listener listener) {
        this.setup = setup;
        this.id = id;
        this.peer = peer;
        this.port = port;
        this.ticket = ticket;
        this.listener = listener;
    }

    LinkId id() {
        return id;
    }

    void start(long expiresInMillis) {
        expiry = setup.host().schedule(() -> cancel("the initiator did not connect within " + expiresInMillis + " ms",
                true), Math.max(1, expiresInMillis), TimeUnit.MILLISECONDS);
        Threads.startVirtual("cpcluster-link-" + id + "-accept", this::acceptLoop);
    }

    private void acceptLoop() {
        while (!settled.get()) {
            Transport.Connection connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                if (!settled.get()) {
                    LOG.log(Level.WARNING, "link {0}: accepting on port {1} failed: {2}", id, port, e.toString());
                    cancel("accepting failed: " + e.getMessage(), true);
                }
                return;
            }
            InetAddress from = connection.remoteAddress().getAddress();
            PerAddressLimit handshakes = setup.handshakes();
            // The initiator, from the address it is known by, is let in even when others fill the total.
            PerAddressLimit.Full full = handshakes.enter(from, isFrom(peer, from));
            if (full != null) {
                // Before it costs a thread or a buffer: whoever fills the handshakes cannot make
                // this node hold more, and the real initiator, from another address, still gets in.
                MasterLink.closeQuietly(connection);
                setup.refusedHandshakes.log(() -> "link " + id + ": refused a connection from " + from.getHostAddress()
                        + " to port " + port + ": " + (full == PerAddressLimit.Full.IN_ALL
                        ? setup.config().maxLinkHandshakes() + " link handshakes are under way already"
                        : setup.config().maxLinkHandshakesPerAddress() + " link handshakes from that address are"
                        + " under way already") + " (NodeConfig.maxLinkHandshakes)");
                continue;
            }
            // Given back once: as the answer is decided (before it is written, so that an
            // initiator that opens its next link at once never finds this one still counted), or
            // when the handshake ends otherwise.
            AtomicBoolean counted = new AtomicBoolean(true);
            Runnable done = () -> {
                if (counted.getAndSet(false)) {
                    handshakes.leave(from);
                }
            };
            try {
                Threads.startVirtual("cpcluster-link-" + id + "-handshake", () -> {
                    try {
                        handshake(connection, done);
                    } finally {
                        done.run();
                    }
                });
            } catch (RuntimeException | OutOfMemoryError e) {
                done.run();
                MasterLink.closeQuietly(connection);
                LOG.log(Level.ERROR, "link " + id + ": could not start a handshake on port " + port, e);
            }
        }
    }

    private void handshake(Transport.Connection connection, Runnable done) {
        long timeout = setup.config().connectTimeout().toMillis();
        Future<?> deadline = setup.host().schedule(() -> MasterLink.closeQuietly(connection), timeout,
                TimeUnit.MILLISECONDS);
        boolean handedOver = false;
        try {
            connection.handshake(setup.config().connectTimeout());
            Tls tls = setup.tls();
            Transport.Connection link = connection;
            String peerKey = null;
            if (tls != null) {
                // The deadline and the closes keep the plain connection: closing it closes both.
                link = tls.secure(connection, false, new byte[0], setup.config().connectTimeout());
                peerKey = Tls.peer(link);
            }
            FrameInput input = new FrameInput(link.input());
            FrameOutput output = new FrameOutput(link.output());
            if (tls != null && !peerKey.equals(peer.fingerprint().orElse(null))) {
                String key = peerKey;
                refusals.log(() -> "link " + id + ": refused a connection from " + connection.remoteAddress()
                        + ": its key " + key + " is not the one the master vouched for " + peer.label());
                done.run();
                output.write(ControlCodec.encode(new Control.LinkDenied(Control.LinkDenied.WRONG_KEY,
                        describe(Control.LinkDenied.WRONG_KEY))));
                return;
            }
            byte[] nonce = Secrets.newNonce();
            output.write(ControlCodec.encode(new Control.LinkHello(Control.VERSION, id.value(),
                    Secrets.base64(nonce), Link.frameLimit(setup.config().maxPayloadSize()),
                    setup.config().maxCallsInFlight())));
            byte[] frame = input.readFrame(MasterLink.MAX_HANDSHAKE_FRAME);
            if (frame == null) {
                return;
            }
            Control.LinkAuth auth = ControlCodec.decode(frame, Control.LinkAuth.class, "on a new link");
            String refusal = check(auth, Secrets.bound(nonce, tls == null ? null : tls.fingerprint(), peerKey));
            if (refusal != null) {
                refusals.log(() -> "link " + id + ": refused a connection from " + connection.remoteAddress() + ": "
                        + refusal);
                done.run();
                output.write(ControlCodec.encode(new Control.LinkDenied(refusal, describe(refusal))));
                return;
            }
            if (auth.version() < Control.MIN_VERSION) {
                throw new ProtocolException("LINK_AUTH with protocol version " + auth.version());
            }
            if (auth.maxFrameSize() < Link.MIN_PEER_FRAME) {
                throw new ProtocolException("LINK_AUTH with a maxFrameSize of " + auth.maxFrameSize() + ", below "
                        + Link.MIN_PEER_FRAME);
            }
            if (!settled.compareAndSet(false, true)) {
                done.run();
                output.write(ControlCodec.encode(new Control.LinkDenied(Control.LinkDenied.ALREADY_ACCEPTED,
                        describe(Control.LinkDenied.ALREADY_ACCEPTED))));
                return;
            }
            cancelExpiry();
            MasterLink.closeQuietly(listener);
            setup.acceptorDone(this);
            deadline.cancel(false);
            done.run();
            output.write(ControlCodec.encode(new Control.LinkAccepted(id.value())));
            NodeInfo self = setup.self();
            LinkInfo info = new LinkInfo(id, peer.id(), self.id(), self.host(), port, Instant.now());
            setup.opened(new Link(setup.host(), info, peer, link, input, output,
                    Math.min(auth.version(), Control.VERSION), auth.maxFrameSize(), auth.maxCalls()));
            handedOver = true;
        } catch (IOException | ProtocolException e) {
            LOG.log(Level.DEBUG, "link {0}: handshake with {1} failed: {2}", id, connection.remoteAddress(),
                    e.getMessage());
        } catch (RuntimeException | OutOfMemoryError e) {
            refusals.log(() -> "link " + id + ": handshake with " + connection.remoteAddress() + " failed: " + e);
        } finally {
            deadline.cancel(false);
            if (!handedOver) {
                MasterLink.closeQuietly(connection);
            }
        }
    }

    /**
     * Checks a LINK_AUTH: the link, the node the master named, and the ticket's proof, every part
     * evaluated whatever the others gave (the proof in constant time).
     *
     * @return null when all hold, else the code of the first that fails
     */
    private String check(Control.LinkAuth auth, byte[] message) {
        byte[] proof;
        try {
            proof = Secrets.fromBase64(auth.proof());
        } catch (IllegalArgumentException e) {
            proof = new byte[0];
        }
        boolean proofOk = Secrets.verify(ticket, message, proof);
        boolean linkOk = id.value().equals(auth.linkId());
        boolean nodeOk = peer.id().value().equals(auth.nodeId());
        if (!linkOk) {
            return Control.LinkDenied.WRONG_LINK;
        }
        if (!nodeOk) {
            return Control.LinkDenied.WRONG_NODE;
        }
        return proofOk ? null : Control.LinkDenied.WRONG_PROOF;
    }

    private String describe(String code) {
        return switch (code) {
            case Control.LinkDenied.WRONG_LINK -> "this port waits for link " + id + ", not another";
            case Control.LinkDenied.WRONG_NODE -> "link " + id + " is for " + peer.label() + ", not another node";
            case Control.LinkDenied.WRONG_PROOF -> "wrong ticket proof for link " + id;
            // Said to whoever reaches the port with a key of its own: it names neither the link nor its node.
            case Control.LinkDenied.WRONG_KEY -> "this connection's TLS key is not the one the master vouched for";
            default -> "link " + id + " was accepted already, from another connection";
        };
    }

    private void cancelExpiry() {
        Future<?> timer = expiry;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /**
     * Stops waiting for the initiator.
     *
     * @param tellMaster whether the master still needs to hear that the link will not open
     */
    void cancel(String reason, boolean tellMaster) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        cancelExpiry();
        MasterLink.closeQuietly(listener);
        setup.acceptorDone(this);
        if (tellMaster) {
            setup.tellMaster(new Control.LinkDown(id.value(), reason));
        }
    }
}
