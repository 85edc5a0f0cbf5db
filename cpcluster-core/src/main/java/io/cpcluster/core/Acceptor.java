package io.cpcluster.core;

import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The accepting end of a link being set up (DESIGN §5, steps 3 and 5): listens on the port the
 * master assigned until the initiator proves the one-time ticket, accepts exactly that one
 * connection, and stops listening. A connection with a wrong proof is refused and the acceptor
 * keeps waiting, until the ticket expires.
 */
final class Acceptor {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.link");

    private final Node node;
    private final LinkId id;
    private final NodeInfo peer;
    private final int port;
    private final String ticket;
    private final Transport.Listener listener;
    private final AtomicBoolean settled = new AtomicBoolean();
    private Future<?> expiry;

    Acceptor(Node node, LinkId id, NodeInfo peer, int port, String ticket, Transport.Listener listener) {
        this.node = node;
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
        expiry = node.schedule(() -> expire(expiresInMillis), Math.max(1, expiresInMillis), TimeUnit.MILLISECONDS);
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
            Threads.startVirtual("cpcluster-link-" + id + "-handshake", () -> handshake(connection));
        }
    }

    private void handshake(Transport.Connection connection) {
        // A connection that says nothing must not hold the handshake thread (or the port) for long.
        Future<?> deadline = node.schedule(() -> Node.closeQuietly(connection),
                node.config().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        boolean handedOver = false;
        try {
            FrameInput input = new FrameInput(connection.input());
            FrameOutput output = new FrameOutput(connection.output());
            byte[] nonce = Secrets.newNonce();
            output.write(ControlCodec.encode(new Control.LinkHello(Control.VERSION, id.value(),
                    Secrets.base64(nonce), node.config().maxFrameSize())));
            byte[] frame = input.readFrame(Node.MAX_HANDSHAKE_FRAME);
            if (frame == null) {
                return;
            }
            Control.LinkAuth auth = ControlCodec.decode(frame, Control.LinkAuth.class, "on a new link");
            if (!proves(auth, nonce)) {
                LOG.log(Level.WARNING, "link {0}: refused a connection from {1}: wrong ticket proof", id,
                        connection.remoteAddress());
                output.write(ControlCodec.encode(new Control.LinkDenied("wrong ticket proof for link " + id)));
                return;
            }
            if (auth.maxFrameSize() < LinkFrame.HEADER_LENGTH + 1024) {
                throw new ProtocolException("LINK_AUTH with a maxFrameSize of " + auth.maxFrameSize());
            }
            if (!settled.compareAndSet(false, true)) {
                output.write(ControlCodec.encode(new Control.LinkDenied("link " + id + " is already open")));
                return;
            }
            expiry.cancel(false);
            Node.closeQuietly(listener);
            node.acceptorDone(this);
            deadline.cancel(false);
            output.write(ControlCodec.encode(new Control.LinkAccepted(id.value())));
            LinkInfo info = new LinkInfo(id, peer.id(), node.self().id(), node.self().host(), port, Instant.now());
            node.opened(new Link(node, info, peer, connection, input, output, auth.maxFrameSize()));
            handedOver = true;
        } catch (IOException | ProtocolException e) {
            LOG.log(Level.DEBUG, "link {0}: handshake with {1} failed: {2}", id, connection.remoteAddress(),
                    e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "link " + id + ": handshake failed", e);
        } finally {
            deadline.cancel(false);
            if (!handedOver) {
                Node.closeQuietly(connection);
            }
        }
    }

    /** Whether a LINK_AUTH proves this link's ticket, for the node the master named. */
    private boolean proves(Control.LinkAuth auth, byte[] nonce) {
        byte[] proof;
        try {
            proof = Secrets.fromBase64(auth.proof());
        } catch (IllegalArgumentException e) {
            return false;
        }
        // Evaluate every part, so that the time taken says nothing about which part was wrong.
        boolean ticketOk = Secrets.verify(ticket, nonce, proof);
        boolean linkOk = id.value().equals(auth.linkId());
        boolean peerOk = peer.id().value().equals(auth.nodeId());
        return ticketOk & linkOk & peerOk;
    }

    private void expire(long expiresInMillis) {
        cancel("the initiator did not connect within " + expiresInMillis + " ms", true);
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
        if (expiry != null) {
            expiry.cancel(false);
        }
        Node.closeQuietly(listener);
        node.acceptorDone(this);
        if (tellMaster) {
            node.tellMaster(new Control.LinkDown(id.value(), reason));
        }
    }
}
