package io.cpcluster.core.master;

import io.cpcluster.MasterConfig;
import io.cpcluster.MembershipView;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.Outbox;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.Transport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The master's side of one node connection: the transport's handshake, HELLO and AUTH, then
 * the node's requests, read on the session's own virtual thread. What the master sends goes
 * through a bounded {@link Outbox} with its own writer, so that a node that stops reading can
 * never block the master: when its outbox is full, the master drops it.
 *
 * <p>The session owns its connection. Its {@link #node()} is written by the master under its
 * lock (at join, and when the node's tasks change) and read anywhere.
 */
final class Session {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    /** Frames the master may queue for one node before it drops the node as too slow (bytes are bounded too). */
    static final int OUTBOX_FRAMES = 4096;

    private final Master master;
    /** The first byte of a TLS handshake record: what a TLS client sends first. */
    private static final int TLS_HANDSHAKE_RECORD = 0x16;

    /** The plain connection, then the TLS one layered over it (written once, by the session's thread). */
    private volatile Transport.Connection connection;
    private final InetSocketAddress remote;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set once the connection no longer counts as authenticating (it authenticated, or ended). */
    private final AtomicBoolean leftUnauthenticated = new AtomicBoolean();
    /** Written by the session's thread once the transport's handshake is done, and again once TLS is. */
    private volatile FrameOutput output;
    /** Created when the node authenticated; null before. */
    private volatile Outbox outbox;
    private volatile Future<?> authDeadline = CompletableFuture.completedFuture(null);
    private volatile NodeInfo node;
    /** Which nodes it hears of; set when it joins. */
    private volatile MembershipView view = MembershipView.all();
    /** The chain the node presented in the TLS handshake; empty before it, or in plain TCP. */
    private volatile List<X509Certificate> certificates = List.of();
    /** The identity the transport proved for the other end; empty until its handshake, or for plain TCP. */
    private volatile Optional<String> identity = Optional.empty();
    private volatile long lastHeard = System.nanoTime();
    private volatile String closeReason;

    Session(Master master, Transport.Connection connection) {
        this.master = master;
        this.connection = connection;
        this.remote = connection.remoteAddress();
    }

    /** Which nodes it hears of: all until it joins with another view. */
    MembershipView view() {
        return view;
    }

    void view(MembershipView view) {
        this.view = view;
    }

    /** The node, once authenticated; null before. */
    NodeInfo node() {
        return node;
    }

    void node(NodeInfo node) {
        this.node = node;
    }

    /** The identity the transport proved for the node, if it proves one. */
    Optional<String> identity() {
        return identity;
    }

    /** The chain the node presented in the TLS handshake; empty in plain TCP. */
    List<X509Certificate> certificates() {
        return certificates;
    }

    /** When a frame last came from the node (System.nanoTime()). */
    long lastHeard() {
        return lastHeard;
    }

    InetSocketAddress remote() {
        return remote;
    }

    String label() {
        NodeInfo current = node;
        return current != null ? current.label() : "unauthenticated connection from " + Addresses.text(remote);
    }

    /**
     * After the plain HELLO of a TLS master: the node's first byte must begin a TLS handshake. Runs
     * the handshake, takes the node's key as its identity, and switches to the TLS streams.
     *
     * @return the input to read frames from, or null when the node spoke plain (it was answered)
     *         or left
     */
    private FrameInput secure(Tls tls) throws IOException {
        InputStream plain = connection.input();
        int first = plain.read();
        if (first < 0) {
            return null;
        }
        if (first != TLS_HANDSHAKE_RECORD) {
            refusePlain(new SequenceInputStream(new ByteArrayInputStream(new byte[] {(byte) first}), plain));
            return null;
        }
        // No plain frame may go into the TLS stream: an auth timeout meanwhile only closes.
        output = null;
        Transport.Connection secured = tls.secure(connection, false, new byte[] {(byte) first},
                master.config().authTimeout());
        connection = secured;
        if (closed.get()) {
            // A close raced the handshake and may have closed the plain connection only.
            closeConnection();
            return null;
        }
        identity = Optional.of(Tls.peer(secured));
        certificates = secured.peerCertificates();
        output = new FrameOutput(secured.output());
        return new FrameInput(secured.input());
    }

    /**
     * Answers a node that sent plain frames to this TLS master: an older version's AUTH, or a node
     * set to plain TCP (a current one stops at the HELLO on its own, so this is rare).
     */
    private void refusePlain(InputStream input) throws IOException {
        Control said;
        try {
            byte[] frame = new FrameInput(input).readFrame(master.config().maxControlFrameSize());
            said = frame == null ? null : ControlCodec.decode(frame);
        } catch (IOException | RuntimeException e) {
            said = null;
        }
        if (said instanceof Control.Auth auth && auth.version() < Control.MIN_VERSION) {
            fail(Control.Fault.UNSUPPORTED_VERSION, "this master speaks protocol version " + Control.VERSION
                    + " (with TLS), the node " + auth.version() + ": run the same CPCluster version on both");
            return;
        }
        fail(Control.Fault.SECURITY, "this master runs TLS (security TLS, the default), and the node sent plain TCP:"
                + " run the node with TLS too, or, on a network nobody else can reach, run the master and every"
                + " node with security PLAIN (MasterConfig.security, --insecure, cpcluster.security=plain)");
    }

    /** Serves the connection until it ends. Runs on the session's own virtual thread. */
    void run() {
        String reason = "connection closed by the node";
        // Everything before AUTH is answered, the transport's handshake included, must end within the auth timeout.
        long authTimeout = master.config().authTimeout().toMillis();
        authDeadline = master.schedule(() -> master.offTimer(() -> fail(Control.Fault.AUTH_TIMEOUT,
                "no AUTH within " + authTimeout + " ms")), authTimeout);
        try {
            connection.handshake(master.config().authTimeout());
            identity = connection.peerIdentity();
            output = new FrameOutput(connection.output());
            if (closed.get()) {
                return;
            }
            byte[] nonce = Secrets.newNonce();
            Tls tls = master.tls();
            // Always in plain, so that a node of either kind learns at once what this master runs.
            send(new Control.Hello(Control.VERSION, Secrets.base64(nonce), tls == null ? Control.PLAIN : Control.TLS));
            FrameInput input;
            if (tls == null) {
                input = new FrameInput(connection.input());
            } else {
                input = secure(tls);
                if (input == null) {
                    return;
                }
            }
            byte[] first = input.readFrame(master.config().maxControlFrameSize());
            if (first == null) {
                return;
            }
            Control hello = ControlCodec.decode(first);
            if (!(hello instanceof Control.Auth auth)) {
                throw new ProtocolException("expected AUTH as the first message, got "
                        + ControlCodec.wireType(hello.getClass()));
            }
            lastHeard = System.nanoTime();
            if (!master.authenticate(this, auth, nonce)) {
                return;
            }
            while (true) {
                byte[] frame = input.readFrame(master.config().maxControlFrameSize());
                if (frame == null) {
                    return;
                }
                lastHeard = System.nanoTime();
                master.handle(this, ControlCodec.decode(frame));
            }
        } catch (ProtocolException e) {
            reason = "protocol error: " + e.getMessage();
            master.protocolError(this, e);
            fail(Control.Fault.PROTOCOL, e.getMessage());
        } catch (IOException e) {
            reason = closed.get() && closeReason != null ? closeReason : "connection lost: " + e.getMessage();
        } catch (RuntimeException e) {
            reason = "internal error: " + e;
            if (node() == null) {
                master.strangerFailed(() -> "the master failed while serving " + label() + ": " + e);
            } else {
                LOG.log(Level.ERROR, "the master failed while serving " + label(), e);
            }
        } catch (OutOfMemoryError e) {
            // This connection's work ran the heap out: it ends, and what it held goes with it; the
            // master goes on serving the others.
            reason = "the master ran out of memory serving it";
            LOG.log(Level.ERROR, "the master ran out of memory while serving " + label() + "; closing that connection",
                    e);
        } finally {
            end(reason);
        }
    }

    /**
     * Ends the session: lets the outbox finish or stops it, closes the connection and tells the
     * master. When the heap is too full for that (another connection's attack, say, and logging
     * the error above may have used the last of it), it is done again: a session left half ended
     * would keep its socket and its place among the connections for good.
     */
    private void end(String reason) {
        for (int attempt = 1; ; attempt++) {
            try {
                authDeadline.cancel(false);
                Outbox out = outbox;
                if (out != null && closing()) {
                    out.await(Master.CLOSE_TIMEOUT);
                }
                close(reason);
                if (attempt > 1) {
                    // close() acts once; the attempt that ran out may have stopped half way.
                    if (out != null) {
                        out.stop();
                    }
                    closeConnection();
                }
                if (out != null) {
                    out.await(Master.CLOSE_TIMEOUT);
                }
                master.sessionEnded(this, closeReason);
                return;
            } catch (OutOfMemoryError e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * The node proved the token: from now on messages go through an outbox with a writer of its
     * own, and the connection no longer counts as authenticating. Called by {@link Admission}
     * before the node is in the book, so that {@code AUTH_OK} has an outbox to go to.
     *
     * @return false if the session closed meanwhile
     */
    boolean authenticated() {
        authDeadline.cancel(false);
        MasterConfig config = master.config();
        // Thousands of mostly idle nodes: none keeps the buffers of a burst (its node list, say).
        output.trimWhenIdle();
        outbox = new Outbox("cpcluster-master-writer-" + Addresses.text(remote), output, OUTBOX_FRAMES,
                config.maxOutboxBytes(), this::closeConnection);
        master.leftUnauthenticated(this);
        if (closed.get()) {
            outbox.stop();
            return false;
        }
        return true;
    }

    /**
     * How long the write under way to this connection has made no progress (see
     * {@link FrameOutput#stalledNanos}).
     */
    long stalledNanos(long now) {
        FrameOutput out = output;
        return out == null ? 0 : out.stalledNanos(now);
    }

    /** Marks the connection as no longer authenticating; true the first time only. */
    boolean leaveUnauthenticated() {
        return leftUnauthenticated.compareAndSet(false, true);
    }

    /** Whether the node authenticated: its messages go through the outbox. */
    boolean hasOutbox() {
        return outbox != null;
    }

    /** True once a last message was queued with {@link #sendAndClose}: it is let out before the close. */
    private volatile boolean closingAfterSend;

    private boolean closing() {
        return closingAfterSend;
    }

    /** Queues a message for the node; see {@link #post}. */
    void send(Control message) {
        post(ControlCodec.encode(message));
    }

    /**
     * Queues an encoded message for the node. Never blocks: a node whose outbox is full (in
     * frames or in bytes) is too slow, and is disconnected (an error message could not get past
     * the ones it left unread); its writer closes the connection.
     *
     * <p>Before the node authenticated there is no outbox: the session's own thread writes its
     * few small frames ({@code HELLO}, and an {@code AUTH_FAILED} or {@code FAULT}) itself, under
     * the master's write deadline.
     */
    void post(byte[] frame) {
        if (closed.get()) {
            return;
        }
        Outbox out = outbox;
        if (out == null) {
            writeDirectly(frame);
            return;
        }
        if (!out.offer(frame) && !closed.get() && !closingAfterSend) {
            LOG.log(Level.WARNING, "dropping {0}: it left {1} messages ({2} bytes) from the master unread", label(),
                    out.queued(), out.queuedBytes());
            if (closeReason == null) {
                closeReason = "dropped: it left " + out.queued() + " messages (" + out.queuedBytes()
                        + " bytes) from the master unread";
            }
            if (closed.compareAndSet(false, true)) {
                out.stop();
            }
        }
    }

    /**
     * Answers a heartbeat from the session's own reader: the {@code PONG} is written here when the
     * connection is idle (nothing in the outbox, no write under way), so that 10,000 nodes'
     * answers do not each wake a writer thread; otherwise it is queued like any message. The reader
     * never waits for the writer: such a write waits only for this node's own socket to take a few
     * bytes (and a node that reads nothing is closed at the write timeout, which ends the write).
     */
    void answerHeartbeat(Control.Pong pong) {
        Outbox out = outbox;
        FrameOutput output = this.output;
        byte[] frame = ControlCodec.encode(pong);
        if (out == null || output == null || out.queued() > 0 || closingAfterSend || closed.get()) {
            post(frame);
            return;
        }
        try {
            if (!output.writeIfIdle(frame)) {
                post(frame);
            }
        } catch (IOException e) {
            close("writing to it failed: " + e.getMessage());
        }
    }

    private void writeDirectly(byte[] frame) {
        FrameOutput out = output;
        if (out == null) {
            return;
        }
        try {
            out.write(frame);
            // A writer queued behind this one would flush for it, but a close may come first.
            out.flush();
        } catch (IOException e) {
            close("writing to it failed: " + e.getMessage());
        }
    }

    /** Sends an error, then closes the connection once it is written. */
    void fail(String code, String message) {
        sendAndClose(new Control.Fault(code, message), code.equals(Control.Fault.AUTH_TIMEOUT)
                ? "authentication timed out" : message);
    }

    /** Sends a last message, then closes the connection once it is written. */
    void sendAndClose(Control last, String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        Outbox out = outbox;
        if (out == null) {
            // Not authenticated: written here (or, still in the transport's handshake, not at all).
            send(last);
            close(reason);
            return;
        }
        send(last);
        closingAfterSend = true;
        out.finish();
    }

    /** Closes the connection now; the reader and writer threads end. */
    void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        if (closed.compareAndSet(false, true)) {
            Outbox out = outbox;
            if (out != null) {
                out.stop();
            }
            closeConnection();
        }
    }

    private void closeConnection() {
        closed.set(true);
        try {
            connection.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing " + label() + " failed", e);
        }
    }

    @Override
    public String toString() {
        return label();
    }
}
