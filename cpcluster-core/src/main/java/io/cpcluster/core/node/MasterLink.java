package io.cpcluster.core.node;

import io.cpcluster.AuthenticationException;
import io.cpcluster.ClusterException;
import io.cpcluster.MasterUnavailableException;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.core.threads.Threads;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.Outbox;
import io.cpcluster.spi.Transport;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's side of its connection to the master: joining (HELLO, AUTH, the node list), one
 * virtual thread that reads the master's messages, a bounded {@link Outbox} with its own writer
 * for what the node sends, heartbeats, and reconnecting (with backoff, to each master in turn)
 * when the master is lost.
 *
 * <p>It owns what the master must know of this node: the tasks it serves. After every
 * {@code AUTH_OK} it replays what changed while the connection was being made (tasks handled,
 * links closed since the {@code AUTH} was written), so nothing said in between is lost.
 * {@link #send} never blocks; a master that leaves {@value #OUTBOX_CAPACITY} frames (or
 * {@value #OUTBOX_BYTES} bytes) unread, or reads nothing the node writes for
 * {@link NodeConfig#writeTimeout()}, is taken for lost.
 */
final class MasterLink {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.node");
    /** The largest frame accepted during the handshake, before the master has answered the proof. */
    static final int MAX_HANDSHAKE_FRAME = 64 * 1024;
    /** The largest frame accepted from the authenticated master. */
    static final int MAX_FROM_MASTER = 16 * 1024 * 1024;
    /** Frames the node may queue for the master before it takes the master for lost. */
    static final int OUTBOX_CAPACITY = 1024;
    /** Bytes the node may queue for the master before it takes the master for lost. */
    static final int OUTBOX_BYTES = 4 * 1024 * 1024;
    /** How long close() lets BYE take. */
    private static final Duration BYE_TIMEOUT = Duration.ofSeconds(1);
    /**
     * The shortest time between two TASKS this node sends, the master's default
     * {@code taskUpdateInterval}: handlers registered faster go out together, the latest list.
     */
    static final long TASKS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** What the node does with what comes from the master. Called on the threads named. */
    interface Events {
        /** Joined or rejoined: the master's view of this node and of the others (on the joining thread). */
        void joined(NodeInfo self, Map<NodeId, NodeInfo> others);

        /** A message from the master (on the reader). */
        void received(Control message);

        /** The master is lost; the link reconnects by itself. */
        void lost(InetSocketAddress master, String reason);

        /** Back with a master after a loss (on the reconnecting thread). */
        void reconnected(InetSocketAddress master);

        /** The links this node has open now, as it reports them when it (re)joins. */
        List<Control.LinkClaim> claims();
    }

    private final NodeConfig config;
    private final NodeId id;
    private final JoinSettings join;
    private final Events events;
    private final Scheduler scheduler;
    private final ReentrantLock tasksLock = new ReentrantLock();
    /** The tasks this node serves, as it last told them; guarded by {@link #tasksLock}. */
    private List<String> tasks;
    /** When this node last sent TASKS (System.nanoTime()); guarded by {@link #tasksLock}. */
    private long tasksSentNanos = System.nanoTime() - TASKS_INTERVAL_NANOS;
    /** Whether a TASKS is due on the timer, which will send the list as it is then; guarded by {@link #tasksLock}. */
    private boolean tasksDue;
    private final ReentrantLock connectionLock = new ReentrantLock();
    /** The connection in use; null while there is none. Set under {@link #connectionLock}. */
    private volatile Connection current;
    private volatile String lostReason = "not connected yet";
    private volatile Thread reconnecting;
    /** The node's TLS; null with plain TCP. */
    private final Tls tls;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** When the last heartbeat went out; the timer's own. */
    private long lastPing = System.nanoTime();
    /** The local address of the last connection: where the node listens for links by default. */
    private volatile InetSocketAddress localAddress;

    /** How the link schedules its handshake deadlines: the node's timer. */
    interface Scheduler {
        Future<?> schedule(Runnable task, long delay, TimeUnit unit);
    }

    MasterLink(NodeConfig config, NodeId id, JoinSettings join, List<String> tasks, Events events, Scheduler scheduler,
               Tls tls) {
        this.tls = tls;
        this.config = config;
        this.id = id;
        this.join = join;
        this.tasks = List.copyOf(tasks);
        this.events = events;
        this.scheduler = scheduler;
    }

    /** One authenticated connection: its reader thread, its outbox, and when the master was last heard. */
    private final class Connection {
        final InetSocketAddress address;
        final Transport.Connection socket;
        final FrameInput input;
        final Outbox outbox;
        volatile long lastHeard = System.nanoTime();
        Thread reader;

        Connection(InetSocketAddress address, Transport.Connection socket, FrameInput input, FrameOutput output) {
            this.address = address;
            this.socket = socket;
            this.input = input;
            this.outbox = new Outbox("cpcluster-node-" + config.name() + "-master-writer", output, OUTBOX_CAPACITY,
                    OUTBOX_BYTES, () -> closeQuietly(socket));
        }

        boolean send(Control message) {
            if (outbox.offer(ControlCodec.encode(message))) {
                return true;
            }
            if (!closed.get()) {
                LOG.log(Level.WARNING, "node {0}: the master at {1} left {2} frames ({3} bytes) unread; taking it"
                        + " for lost", config.name(), Addresses.text(address), outbox.queued(), outbox.queuedBytes());
            }
            outbox.stop();
            return false;
        }
    }

    // ---------------------------------------------------------------- joining

    /**
     * Connects and authenticates with the first master that answers, in the configured order.
     *
     * @throws MasterUnavailableException if none answers
     * @throws AuthenticationException if a master refuses the token
     */
    void connect() {
        List<String> failures = new ArrayList<>();
        for (InetSocketAddress address : join.masters()) {
            Transport.Connection socket;
            try {
                socket = config.transport().connect(address, config.connectTimeout());
            } catch (IOException e) {
                failures.add(Addresses.text(address) + ": " + e.getMessage());
                continue;
            }
            handshake(address, socket);
            return;
        }
        throw new MasterUnavailableException("could not reach the master (" + String.join("; ", failures)
                + "): is it running, and is the address in join.json (or NodeConfig.master) right?");
    }

    private void handshake(InetSocketAddress address, Transport.Connection socket) {
        List<String> toldTasks = tasksNow();
        List<Control.LinkClaim> claims = events.claims();
        Joining.Joined joined = new Joining(config, id, join, scheduler, tls).join(address, socket, toldTasks, claims);
        try {
            localAddress = socket.localAddress();
            Connection connection = new Connection(address, joined.connection(), joined.input(), joined.output());
            events.joined(joined.self(), joined.others());
            install(connection, toldTasks, claims);
            joined.early().forEach(events::received);
            LOG.log(Level.INFO, "node {0} joined the master at {1}", joined.self().label(), Addresses.text(address));
        } catch (RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /**
     * Makes a joined connection the one in use, starts its reader, and replays what changed since
     * the AUTH was written: the tasks, if they changed, and the links claimed then and closed since.
     */
    private void install(Connection connection, List<String> toldTasks, List<Control.LinkClaim> claimed) {
        tasksLock.lock();
        try {
            connectionLock.lock();
            try {
                if (closed.get()) {
                    connection.outbox.stop();
                    throw new ClusterException("the node closed while it joined");
                }
                current = connection;
                lostReason = null;
            } finally {
                connectionLock.unlock();
            }
            connection.reader = Threads.startVirtual("cpcluster-node-" + config.name() + "-master",
                    () -> read(connection));
            if (!tasks.equals(toldTasks)) {
                tasksSentNanos = System.nanoTime();
                connection.send(new Control.Tasks(tasks));
            }
        } finally {
            tasksLock.unlock();
        }
        Set<String> open = new HashSet<>();
        events.claims().forEach(claim -> open.add(claim.linkId()));
        Set<String> reported = new HashSet<>();
        for (Control.LinkClaim claim : claimed) {
            reported.add(claim.linkId());
            if (!open.contains(claim.linkId())) {
                connection.send(new Control.LinkDown(claim.linkId(), "closed while this node rejoined"));
            }
        }
        // Links that opened while the AUTH was on its way: their LINK_UP may have found no connection.
        for (String linkId : open) {
            if (!reported.contains(linkId)) {
                connection.send(new Control.LinkUp(linkId));
            }
        }
    }

    private List<String> tasksNow() {
        tasksLock.lock();
        try {
            return tasks;
        } finally {
            tasksLock.unlock();
        }
    }

    /**
     * The node serves these tasks now: tell the master (now, or after the next AUTH_OK). At most one
     * TASKS goes out per {@link #TASKS_INTERVAL_NANOS}: a change that comes sooner is sent with the
     * lists after it, as one, when the interval has passed. Never blocks.
     */
    void tasks(List<String> names) {
        tasksLock.lock();
        try {
            tasks = List.copyOf(names);
            if (tasksDue) {
                return;
            }
            long wait = tasksSentNanos + TASKS_INTERVAL_NANOS - System.nanoTime();
            if (wait <= 0) {
                sendTasks();
            } else {
                tasksDue = true;
                scheduler.schedule(() -> {
                    tasksLock.lock();
                    try {
                        tasksDue = false;
                        sendTasks();
                    } finally {
                        tasksLock.unlock();
                    }
                }, wait, TimeUnit.NANOSECONDS);
            }
        } finally {
            tasksLock.unlock();
        }
    }

    /** Sends the tasks as they are now; the caller holds {@link #tasksLock}. */
    private void sendTasks() {
        tasksSentNanos = System.nanoTime();
        send(new Control.Tasks(tasks));
    }

    static NodeInfo info(Control.WireNode wire) {
        return Joining.info(wire);
    }

    // ---------------------------------------------------------------- connected

    private void read(Connection connection) {
        try {
            while (true) {
                byte[] frame = connection.input.readFrame(MAX_FROM_MASTER);
                if (frame == null) {
                    lost(connection, "the master closed the connection");
                    return;
                }
                connection.lastHeard = System.nanoTime();
                switch (ControlCodec.decode(frame)) {
                    case Control.Pong pong -> LOG.log(Level.TRACE, "pong after {0} ms",
                            System.currentTimeMillis() - pong.time());
                    case Control.Fault fault -> {
                        LOG.log(Level.WARNING, "the master reports {0}: {1}", ControlCodec.quote(fault.code()),
                                ControlCodec.quote(fault.message()));
                        lostReason = ControlCodec.quote(fault.code()) + ": " + ControlCodec.quote(fault.message());
                    }
                    case Control message -> events.received(message);
                }
            }
        } catch (ProtocolException e) {
            LOG.log(Level.WARNING, "closing the connection to the master at {0}: {1}", Addresses.text(connection.address),
                    e.getMessage());
            lost(connection, "protocol error: " + e.getMessage());
        } catch (IOException e) {
            lost(connection, "connection lost: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            // What the master sent, or this node's work on it, ran the heap out: this connection
            // ends and lets go of what it held, and the node reconnects; its timer and links go on.
            // Uncaught, the error would end the reader alone, and the node would hear nothing more
            // from its master until the heartbeat timeout.
            LOG.log(Level.ERROR, "closing the connection to the master at " + Addresses.text(connection.address)
                    + ": out of memory", e);
            lost(connection, "this node ran out of memory reading from the master");
        }
    }

    /**
     * Queues a message for the master. Never blocks.
     *
     * @return false when there is no connection, or the master is too slow and is taken for lost
     */
    boolean send(Control message) {
        Connection connection = current;
        if (connection == null) {
            return false;
        }
        if (connection.send(message)) {
            return true;
        }
        lost(connection, "it left " + OUTBOX_CAPACITY + " frames from this node unread");
        return false;
    }

    private void lost(Connection connection, String reason) {
        boolean first;
        connectionLock.lock();
        try {
            // The reader, the heartbeat and a full outbox may all find the master gone: only the
            // first acts, and its reason is the one told, before closing makes the others fail.
            first = current == connection;
            if (first) {
                current = null;
                lostReason = reason;
            }
        } finally {
            connectionLock.unlock();
        }
        connection.outbox.stop();
        closeQuietly(connection.socket);
        if (!first || closed.get()) {
            return;
        }
        // A master that is gone leaves the links alone; one that is up drops this node in turn
        // (at once, or at its heartbeat timeout), and then its peers close their links to it.
        LOG.log(Level.WARNING, "node {0} lost the master at {1}: {2}; it reconnects, and its links keep working"
                + " unless the master is still up and drops it",
                config.name(), Addresses.text(connection.address), reason);
        events.lost(connection.address, reason);
        reconnecting = Threads.startVirtual("cpcluster-node-" + config.name() + "-reconnect", this::reconnect);
    }

    /**
     * Tries the masters again and again, waiting longer each round (doubling from
     * {@link NodeConfig#reconnectDelay()} up to {@link NodeConfig#reconnectMaxDelay()}, each wait
     * drawn at random from its upper half so that nodes do not come back in lockstep), until one
     * takes this node back or the node closes.
     */
    private void reconnect() {
        long delay = config.reconnectDelay().toNanos();
        long longest = config.reconnectMaxDelay().toNanos();
        while (!closed.get()) {
            LockSupport.parkNanos(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
            if (closed.get() || Thread.currentThread().isInterrupted()) {
                return;
            }
            try {
                connect();
                Connection connection = current;
                if (connection != null) {
                    LOG.log(Level.INFO, "node {0} is back with the master at {1}", config.name(),
                            Addresses.text(connection.address));
                    events.reconnected(connection.address);
                }
                return;
            } catch (AuthenticationException | ProtocolException e) {
                // Neither mends itself while the node waits: say so every time, not only at DEBUG.
                LOG.log(Level.WARNING, "node {0} cannot rejoin: {1}", config.name(), e.getMessage());
            } catch (ClusterException e) {
                LOG.log(Level.DEBUG, "node {0} cannot rejoin yet: {1}", config.name(), e.getMessage());
            }
            delay = Math.min(longest, delay * 2);
        }
    }

    /**
     * The heartbeat, on the node's timer: tells the master this node is alive, and takes a silent
     * master for lost. Neither blocks: sending queues, and losing only closes a socket and starts
     * the reconnecting thread.
     */
    void beat(long now) {
        Connection connection = current;
        if (connection == null) {
            return;
        }
        long silent = now - connection.lastHeard;
        long stalled = connection.outbox.output().stalledNanos(now);
        if (stalled > config.writeTimeout().toNanos()) {
            lost(connection, "the master read nothing this node wrote for " + TimeUnit.NANOSECONDS.toMillis(stalled)
                    + " ms (write timeout)");
        } else if (silent > config.heartbeatTimeout().toNanos()) {
            lost(connection, "no word from the master for " + TimeUnit.NANOSECONDS.toMillis(silent)
                    + " ms (heartbeat timeout)");
        } else if (now - lastPing >= config.heartbeatInterval().toNanos()) {
            lastPing = now;
            send(new Control.Ping(System.currentTimeMillis(), asksForAnswer(silent,
                    config.heartbeatInterval().toNanos(), config.heartbeatTimeout().toNanos())));
        }
    }

    /**
     * Whether a PING sent when the master has been quiet for {@code silent} asks for an answer:
     * when the master has been quiet for a quarter of the timeout, or when the next PING (an
     * interval later) would find it quiet for more than half. So a PING that does not ask is
     * followed by one that asks before the master has been quiet for half the timeout, which
     * leaves the master at least the other half to answer (an interval longer than half the
     * timeout asks every time). With the defaults (1 s, 5 s) a master at rest answers every other
     * PING, and has 3 s to answer one.
     */
    static boolean asksForAnswer(long silent, long interval, long timeout) {
        return silent >= timeout / 4 || silent + interval > timeout / 2;
    }

    /** Whether the node has a master now. */
    boolean connected() {
        return current != null;
    }

    /** Why the node has no master, for messages. */
    String lostReason() {
        String reason = lostReason;
        return reason != null ? reason : "connected";
    }

    /** The local address of the latest connection to the master. */
    InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Says {@code BYE} (when connected), lets it out for a short while, and stops: no more
     * reconnecting.
     */
    void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Thread reconnect = reconnecting;
        if (reconnect != null) {
            reconnect.interrupt();
            Threads.join(reconnect, timeout);
        }
        Connection connection;
        connectionLock.lock();
        try {
            connection = current;
            current = null;
            lostReason = "this node closed";
        } finally {
            connectionLock.unlock();
        }
        if (connection != null) {
            connection.send(new Control.Bye("the node closed"));
            connection.outbox.finish();
            if (!connection.outbox.await(BYE_TIMEOUT)) {
                connection.outbox.stop();
            }
            closeQuietly(connection.socket);
            Threads.join(connection.reader, timeout);
        }
    }

    static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing failed: {0}", e.toString());
        }
    }
}
