package io.cpcluster.core.link;

import io.cpcluster.CallOptions;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosedException;
import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.TaskBinding;
import io.cpcluster.core.threads.Lane;
import io.cpcluster.core.wire.Bytes;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.LinkFrame;
import io.cpcluster.core.wire.Payloads;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One end of an open direct link.
 *
 * <p>Threads: one reader thread (virtual or platform, as configured) reads frames and hands
 * them on, and does nothing else: answers complete their calls' futures (never running what
 * depends on them, see {@link LaneFuture}), the peer's calls go to {@link IncomingCalls}, messages
 * to the {@link Inbox}. The {@link Lane} runs application code one task at a time. Writes come
 * from the threads that call, answer or send, through one {@link FrameOutput}, which batches the
 * frames that are ready together into one socket write: a frame written while the socket is idle
 * leaves on its own thread at once, and the writes of a stream go to the node's background
 * threads, so that its writer goes on; a handler's write is {@linkplain IncomingCalls#shielded
 * shielded} from a cancel's interrupt. The node's timer calls
 * {@link #beat} for keep-alives and to find a dead peer; it hands anything that may block to the
 * node's background threads.
 *
 * <p>The reader waits for the application in one place only: room in the inbox, when the
 * application leaves {@value DirectLink#MAX_QUEUED_MESSAGES} messages unconsumed; then it reads
 * nothing, answers included, which holds the peer back through TCP. (It also writes, and may wait
 * for the socket: a refusal of a call, and the {@code CLOSE} of a link that fails.) Liveness judges the wire: the peer is dead
 * when nothing came from it for the link heartbeat timeout while this side was reading; a wait
 * for the application is not counted, and the clock starts again when reading resumes.
 */
public final class Link implements DirectLink {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.link");
    /** How long close() lets its CLOSE frame take before it closes the socket anyway. */
    private static final long CLOSE_FRAME_MILLIS = 1000;
    /** The longest reason a CLOSE frame carries, in bytes. */
    private static final int MAX_CLOSE_REASON = 1024;
    /** What a frame holds besides its payload, at most: the header and the longest task name. */
    public static final int FRAME_OVERHEAD = LinkFrame.HEADER_LENGTH + TaskBinding.MAX_TASK_NAME_BYTES;
    /**
     * Payloads up to this size are allocated whole as their frame starts; larger ones grow as
     * their bytes arrive, so a peer that announces a large frame and trickles it holds little.
     */
    private static final int WHOLE_PAYLOAD = 1024 * 1024;
    /** The smallest frame limit a peer may announce: room for a header and a 1 KiB payload. */
    public static final int MIN_PEER_FRAME = LinkFrame.HEADER_LENGTH + 1024;

    private final LinkHost host;
    private final LinkInfo info;
    private final NodeInfo peer;
    private final Transport.Connection connection;
    private final FrameInput input;
    private final FrameOutput output;
    /** The protocol version agreed in the handshake. */
    private final int version;
    /** The largest frame body this side reads. */
    private final int maxFrame;
    /** The largest payload the peer reads. */
    private final int peerMaxPayload;
    private final Lane lane;
    private final OutgoingCalls calls;
    private final IncomingCalls incoming;
    private final Inbox inbox;
    /** When a frame last came from the peer (System.nanoTime()); the reader's, and the timer's while paused. */
    private volatile long lastRead = System.nanoTime();
    /** True while the reader waits for the application instead of reading. */
    private volatile boolean paused;
    private final AtomicBoolean pinging = new AtomicBoolean();
    /** Why the link closed; null while it is open. Set once. */
    private final AtomicReference<String> closeReason = new AtomicReference<>();

    /**
     * @param version the protocol version the handshake agreed on
     * @param peerMaxFrame the largest frame body the peer reads, as it announced in the handshake
     * @param peerMaxCalls how many of this node's calls the peer runs at once, as it announced in
     *        the handshake; 0 when it did not say
     */
    public Link(LinkHost host, LinkInfo info, NodeInfo peer, Transport.Connection connection, FrameInput input,
                FrameOutput output, int version, int peerMaxFrame, int peerMaxCalls) {
        this.host = host;
        this.info = info;
        this.peer = peer;
        this.connection = connection;
        this.input = input;
        this.output = output;
        this.version = version;
        this.maxFrame = frameLimit(host.config().maxPayloadSize());
        this.peerMaxPayload = Math.max(0, peerMaxFrame - FRAME_OVERHEAD);
        this.lane = new Lane("the lane of link " + info.id(), host.application());
        int own = host.config().maxCallsInFlight();
        this.calls = new OutgoingCalls(this, peerMaxCalls > 0 ? Math.min(own, peerMaxCalls) : own, own);
        this.incoming = new IncomingCalls(this, host.config().maxCallsInFlight(),
                host.config().maxCallBytesInFlight());
        this.inbox = new Inbox(this, host.config().maxQueuedMessageBytes());
        output.batching(host.background(), e -> close("writing to the peer failed: " + e.getMessage(), false));
        // What one read brought goes to the lane together: one task and one wake-up per read.
        input.beforeEachRead(this::deliverWhatWasRead);
    }

    /** The frame body limit a node with this payload limit announces: a payload plus the largest header. */
    public static int frameLimit(int maxPayload) {
        return maxPayload + FRAME_OVERHEAD;
    }

    /** Starts reading. */
    public void start() {
        if (!host.startReader(this::read)) {
            close("its node is closing", true);
        }
    }

    @Override
    public LinkId id() {
        return info.id();
    }

    @Override
    public NodeInfo peer() {
        return peer;
    }

    @Override
    public int port() {
        return info.port();
    }

    @Override
    public LinkInfo info() {
        return info;
    }

    @Override
    public boolean isOpen() {
        return closeReason.get() == null;
    }

    // ---------------------------------------------------------------- calls, messages

    @Override
    public <O> CompletableFuture<O> call(String task, Object input, Class<O> resultType) {
        return call(task, input, resultType, CallOptions.DEFAULTS);
    }

    @Override
    public <O> CompletableFuture<O> call(String task, Object input, Class<O> resultType, CallOptions options) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(resultType, "resultType");
        byte[] name = LinkFrame.taskName(TaskBinding.checkTaskName(task));
        Payloads.Encoded encoded = Payloads.encode(input);
        checkSize(encoded.bytes().length, "the input of task '" + task + "'");
        return calls.call(task, resultType, name, encoded, timeoutMillis(options));
    }

    @Override
    public <O> O invoke(String task, Object input, Class<O> resultType) {
        return invoke(task, input, resultType, CallOptions.DEFAULTS);
    }

    @Override
    public <O> O invoke(String task, Object input, Class<O> resultType, CallOptions options) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(resultType, "resultType");
        byte[] name = LinkFrame.taskName(TaskBinding.checkTaskName(task));
        Payloads.Encoded encoded = Payloads.encode(input);
        checkSize(encoded.bytes().length, "the input of task '" + task + "'");
        return calls.invoke(task, resultType, name, encoded, timeoutMillis(options));
    }

    private long timeoutMillis(CallOptions options) {
        return Math.max(1, options.timeout().orElse(host.config().callTimeout()).toMillis());
    }

    @Override
    public void send(byte[] message) {
        Objects.requireNonNull(message, "message");
        checkSize(message.length, "a message");
        if (!isOpen()) {
            throw closedException(null);
        }
        write(LinkFrame.header(LinkFrame.MESSAGE, LinkFrame.FLAG_RAW, 0, Bytes.EMPTY), message);
        if (!isOpen()) {
            throw closedException(null);
        }
    }

    @Override
    public void onMessage(Consumer<byte[]> consumer) {
        inbox.consumer(consumer);
    }

    /** Refuses a payload the peer would refuse, before anything is sent. */
    private void checkSize(int payloadBytes, String what) {
        if (payloadBytes > peerMaxPayload) {
            throw new IllegalArgumentException(what + " is " + payloadBytes + " bytes, more than the " + peerMaxPayload
                    + " bytes " + peer.label() + " accepts (its NodeConfig.maxPayloadSize): send it in parts");
        }
    }

    // ---------------------------------------------------------------- reading

    private void read() {
        byte[] header = new byte[LinkFrame.HEADER_LENGTH];
        try {
            while (true) {
                int length = input.readLength(LinkFrame.HEADER_LENGTH, maxFrame);
                if (length < 0) {
                    deliverWhatWasRead();
                    close("the peer closed the connection", false);
                    return;
                }
                lastRead = System.nanoTime();
                input.readFully(header, 0, LinkFrame.HEADER_LENGTH);
                LinkFrame.Header parsed = LinkFrame.Header.parse(header, length);
                String task = null;
                if (parsed.nameLength() > 0) {
                    byte[] name = new byte[parsed.nameLength()];
                    input.readFully(name, 0, name.length);
                    task = new String(name, StandardCharsets.UTF_8);
                }
                byte[] payload = input.readBytes(length - LinkFrame.HEADER_LENGTH - parsed.nameLength(), WHOLE_PAYLOAD);
                if (parsed.kind() != LinkFrame.MESSAGE) {
                    // What this frame queues on the lane must not overtake the messages before it,
                    // and what it writes (a refusal, say) must not hold them up.
                    deliverWhatWasRead();
                }
                switch (parsed.kind()) {
                    case LinkFrame.CALL -> incoming.received(parsed.correlation(), task, parsed.flags(), payload);
                    case LinkFrame.RESULT -> calls.answered(parsed.correlation(), parsed.flags(), payload);
                    case LinkFrame.ERROR -> calls.failed(parsed.correlation(), payload);
                    case LinkFrame.MESSAGE -> inbox.received(payload);
                    case LinkFrame.CANCEL -> incoming.cancel(parsed.correlation());
                    case LinkFrame.PING -> LOG.log(Level.TRACE, "keep-alive from {0}", peer.label());
                    case LinkFrame.CLOSE -> {
                        close("closed by " + peer.label() + ": "
                                + ControlCodec.quote(new String(payload, StandardCharsets.UTF_8)), false);
                        return;
                    }
                    default -> throw new ProtocolException("unknown link frame kind " + parsed.kind());
                }
            }
        } catch (ProtocolException e) {
            deliverWhatWasRead();
            LOG.log(Level.WARNING, "closing link {0} to {1}: {2}", info.id(), peer.label(), e.getMessage());
            close("protocol error: " + e.getMessage(), true);
        } catch (IOException e) {
            deliverWhatWasRead();
            close("connection lost: " + e.getMessage(), false);
        } catch (OutOfMemoryError e) {
            // What this link's peer sent ran the heap out: the link ends, and what it held goes
            // with it; the node and its other links go on.
            LOG.log(Level.ERROR, "closing link " + info.id() + " to " + peer.label() + ": out of memory", e);
            close("this node ran out of memory reading from the peer", false);
        } finally {
            // Messages read before the end are still delivered.
            deliverWhatWasRead();
        }
    }

    /**
     * Hands the messages read so far to the lane and starts it (on the reader): before each read
     * from the socket, before anything else the reader queues on the lane or writes, and before
     * the link closes, so that nothing overtakes them and nothing holds them up.
     */
    private void deliverWhatWasRead() {
        inbox.seal();
        lane.start();
    }

    /**
     * Bytes of the peer's messages held or queued for the application and not yet consumed: at
     * most {@link io.cpcluster.NodeConfig#maxQueuedMessageBytes()} (for tests and diagnostics).
     */
    public long queuedMessageBytes() {
        return inbox.pendingBytes();
    }

    /** The reader starts or stops waiting for the inbox; while it waits, silence is not the peer's. */
    void pausing(boolean waiting) {
        paused = waiting;
        lastRead = System.nanoTime();
    }

    // ---------------------------------------------------------------- writing

    void writeCall(byte[] header, byte[] payload) {
        write(header, payload);
    }

    /** Sends the result of one of the peer's calls. */
    void writeResult(long correlation, String task, Object result) {
        Payloads.Encoded encoded;
        try {
            encoded = Payloads.encode(result);
            checkSize(encoded.bytes().length, "the result of task '" + task + "'");
        } catch (IllegalArgumentException e) {
            writeError(correlation, e);
            return;
        }
        write(LinkFrame.header(LinkFrame.RESULT, encoded.flags(), correlation, Bytes.EMPTY), encoded.bytes());
    }

    /** Sends the failure of one of the peer's calls. */
    void writeError(long correlation, Throwable error) {
        String message = Objects.requireNonNullElse(error.getMessage(), "");
        byte[] body = ControlCodec.encodeError(error.getClass().getName(), message);
        if (body.length > peerMaxPayload) {
            body = ControlCodec.encodeError(error.getClass().getName(), message.substring(0, Math.min(message.length(),
                    256)) + "...");
        }
        write(LinkFrame.header(LinkFrame.ERROR, 0, correlation, Bytes.EMPTY), body);
    }

    /** Asks the peer to stop a call this side gave up on, off the calling thread (it may be the timer). */
    void cancelOnPeer(long correlation) {
        if (!isOpen() || version < 2) {
            return;
        }
        try {
            host.background().execute(() -> write(LinkFrame.header(LinkFrame.CANCEL, 0, correlation, Bytes.EMPTY),
                    Bytes.EMPTY));
        } catch (RejectedExecutionException e) {
            // The node is closing, and its links with it: the peer's handlers are interrupted anyway.
        }
    }

    /**
     * Hands a frame to the output, which batches it with the frames ready at the same time (see
     * {@link FrameOutput}); a handler's thread is shielded from a cancel's interrupt while it
     * writes.
     */
    private void write(byte[] header, byte[] payload) {
        if (!isOpen()) {
            return;
        }
        IncomingCalls.shielded(() -> {
            try {
                output.queue(header, header.length, payload, 0, payload.length);
            } catch (IOException e) {
                close("writing to the peer failed: " + e.getMessage(), false);
            }
        });
    }

    // ---------------------------------------------------------------- liveness

    /**
     * The node's heartbeat, for this link (on the timer): closes it when a write to the peer has
     * made no progress for the write timeout (the peer reads nothing: the blocked writers then
     * fail, and so do the calls in flight), or when the peer has been silent too long while this
     * side read (dead, frozen or cut off); and sends a keep-alive when this side has written
     * nothing for a while. All on background threads: a stalled socket must not hold up the
     * node's timer.
     */
    public void beat(long now) {
        if (!isOpen()) {
            return;
        }
        if (paused) {
            lastRead = now;
        }
        long silent = now - lastRead;
        long stalled = output.stalledNanos(now);
        if (stalled > host.config().writeTimeout().toNanos()) {
            background(() -> close(peer.label() + " read nothing this node wrote for "
                    + TimeUnit.NANOSECONDS.toMillis(stalled) + " ms (NodeConfig.writeTimeout): it is frozen, or does"
                    + " not read", false));
        } else if (silent > host.config().linkHeartbeatTimeout().toNanos()) {
            background(() -> close("no frame from " + peer.label() + " for "
                    + TimeUnit.NANOSECONDS.toMillis(silent) + " ms: it is dead, frozen or cut off", false));
        } else if (now - output.lastWrite() > host.config().linkHeartbeatInterval().toNanos()
                && pinging.compareAndSet(false, true)) {
            background(() -> {
                try {
                    write(LinkFrame.header(LinkFrame.PING, 0, 0, Bytes.EMPTY), Bytes.EMPTY);
                } finally {
                    pinging.set(false);
                }
            });
        }
    }

    /** Runs the library's own short job on a background thread; nothing when the node has closed. */
    private void background(Runnable job) {
        try {
            host.background().execute(job);
        } catch (RejectedExecutionException e) {
            pinging.set(false);
        }
    }

    /** Calls this node made on this link that wait for answers. */
    public int callsInFlight() {
        return calls.inFlight();
    }

    /** Calls this node made on this link that wait for room. */
    public int callsWaiting() {
        return calls.waiting();
    }

    /** The peer's calls running here now. */
    public int peerCallsRunning() {
        return incoming.running();
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void close() {
        close("closed by this node", true);
    }

    /**
     * Closes the link once: tells the peer (when asked to and the connection still works), fails
     * the calls in flight, interrupts the peer's handlers, and tells the node.
     */
    public void close(String reason, boolean tellPeer) {
        if (!closeReason.compareAndSet(null, reason)) {
            return;
        }
        if (tellPeer) {
            // A peer that stopped reading must not hold close() up: the socket closes regardless.
            Future<?> guard = host.schedule(this::closeConnection, CLOSE_FRAME_MILLIS, TimeUnit.MILLISECONDS);
            byte[] header = LinkFrame.header(LinkFrame.CLOSE, 0, 0, Bytes.EMPTY);
            byte[] why = reason.getBytes(StandardCharsets.UTF_8);
            try {
                output.write(header, header.length, why, 0, Math.min(why.length, MAX_CLOSE_REASON));
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "could not tell {0} that link {1} closed: {2}", peer.label(), info.id(), e);
            }
            guard.cancel(false);
        }
        closeConnection();
        calls.close(closedException(null));
        incoming.close();
        inbox.close();
        host.linkClosed(this, reason);
    }

    private void closeConnection() {
        try {
            connection.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the connection of link " + info.id() + " failed", e);
        }
    }

    LinkClosedException closedException(String task) {
        String what = task == null ? "" : " before task '" + task + "' answered";
        return new LinkClosedException("link " + info.id() + " to " + peer.label() + " closed" + what + " ("
                + closeReason.get() + "): open a new link, or use ClusterNode.submit, which tries another node");
    }

    // ---------------------------------------------------------------- for the link's parts

    LinkHost host() {
        return host;
    }

    Lane lane() {
        return lane;
    }

    /** "link L to peer", for messages. */
    String describe() {
        return "link " + info.id() + " to " + peer.label();
    }

    @Override
    public String toString() {
        String closed = closeReason.get();
        return "DirectLink[" + info.id() + " to " + peer.label() + ", port " + info.port()
                + (closed != null ? ", closed: " + closed : "") + "]";
    }
}
