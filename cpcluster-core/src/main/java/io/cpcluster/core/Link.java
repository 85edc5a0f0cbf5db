package io.cpcluster.core;

import io.cpcluster.ClusterException;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosedException;
import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.RemoteTaskException;
import io.cpcluster.TaskBinding;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One end of an open direct link. One reader thread (virtual or platform, as configured) reads
 * frames; a call from the peer runs on a new virtual thread, or on the reader itself (see
 * {@link io.cpcluster.HandlerThreads}); writes from any thread go through one {@link FrameOutput}.
 */
final class Link implements DirectLink {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.link");
    /** Messages held while no consumer is set; past this the reader waits, which holds the peer back. */
    static final int MAX_EARLY_MESSAGES = 1024;
    /** How long close() lets its CLOSE frame take before it closes the socket anyway. */
    private static final long CLOSE_FRAME_MILLIS = 1000;

    private final Node node;
    private final LinkInfo info;
    private final NodeInfo peer;
    private final Transport.Connection connection;
    private final FrameInput input;
    private final FrameOutput output;
    private final int maxFrameSize;
    private final int peerMaxFrameSize;
    private final ConcurrentHashMap<Long, Call<?>> calls = new ConcurrentHashMap<>();
    /** Room for this node's calls in flight: {@link io.cpcluster.NodeConfig#maxCallsInFlight()}. */
    private final Semaphore callRoom;
    /** Room for the peer's calls running here at once; when there is none, the reader waits. */
    private final Semaphore handlerRoom;
    /** When a frame last came from the peer (System.nanoTime()). */
    private volatile long lastRead = System.nanoTime();
    /** True while the reader waits for a handler to end before it reads the peer's next call. */
    private volatile boolean holdingBack;
    /** The link whose reader this thread is, if any: a call made here must never wait for room. */
    private static final ThreadLocal<Link> READING = new ThreadLocal<>();
    private final AtomicLong correlations = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String closeReason;

    private final ReentrantLock messageLock = new ReentrantLock();
    private final Condition consumerSet = messageLock.newCondition();
    private final ArrayDeque<byte[]> early = new ArrayDeque<>();
    private Consumer<byte[]> consumer;

    /** A call this end made and is waiting for. */
    private record Call<O>(String task, Class<O> type, CompletableFuture<O> future) {
    }

    Link(Node node, LinkInfo info, NodeInfo peer, Transport.Connection connection, FrameInput input,
         FrameOutput output, int peerMaxFrameSize) {
        this.node = node;
        this.info = info;
        this.peer = peer;
        this.connection = connection;
        this.input = input;
        this.output = output;
        this.maxFrameSize = node.config().maxFrameSize();
        this.peerMaxFrameSize = peerMaxFrameSize;
        this.callRoom = new Semaphore(node.config().maxCallsInFlight());
        this.handlerRoom = new Semaphore(node.config().maxCallsInFlight());
    }

