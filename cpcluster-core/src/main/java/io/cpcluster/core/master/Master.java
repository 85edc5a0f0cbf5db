package io.cpcluster.core.master;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.JoinInfo;
import io.cpcluster.LinkInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.Subscription;
import io.cpcluster.core.defaults.JoinFiles;
import io.cpcluster.core.threads.EventHub;
import io.cpcluster.core.threads.Threads;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.EncodedOnce;
import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.TokenStore;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The master: accepts connections, authenticates nodes, and keeps its {@link Book} of nodes,
 * links and ports.
 *
 * <p>Threads and what they own: one virtual thread accepts; each connection is a {@link Session}
 * on virtual threads of its own (a reader, a writer). The book is guarded by {@link #lock}, held
 * only while the book changes and its {@link Outcome}'s messages and events are queued (neither
 * blocks, and nothing is encoded there); calls to the SPIs (allocating, reserving and releasing
 * ports, checking proofs), encoding, writing and closing happen outside it. The set of connections
 * is concurrent, owned by the accept loop (adds) and the sessions (removes). The timer sweeps
 * silent nodes (closing their sockets) and hands the expiry of links to a virtual thread.
 * Listeners get events through an {@link EventHub}, which never blocks.
 */
public final class Master implements ClusterMaster {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    /** How long close() waits for each group of threads. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final MasterConfig config;
    private final Transport.Listener listener;
    private final TokenStore tokens;
    private final PortAllocator ports;
    private final JoinInfo joinInfo;
    private final Admission admission;
    private final Brokering brokering;
    private final EventHub events = new EventHub("cpcluster-master-events");
    private final ScheduledThreadPoolExecutor timer = Threads.timer("cpcluster-master-timer");
    private final ExecutorService sessionThreads = Threads.perTask("cpcluster-master-session");
    /** Every open connection, authenticated or not. */
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Book book;
    private final AtomicLong protocolErrors = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;

    private Master(MasterConfig config, Transport.Listener listener, TokenStore tokens, PortAllocator ports,
                   JoinInfo joinInfo, boolean restarted) {
        this.config = config;
        this.listener = listener;
        this.tokens = tokens;
        this.ports = ports;
        this.joinInfo = joinInfo;
        long graceEnd = System.nanoTime() + (restarted ? config.rejoinGrace().toNanos() : 0);
        this.book = new Book(config, graceEnd);
        Ledger ledger = new Ledger() {
            @Override
            public void change(Function<Book, Outcome> change) {
                Master.this.change(change);
            }

            @Override
            public <T> T read(Function<Book, T> query) {
                return Master.this.read(query);
            }

            @Override
            public boolean closing() {
                return closed;
            }
        };
        this.admission = new Admission(config, ledger, tokens, ports);
        // The master's timer runs no SPI call: what it starts runs on a virtual thread.
        this.brokering = new Brokering(ledger, ports, graceEnd, (task, millis) -> schedule(() -> offTimer(task),
                millis));
        long sweep = Math.max(20, config.heartbeatTimeout().toMillis() / 5);
        Threads.periodic(timer, "sweep of the master", this::sweep, sweep, TimeUnit.MILLISECONDS);
        this.acceptor = Threads.startVirtual("cpcluster-master-accept-" + Addresses.text(listener.localAddress()),
                this::accept);
    }

