package io.cpcluster.core;

import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The master's side of one node connection: the handshake, then the node's requests, read on
 * one virtual thread. What the master sends goes through a bounded outbox drained by a second
 * virtual thread, so that a node that stops reading can never block the master: when its outbox
 * is full, the master drops it.
 */
final class Session {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    /** Frames the master may queue for one node before it drops the node as too slow. */
    static final int OUTBOX_CAPACITY = 4096;
    private static final Object CLOSE = new Object();

    private final Master master;
    private final Transport.Connection connection;
    private final FrameInput input;
    private final FrameOutput output;
    private final InetSocketAddress remote;
    private final BlockingQueue<Object> outbox = new ArrayBlockingQueue<>(OUTBOX_CAPACITY);
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set when a last message is queued with {@link #sendAndClose}: let it out before closing. */
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile NodeInfo node;
    private volatile long lastHeard = System.nanoTime();
    private volatile String closeReason;
    private Thread writer;
    private Future<?> authDeadline;

    Session(Master master, Transport.Connection connection) throws IOException {
        this.master = master;
        this.connection = connection;
        this.remote = connection.remoteAddress();
        this.input = new FrameInput(connection.input());
        this.output = new FrameOutput(connection.output());
    }

    /** The node, once authenticated; null before. */
    NodeInfo node() {
        return node;
    }

    void node(NodeInfo node) {
        this.node = node;
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

    /** Serves the connection until it ends. Runs on the session's own virtual thread. */
    void run() {
        String reason = "connection closed by the node";
        try {
            writer = Threads.startVirtual("cpcluster-master-writer-" + Addresses.text(remote), this::drain);
            byte[] nonce = Secrets.newNonce();
            send(new Control.Hello(Control.VERSION, Secrets.base64(nonce)));
            authDeadline = master.schedule(() -> fail(Control.Fault.AUTH_TIMEOUT,
                    "no AUTH within " + master.config().authTimeout().toMillis() + " ms"),
                    master.config().authTimeout().toMillis());
            byte[] first = input.readFrame(master.config().maxControlFrameSize());
            if (first == null) {
                return;
            }
            Control hello = ControlCodec.decode(first);
            if (!(hello instanceof Control.Auth auth)) {
                throw new ProtocolException("expected AUTH as the first message, got "
                        + ControlCodec.wireType(hello.getClass()));
            }
            authDeadline.cancel(false);
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
            LOG.log(Level.ERROR, "the master failed while serving " + label(), e);
        } finally {
            if (authDeadline != null) {
                authDeadline.cancel(false);
            }
            if (closing.get()) {
                Threads.join(writer, Master.CLOSE_TIMEOUT);
            }
            close(reason);
            Threads.join(writer, Master.CLOSE_TIMEOUT);
            master.sessionEnded(this, closeReason);
        }
    }

    /**
     * Queues a message for the node. Never blocks: a node whose outbox is full is too slow, and
     * is disconnected at once (an error message could not get past the ones it left unread).
     */
    void send(Control message) {
        if (closed.get()) {
            return;
        }
        if (!outbox.offer(ControlCodec.encode(message))) {
            LOG.log(Level.WARNING, "dropping {0}: it left {1} messages unread", label(), OUTBOX_CAPACITY);
            closeReason = "dropped: it left " + OUTBOX_CAPACITY + " messages from the master unread";
            closeNow();
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
        closing.set(true);
        send(last);
        if (!outbox.offer(CLOSE)) {
            closeNow();
        }
    }

    /** Closes the connection now; the reader and writer threads end. */
    void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        closeNow();
    }

    private void closeNow() {
        if (closed.compareAndSet(false, true)) {
            try {
                connection.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing " + label() + " failed", e);
            }
            outbox.clear();
            outbox.offer(CLOSE);
        }
    }

    /** The writer thread: sends queued frames, flushing when the outbox runs dry. */
    private void drain() {
        try {
            while (true) {
                Object next = outbox.take();
                while (next != null) {
                    if (next == CLOSE) {
                        output.flush();
                        closeNow();
                        return;
                    }
                    output.writeBuffered((byte[]) next);
                    next = outbox.poll();
                }
                output.flush();
            }
        } catch (IOException e) {
            closeNow();
        } catch (InterruptedException e) {
            closeNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Waits, on this session's thread, before answering a failed authentication. */
    void pause(long nanos) {
        if (nanos > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return label();
    }
}