    void start() {
        if (!node.startReader(this::read)) {
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
        return !closed.get();
    }

    // ---------------------------------------------------------------- calls

    @Override
    public <O> CompletableFuture<O> call(String task, Object input, Class<O> resultType) {
        TaskBinding.checkTaskName(task);
        Objects.requireNonNull(resultType, "resultType");
        Payloads.Encoded encoded = Payloads.encode(input);
        byte[] name = LinkFrame.taskName(task);
        checkSize(name.length + encoded.bytes().length, "the input of task '" + task + "'");
        CompletableFuture<O> future = new CompletableFuture<>();
        if (closed.get()) {
            future.completeExceptionally(closedException(task));
            return future;
        }
        if (!takeCallRoom(task, future)) {
            return future;
        }
        if (closed.get()) {
            callRoom.release();
            future.completeExceptionally(closedException(task));
            return future;
        }
        long correlation = correlations.incrementAndGet();
        calls.put(correlation, new Call<>(task, resultType, future));
        if (closed.get() && calls.remove(correlation) != null) {
            // close() may have swept the calls before this one was added.
            callRoom.release();
            future.completeExceptionally(closedException(task));
            return future;
        }
        byte[] header = LinkFrame.header(LinkFrame.CALL, encoded.flags(), correlation, name);
        try {
            output.write(header, header.length, encoded.bytes(), 0, encoded.bytes().length);
        } catch (IOException e) {
            close("writing to the peer failed: " + e.getMessage(), false);
        }
        return future;
    }

    /**
     * Waits for room for one more call in flight (backpressure). On this link's own reader thread
     * it never waits, since only that thread can make room: a full link fails the call instead.
     *
     * @return false when the call has been failed instead
     */
    private boolean takeCallRoom(String task, CompletableFuture<?> future) {
        if (callRoom.tryAcquire()) {
            return true;
        }
        if (READING.get() == this) {
            future.completeExceptionally(new ClusterException("link " + info.id() + " to " + peer.label() + " already has "
                    + node.config().maxCallsInFlight() + " calls in flight, and task '" + task + "' was called on the"
                    + " link's reader thread, which must not wait: chain calls with thenComposeAsync, or raise"
                    + " NodeConfig.maxCallsInFlight"));
            return false;
        }
        try {
            callRoom.acquire();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(new ClusterException("interrupted while waiting for room for task '" + task
                    + "' on link " + info.id() + " (it has " + node.config().maxCallsInFlight() + " calls in flight)",
                    e));
            return false;
        }
    }

    @Override
    public void send(byte[] message) {
        Objects.requireNonNull(message, "message");
        checkSize(message.length, "a message");
        if (closed.get()) {
            throw closedException(null);
        }
        byte[] header = LinkFrame.header(LinkFrame.MESSAGE, LinkFrame.FLAG_RAW, 0, Bytes.EMPTY);
        try {
            output.write(header, header.length, message, 0, message.length);
        } catch (IOException e) {
            close("writing to the peer failed: " + e.getMessage(), false);
            throw closedException(null);
        }
    }

    private void checkSize(int bodyBytes, String what) {
        long frame = (long) LinkFrame.HEADER_LENGTH + bodyBytes;
        if (frame > peerMaxFrameSize) {
            throw new IllegalArgumentException(what + " takes " + frame + " bytes, more than the " + peerMaxFrameSize
                    + " bytes " + peer.label() + " accepts in one frame (its NodeConfig.maxFrameSize): send it in parts");
        }
    }

    @Override
    public void onMessage(Consumer<byte[]> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        messageLock.lock();
        try {
            this.consumer = consumer;
            byte[] waiting;
            while ((waiting = early.poll()) != null) {
                deliver(consumer, waiting);
            }
            consumerSet.signalAll();
        } finally {
            messageLock.unlock();
        }
    }

    // ---------------------------------------------------------------- reading

    private void read() {
        byte[] header = new byte[LinkFrame.HEADER_LENGTH];
        READING.set(this);
        try {
            while (true) {
                int length = input.readLength(LinkFrame.HEADER_LENGTH, maxFrameSize);
                if (length < 0) {
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
                byte[] payload = new byte[length - LinkFrame.HEADER_LENGTH - parsed.nameLength()];
                input.readFully(payload, 0, payload.length);
                switch (parsed.kind()) {
                    case LinkFrame.CALL -> {
                        // The peer may not run more than maxCallsInFlight calls here at once: past that,
                        // stop reading until one ends, which holds the peer back through TCP.
                        if (!handlerRoom.tryAcquire()) {
                            // Not reading on purpose: the silence that follows is ours, not the peer's.
                            holdingBack = true;
                            handlerRoom.acquireUninterruptibly();
                            lastRead = System.nanoTime();
                            holdingBack = false;
                        }
                        if (closed.get()) {
                            handlerRoom.release();
                            return;
                        }
                        node.serve(this, parsed.correlation(), task, parsed.flags(), payload);
                    }
                    case LinkFrame.RESULT -> completed(parsed, payload);
                    case LinkFrame.ERROR -> failed(parsed, payload);
                    case LinkFrame.MESSAGE -> received(payload);
                    case LinkFrame.CLOSE -> {
                        close("closed by " + peer.label() + ": " + new String(payload, StandardCharsets.UTF_8), false);
                        return;
                    }
                    case LinkFrame.PING -> LOG.log(Level.TRACE, "keep-alive from {0}", peer.label());
                    default -> throw new ProtocolException("unknown link frame kind " + parsed.kind());
                }
            }
        } catch (ProtocolException e) {
            LOG.log(Level.WARNING, "closing link {0} to {1}: {2}", info.id(), peer.label(), e.getMessage());
            close("protocol error: " + e.getMessage(), true);
        } catch (IOException e) {
            close(closed.get() ? closeReason : "connection lost: " + e.getMessage(), false);
        } finally {
            READING.remove();
        }
    }

    private void completed(LinkFrame.Header header, byte[] payload) {
        Call<?> call = calls.remove(header.correlation());
        if (call != null) {
            callRoom.release();
            complete(call, header.flags(), payload);
        }
    }

    private <O> void complete(Call<O> call, int flags, byte[] payload) {
        O result;
        try {
            result = Payloads.decode(flags, payload, call.type());
        } catch (IllegalArgumentException e) {
            call.future().completeExceptionally(new ClusterException("the result of task '" + call.task() + "' from "
                    + peer.label() + " could not be read: " + e.getMessage(), e));
            return;
        }
        call.future().complete(result);
    }

    private void failed(LinkFrame.Header header, byte[] payload) {
        Call<?> call = calls.remove(header.correlation());
        if (call == null) {
            return;
        }
        callRoom.release();
        String[] error = ControlCodec.decodeError(payload);
        call.future().completeExceptionally(new RemoteTaskException(call.task(), peer.label(), error[0], error[1]));
    }

    private void received(byte[] payload) {
        messageLock.lock();
        try {
            while (consumer == null) {
                if (early.size() < MAX_EARLY_MESSAGES) {
                    early.add(payload);
                    return;
                }
                consumerSet.awaitUninterruptibly();
                if (closed.get()) {
                    return;
                }
            }
            deliver(consumer, payload);
        } finally {
            messageLock.unlock();
        }
    }

    private void deliver(Consumer<byte[]> to, byte[] message) {
        try {
            to.accept(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the message consumer of link " + info.id() + " failed", e);
        }
    }

    // ---------------------------------------------------------------- answering the peer's calls

    /** Sends the result of one of the peer's calls, which has ended. */
    void respond(long correlation, String task, Object result) {
        Payloads.Encoded encoded;
        try {
            encoded = Payloads.encode(result);
            checkSize(encoded.bytes().length, "the result of task '" + task + "'");
        } catch (IllegalArgumentException e) {
            respondError(correlation, e);
            return;
        }
        handlerRoom.release();
        write(LinkFrame.RESULT, encoded.flags(), correlation, encoded.bytes());
    }

    /** Sends the failure of one of the peer's calls, which has ended. */
    void respondError(long correlation, Throwable error) {
        handlerRoom.release();
        String message = Objects.requireNonNullElse(error.getMessage(), "");
        byte[] body = ControlCodec.encodeError(error.getClass().getName(), message);
        if (LinkFrame.HEADER_LENGTH + body.length > peerMaxFrameSize) {
            body = ControlCodec.encodeError(error.getClass().getName(), message.substring(0, 1024) + "...");
        }
        write(LinkFrame.ERROR, 0, correlation, body);
    }

    private void write(byte kind, int flags, long correlation, byte[] payload) {
        if (closed.get()) {
            return;
        }
        byte[] header = LinkFrame.header(kind, flags, correlation, Bytes.EMPTY);
        try {
            output.write(header, header.length, payload, 0, payload.length);
        } catch (IOException e) {
            close("writing to the peer failed: " + e.getMessage(), false);
        }
    }

    // ---------------------------------------------------------------- liveness

    /**
     * The node's heartbeat, for this link: closes it when the peer has been silent too long (dead,
     * frozen or cut off; calls in flight then fail at once), and sends a keep-alive when this side
     * has been. Both on virtual threads: a stalled socket must not hold up the node's timer.
     */
    void beat(long now) {
        if (closed.get()) {
            return;
        }
        long silent = now - lastRead;
        if (silent > node.config().linkHeartbeatTimeout().toNanos() && !holdingBack) {
            Threads.startVirtual("cpcluster-link-" + info.id() + "-dead", () -> close("no frame from " + peer.label()
                    + " for " + TimeUnit.NANOSECONDS.toMillis(silent) + " ms: it is dead, frozen or cut off", false));
        } else if (now - output.lastWrite() > node.config().linkHeartbeatInterval().toNanos()) {
            Threads.startVirtual("cpcluster-link-" + info.id() + "-ping",
                    () -> write(LinkFrame.PING, 0, 0, Bytes.EMPTY));
        }
    }

    /** The calls this node waits for on this link. */
    int callsInFlight() {
        return calls.size();
    }

    /** The peer's calls running here now. */
    int handlersRunning() {
        return node.config().maxCallsInFlight() - handlerRoom.availablePermits();
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void close() {
        close("closed by this node", true);
    }

    /**
     * Closes the link once: tells the peer (when asked to and the connection still works), fails
     * the calls in flight, and tells the node.
     */
    void close(String reason, boolean tellPeer) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeReason = reason;
        if (tellPeer) {
            // A peer that stopped reading must not hold close() up: the socket closes regardless.
            var guard = node.schedule(this::closeConnection, CLOSE_FRAME_MILLIS, TimeUnit.MILLISECONDS);
            byte[] header = LinkFrame.header(LinkFrame.CLOSE, 0, 0, Bytes.EMPTY);
            byte[] why = reason.getBytes(StandardCharsets.UTF_8);
            try {
                output.write(header, header.length, why, 0, Math.min(why.length, 1024));
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "could not tell {0} that link {1} closed: {2}", peer.label(), info.id(), e);
            }
            guard.cancel(false);
        }
        closeConnection();
        for (Long correlation : calls.keySet()) {
            Call<?> call = calls.remove(correlation);
            if (call != null) {
                callRoom.release();
                call.future().completeExceptionally(closedException(call.task()));
            }
        }
        // Callers waiting for room, and a reader waiting for a handler to end, find the link closed.
        callRoom.release(node.config().maxCallsInFlight());
        handlerRoom.release(node.config().maxCallsInFlight());
        messageLock.lock();
        try {
            consumerSet.signalAll();
        } finally {
            messageLock.unlock();
        }
        node.linkClosed(this, reason);
    }

    private void closeConnection() {
        try {
            connection.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the connection of link " + info.id() + " failed", e);
        }
    }

    private LinkClosedException closedException(String task) {
        String what = task == null ? "" : " before task '" + task + "' answered";
        return new LinkClosedException("link " + info.id() + " to " + peer.label() + " closed" + what + " ("
                + closeReason + "): open a new link, or use ClusterNode.submit, which tries another node");
    }

    @Override
    public String toString() {
        return "DirectLink[" + info.id() + " to " + peer.label() + ", port " + info.port()
                + (closed.get() ? ", closed: " + closeReason : "") + "]";
    }
}