    /** Binds, settles the token, writes the join file, and starts accepting nodes. */
    public static Master start(MasterConfig config) {
        TokenStore tokens = config.tokenStore().create(config);
        try {
            PortAllocator ports = config.portAllocator().create(config);
            // Only a store that kept its tokens from an earlier run means nodes may come back with links.
            boolean restarted = tokens.restored();
            String token = settleToken(config, tokens);
            Transport.Listener listener;
            try {
                listener = config.transport().listen(config.address());
            } catch (IOException e) {
                throw new ClusterException("the master could not listen on " + Addresses.text(config.address()) + ": "
                        + e.getMessage() + "; is another master (or program) using that port? Choose another with"
                        + " MasterConfig.port", e);
            }
            try {
                InetSocketAddress bound = listener.localAddress();
                JoinInfo join = new JoinInfo(token, config.advertisedHost().orElseGet(() -> advertised(bound)),
                        bound.getPort());
                config.joinFile().ifPresent(file -> JoinFiles.write(file, join));
                Master master = new Master(config, listener, tokens, ports, join, restarted);
                LOG.log(Level.INFO, "master listening on {0}, link ports {1}{2}{3}", Addresses.text(bound),
                        config.portRange(), config.joinFile().map(f -> ", join file " + f.toAbsolutePath()).orElse(""),
                        restarted ? "; restarted with its old token, it waits " + config.rejoinGrace().toMillis()
                                + " ms for nodes to rejoin before it brokers links" : "");
                return master;
            } catch (RuntimeException e) {
                try {
                    listener.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (RuntimeException e) {
            try {
                tokens.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static String settleToken(MasterConfig config, TokenStore tokens) {
        if (config.token().isPresent()) {
            tokens.add(config.token().get());
            return config.token().get();
        }
        List<String> live = tokens.tokens();
        return live.isEmpty() ? tokens.issue() : live.getFirst();
    }

    /** The address to put in join.json when none is configured: the bound one, or this host's for a wildcard. */
    private static String advertised(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (address != null && !address.isAnyLocalAddress()) {
            return address.getHostAddress();
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress().getHostAddress();
        }
    }

    MasterConfig config() {
        return config;
    }

    Future<?> schedule(Runnable task, long millis) {
        return Threads.schedule(timer, task, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Accepts connections and hands each to a session thread at once: the transport's handshake,
     * if it has one, runs there, never here.
     */
    private void accept() {
        while (!closed) {
            Transport.Connection connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // Out of file descriptors, for example: say so, and do not spin.
                LOG.log(Level.WARNING, "accepting a connection failed: {0}", e.toString());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                continue;
            }
            Session session = new Session(this, connection);
            sessions.add(session);
            try {
                sessionThreads.execute(session::run);
            } catch (RejectedExecutionException e) {
                sessions.remove(session);
                closeQuietly(connection);
            }
        }
    }

    /**
     * Makes one change to the book under the lock and queues the messages and events it decided
     * on, in the book's order (queueing and publishing never block, and nothing is encoded there:
     * each message is encoded once, by the first writer that sends it); then, without the lock,
     * gives ports back and closes what is to be closed.
     */
    private void change(Function<Book, Outcome> change) {
        Outcome outcome;
        lock.lock();
        try {
            outcome = change.apply(book);
            Map<Control, EncodedOnce> shared = new IdentityHashMap<>();
            for (Outcome.Send send : outcome.sends) {
                send.to().post(shared.computeIfAbsent(send.message(), EncodedOnce::new));
            }
            // In the book's order too (publishing never blocks): a link's LinkClosed after its LinkOpened.
            outcome.events.forEach(events::publish);
        } finally {
            lock.unlock();
        }
        for (Outcome.Release release : outcome.releases) {
            ports.release(release.host(), release.port());
        }
        for (Outcome.Close close : outcome.closes) {
            close.session().close(close.reason());
        }
    }

    private <T> T read(Function<Book, T> query) {
        lock.lock();
        try {
            return query.apply(book);
        } finally {
            lock.unlock();
        }
    }

    /** Checks a node's AUTH and registers it (see {@link Admission}). */
    boolean authenticate(Session session, Control.Auth auth, byte[] nonce) {
        return admission.authenticate(session, auth, nonce);
    }

    // ---------------------------------------------------------------- requests from nodes

    /** Handles one message from an authenticated node, on its session's reader. */
    void handle(Session session, Control message) {
        switch (message) {
            case Control.Ping m -> session.send(new Control.Pong(m.time()));
            case Control.Tasks m -> updateTasks(session, m);
            case Control.LinkRequest m -> brokering.request(session, m);
            case Control.LinkReady m -> brokering.ready(session, m);
            case Control.LinkBindFailed m -> brokering.bindFailed(session, m);
            case Control.LinkUp m -> change(book -> book.up(session, m));
            case Control.LinkDown m -> change(book -> book.down(session, m));
            case Control.Bye m -> session.close(ControlCodec.quote(m.reason()));
            default -> throw new ProtocolException(ControlCodec.wireType(message.getClass())
                    + " is not a message a node sends to the master");
        }
    }

    /**
     * A node serves other tasks now: checked like AUTH's, and applied at most once per
     * {@link MasterConfig#taskUpdateInterval()} per node; a list that comes sooner waits for it,
     * replacing any that already waits.
     */
    private void updateTasks(Session session, Control.Tasks message) {
        Quotas.TaskList tasks = admission.tasks(message.tasks(), "TASKS");
        long[] flushIn = new long[1];
        change(book -> {
            Book.TasksChange update = book.tasks(session, tasks, System.nanoTime());
            flushIn[0] = update.flushInNanos();
            return update.outcome();
        });
        if (flushIn[0] >= 0) {
            schedule(() -> offTimer(() -> change(book -> book.flushTasks(session, System.nanoTime()))),
                    TimeUnit.NANOSECONDS.toMillis(flushIn[0]) + 1);
        }
    }

    /** The timer's sweep: silent nodes are dropped, links that missed their deadline closed. */
    private void sweep() {
        long now = System.nanoTime();
        long timeout = config.heartbeatTimeout().toNanos();
        for (Session session : sessions) {
            if (session.node() != null && now - session.lastHeard() > timeout) {
                LOG.log(Level.WARNING, "dropping {0}: not heard from for {1} ms", session.label(),
                        TimeUnit.NANOSECONDS.toMillis(now - session.lastHeard()));
                session.close("not heard from within the heartbeat timeout (" + config.heartbeatTimeout().toMillis()
                        + " ms): it is dead, frozen, or cut off");
            }
        }
        offTimer(() -> change(book -> book.expire(now)));
    }

    /** Runs work that may call an SPI (releasing ports) on a virtual thread, not on the timer. */
    private void offTimer(Runnable work) {
        try {
            sessionThreads.execute(work);
        } catch (RejectedExecutionException e) {
            // Closed: nothing more to book.
        }
    }

    // ---------------------------------------------------------------- sessions ending

    void protocolError(Session session, ProtocolException error) {
        protocolErrors.incrementAndGet();
        LOG.log(Level.WARNING, "closing {0}: {1}", session.label(), error.getMessage());
    }

    /** A connection ended: if it was a node, it leaves, its links close and their ports come back. */
    void sessionEnded(Session session, String reason) {
        sessions.remove(session);
        // A closing master tells no one that a node left: it is closing every connection, and a
        // node still connected must not hear that its peers left and close links that outlive us.
        if (session.node() == null || closed) {
            return;
        }
        boolean[] left = new boolean[1];
        change(book -> {
            Outcome outcome = book.leave(session, reason);
            left[0] = !outcome.events.isEmpty();
            return outcome;
        });
        if (left[0]) {
            LOG.log(Level.INFO, "node {0} left: {1}", session.label(), reason);
        }
    }

    // ---------------------------------------------------------------- the API

    @Override
    public InetSocketAddress address() {
        return listener.localAddress();
    }

    @Override
    public JoinInfo joinInfo() {
        return joinInfo;
    }

    @Override
    public List<NodeInfo> nodes() {
        return read(Book::nodes);
    }

    @Override
    public List<LinkInfo> links() {
        return read(Book::openLinks);
    }

    @Override
    public MasterStats stats() {
        record Counts(List<String> hosts, int nodes, int open, int all) {
        }
        Counts counts = read(book -> new Counts(book.hosts(), book.nodeCount(), book.openLinkCount(),
                book.linkCount()));
        Map<String, SortedSet<Integer>> inUse = new LinkedHashMap<>();
        counts.hosts().forEach(host -> inUse.put(host, ports.inUse(host)));
        return new MasterStats(sessions.size(), counts.nodes(), counts.open(), counts.all() - counts.open(), inUse, admission.authenticated.get(),
                admission.failures.get(), brokering.brokered.get(), protocolErrors.get(), events.dropped());
    }

    @Override
    public Subscription subscribe(ClusterListener listener) {
        return events.subscribe(listener);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        closeQuietly(listener);
        sessions.forEach(session -> session.close("the master closed"));
        Threads.join(acceptor, CLOSE_TIMEOUT);
        Threads.shutdown(sessionThreads, CLOSE_TIMEOUT);
        timer.shutdownNow();
        events.close(CLOSE_TIMEOUT);
        try {
            tokens.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing the token store failed", e);
        }
        LOG.log(Level.INFO, "master on {0} closed", Addresses.text(listener.localAddress()));
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing failed", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterMaster[" + Addresses.text(listener.localAddress()) + "]";
    }
}
