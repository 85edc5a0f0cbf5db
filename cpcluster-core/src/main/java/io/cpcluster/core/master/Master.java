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
import io.cpcluster.Security;
import io.cpcluster.Subscription;
import io.cpcluster.core.defaults.JoinFileLock;
import io.cpcluster.core.defaults.JoinFiles;
import io.cpcluster.core.defaults.KeyPairFiles;
import io.cpcluster.core.threads.EventHub;
import io.cpcluster.core.threads.Threads;
import io.cpcluster.core.tls.Insecure;
import io.cpcluster.core.tls.Keys;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.PerAddressLimit;
import io.cpcluster.core.wire.RepeatedWarning;
import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.TokenStore;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The master: accepts connections, authenticates nodes, and keeps its {@link Book} of nodes,
 * links and ports.
 *
 * <p>Threads and what they own: one virtual thread accepts, and closes at once a connection past
 * the caps on unauthenticated connections ({@link PerAddressLimit}); each connection is a
 * {@link Session} on a virtual thread of its own, with a writer thread of its own once the node
 * has authenticated. The book is guarded by {@link #lock}, held only while the book changes; its
 * {@link Outcome}'s messages are encoded and queued, and its events published, under
 * {@link #posting}, taken in the book's order (queueing and publishing never block); calls to the
 * SPIs (allocating, reserving and releasing ports, checking proofs), writing and closing happen
 * outside both. The set of connections is concurrent, owned by the accept loop (adds) and the
 * sessions (removes). The timer sweeps silent nodes and connections whose writes make no progress
 * (closing their sockets) and hands the expiry of links to a virtual thread.
 * Listeners get events through an {@link EventHub}, which never blocks.
 */
public final class Master implements ClusterMaster {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    /** How long close() waits for each group of threads. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final MasterConfig config;
    /** Held from start to close when the config names a join file; else null. */
    private final JoinFileLock joinLock;
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
    /**
     * Held while the messages and events of one change to the book are queued; taken under
     * {@link #lock}, so that changes queue theirs in the order they changed the book.
     */
    private final ReentrantLock posting = new ReentrantLock();
    /** The connections that have not authenticated yet, and the caps on them. */
    private final PerAddressLimit unauthenticated;
    /** Accept failures and refused connections, logged without flooding the log. */
    private final RepeatedWarning acceptFailures = new RepeatedWarning(LOG, Duration.ofSeconds(5));
    /** What connections that have not authenticated did wrong (any stranger can make these lines). */
    private final RepeatedWarning strangers = new RepeatedWarning(LOG, Duration.ofSeconds(5));
    private final Book book;
    private final AtomicLong protocolErrors = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;
    /** The master's TLS, with its key pair; null with {@link Security#PLAIN}. */
    private final Tls tls;

    private Master(MasterConfig config, JoinFileLock joinLock, Transport.Listener listener, TokenStore tokens,
                   PortAllocator ports, JoinInfo joinInfo, boolean restarted, Tls tls) {
        this.config = config;
        this.tls = tls;
        this.joinLock = joinLock;
        this.listener = listener;
        this.tokens = tokens;
        this.ports = ports;
        this.joinInfo = joinInfo;
        long graceEnd = System.nanoTime() + (restarted ? config.rejoinGrace().toNanos() : 0);
        this.book = new Book(config, graceEnd);
        this.unauthenticated = new PerAddressLimit(config.maxUnauthenticated(), config.maxUnauthenticatedPerAddress());
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
        this.admission = new Admission(config, ledger, tokens, ports, tls);
        // The master's timer runs no SPI call: what it starts runs on a virtual thread.
        this.brokering = new Brokering(ledger, ports, graceEnd, (task, millis) -> schedule(() -> offTimer(task),
                millis));
        long shortest = Math.min(config.heartbeatTimeout().toMillis(), Math.min(config.writeTimeout().toMillis(),
                config.authTimeout().toMillis()));
        long sweep = Math.max(20, shortest / 5);
        Threads.periodic(timer, "sweep of the master", this::sweep, sweep, TimeUnit.MILLISECONDS);
        long membership = config.membershipInterval().toMillis();
        if (membership > 0) {
            // Membership news, gathered: one MEMBERS per view and interval, made off the timer.
            Threads.periodic(timer, "membership news of the master", () -> {
                if (read(Book::membersWaiting)) {
                    offTimer(() -> change(Book::flushMembers));
                }
            }, membership, TimeUnit.MILLISECONDS);
        }
        this.acceptor = Threads.startVirtual("cpcluster-master-accept-" + Addresses.text(listener.localAddress()),
                this::accept);
    }

    /**
     * Locks the join file, binds, settles the token, writes the join file, and starts accepting
     * nodes.
     */
    public static Master start(MasterConfig config) {
        // Before the token store reads the join file, whatever the store: no other master may
        // write the file while this one reads it, writes it, or runs.
        JoinFileLock joinLock = config.joinFile().map(JoinFileLock::acquire).orElse(null);
        try {
            return start(config, joinLock);
        } catch (RuntimeException e) {
            if (joinLock != null) {
                joinLock.close();
            }
            throw e;
        }
    }

    private static Master start(MasterConfig config, JoinFileLock joinLock) {
        TokenStore tokens = config.tokenStore().create(config);
        try {
            PortAllocator ports = config.portAllocator().create(config);
            // Only a store that kept its tokens from an earlier run means nodes may come back with links.
            boolean restarted = tokens.restored();
            String token = settleToken(config, tokens);
            Tls tls = config.security() == Security.TLS ? new Tls(keys(config),
                    config.trustedCertificates().map(KeyPairFiles::authorities).orElse(List.of())) : null;
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
                        bound.getPort(), Optional.ofNullable(tls).map(Tls::fingerprint));
                config.joinFile().ifPresent(file -> JoinFiles.write(file, join));
                Master master = new Master(config, joinLock, listener, tokens, ports, join, restarted, tls);
                if (tls == null) {
                    Insecure.warn("master", "node connections and links are plain TCP: anyone on the network can"
                            + " read tasks and names, and pass for this master");
                }
                LOG.log(Level.INFO, "master listening on {0} ({1}), link ports {2}{3}{4}", Addresses.text(bound),
                        tls == null ? "plain TCP" : "TLS 1.3, key " + tls.fingerprint(), config.portRange(),
                        config.joinFile().map(f -> ", join file " + f.toAbsolutePath()).orElse(""),
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

    /** The master's key pair: the one given, else the one beside the join file (made on first start), else a new one. */
    private static Keys.Pair keys(MasterConfig config) {
        if (config.keyFiles().isPresent()) {
            return KeyPairFiles.read(config.keyFiles().get());
        }
        return config.joinFile().map(KeyPairFiles::masterKeys).orElseGet(() -> Keys.generate("cpcluster master"));
    }

    /** The master's TLS; null with {@link Security#PLAIN}. */
    Tls tls() {
        return tls;
    }

    private static String settleToken(MasterConfig config, TokenStore tokens) {
        if (config.token().isPresent()) {
            tokens.add(config.token().get());
            return config.token().get();
        }
        List<String> live = tokens.tokens();
        return live.isEmpty() ? tokens.issue() : live.getFirst();
    }

    /**
     * The address to put in join.json when none is configured: the bound one, or for a wildcard
     * this machine's address as other machines see it: the first address of an interface that is
     * up and not loopback, IPv4 before IPv6, site-local and global before link-local (which needs
     * a scope to be dialed). Only a machine with no such interface gets loopback, with a warning.
     * The host name's address is not used: /etc/hosts often maps it to 127.0.1.1, which sent nodes
     * on other machines to themselves.
     */
    static String advertised(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (address != null && !address.isAnyLocalAddress()) {
            return address.getHostAddress();
        }
        InetAddress best = null;
        int bestRank = Integer.MAX_VALUE;
        try {
            for (NetworkInterface nic : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress each : java.util.Collections.list(nic.getInetAddresses())) {
                    int rank = (each instanceof java.net.Inet4Address ? 0 : 2)
                            + (each.isLinkLocalAddress() ? 4 : 0);
                    if (!each.isLoopbackAddress() && !each.isAnyLocalAddress() && rank < bestRank) {
                        best = each;
                        bestRank = rank;
                    }
                }
            }
        } catch (SocketException e) {
            LOG.log(Level.WARNING, "could not list this machine's network interfaces: {0}", e.getMessage());
        }
        if (best != null) {
            return best.getHostAddress().replaceFirst("%.*$", "");
        }
        LOG.log(Level.WARNING, "the master listens on every interface, and this machine has no address but loopback:"
                + " join.json names 127.0.0.1; set MasterConfig.advertisedHost (--advertise) to the address nodes"
                + " on other machines dial");
        return InetAddress.getLoopbackAddress().getHostAddress();
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
            try {
                acceptOne();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // Out of file descriptors, for example: say so, and do not spin.
                acceptFailures.log(() -> "accepting a connection failed: " + e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            } catch (RuntimeException | OutOfMemoryError e) {
                // No failure, not even of memory, may end the accept loop: the master would
                // stay up and let no node in ever again.
                LOG.log(Level.ERROR, "the master's accept loop failed; it goes on", e);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
    }

    /**
     * Accepts one connection. One that would take the unauthenticated connections past their
     * caps is closed at once, before it costs a thread or a buffer.
     */
    private void acceptOne() throws IOException {
        Transport.Connection connection = listener.accept();
        InetAddress from = connection.remoteAddress().getAddress();
        PerAddressLimit.Full full = unauthenticated.enter(from);
        if (full != null) {
            closeQuietly(connection);
            acceptFailures.log(() -> "refused a connection from " + from.getHostAddress() + ": " + (full
                    == PerAddressLimit.Full.IN_ALL ? config.maxUnauthenticated() + " connections are authenticating"
                    + " already (MasterConfig.maxUnauthenticated)" : config.maxUnauthenticatedPerAddress()
                    + " connections from that address are authenticating already"
                    + " (MasterConfig.maxUnauthenticatedPerAddress)"));
            return;
        }
        Session session = null;
        try {
            session = new Session(this, connection);
            sessions.add(session);
            sessionThreads.execute(session::run);
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            // The connection's place among the unauthenticated goes back whatever failed, or a
            // few failures under memory pressure would keep every node out for good.
            if (session != null) {
                sessions.remove(session);
                leftUnauthenticated(session);
            } else {
                unauthenticated.leave(from);
            }
            closeQuietly(connection);
            if (e instanceof OutOfMemoryError error) {
                throw error;
            }
        }
    }

    /** A connection authenticated or ended: it no longer counts against the caps (once). */
    void leftUnauthenticated(Session session) {
        if (session.leaveUnauthenticated()) {
            unauthenticated.leave(session.remote().getAddress());
        }
    }

    /**
     * Makes one change to the book under the lock; then, in the book's order but without its lock
     * (see {@link #posting}), encodes each message it decided on once, however many nodes it goes
     * to, and queues it and the events (queueing and publishing never block); then gives ports
     * back and closes what is to be closed.
     */
    private void change(Function<Book, Outcome> change) {
        Outcome outcome;
        lock.lock();
        try {
            outcome = change.apply(book);
            // Taken in the book's order, before the book is let go: messages and events leave in
            // that order, while the next change to the book may already be made.
            posting.lock();
        } finally {
            lock.unlock();
        }
        try {
            Map<Control, byte[]> encoded = new IdentityHashMap<>();
            for (Outcome.Send send : outcome.sends) {
                send.to().post(encoded.computeIfAbsent(send.message(), ControlCodec::encode));
            }
            outcome.events.forEach(events::publish);
        } finally {
            posting.unlock();
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
            case Control.Ping m -> {
                if (m.answer()) {
                    session.answerHeartbeat(new Control.Pong(m.time()));
                }
            }
            case Control.Tasks m -> updateTasks(session, m);
            case Control.LinkRequest m -> brokering.request(session, m);
            case Control.LinkReady m -> brokering.ready(session, m);
            case Control.LinkBindFailed m -> brokering.bindFailed(session, m);
            case Control.LinkUp m -> change(book -> book.up(session, m));
            case Control.LinkDown m -> change(book -> book.down(session, m));
            case Control.FindNodes m -> {
                if (m.task() != null) {
                    admission.taskName(m.task(), "FIND_NODES");
                }
                change(book -> book.find(session, m));
            }
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

    /**
     * The timer's sweep: silent nodes are dropped, and so are connections that read nothing the
     * master writes (for the write timeout; before they authenticated, for the auth timeout);
     * links that missed their deadline are closed.
     */
    private void sweep() {
        long now = System.nanoTime();
        long timeout = config.heartbeatTimeout().toNanos();
        for (Session session : sessions) {
            long stalled = session.stalledNanos(now);
            long writeTimeout = (session.hasOutbox() ? config.writeTimeout() : config.authTimeout()).toNanos();
            if (stalled > writeTimeout) {
                LOG.log(Level.WARNING, "dropping {0}: it has read nothing the master wrote for {1} ms", session.label(),
                        TimeUnit.NANOSECONDS.toMillis(stalled));
                session.close("it read nothing the master wrote for " + TimeUnit.NANOSECONDS.toMillis(stalled)
                        + " ms (MasterConfig.writeTimeout): it is frozen, or does not read");
            } else if (session.node() != null && now - session.lastHeard() > timeout) {
                LOG.log(Level.WARNING, "dropping {0}: not heard from for {1} ms", session.label(),
                        TimeUnit.NANOSECONDS.toMillis(now - session.lastHeard()));
                session.close("not heard from within the heartbeat timeout (" + config.heartbeatTimeout().toMillis()
                        + " ms): it is dead, frozen, or cut off");
            }
        }
        offTimer(() -> change(book -> book.expire(now)));
    }

    /** Runs work that may call an SPI (releasing ports) on a virtual thread, not on the timer. */
    void offTimer(Runnable work) {
        try {
            sessionThreads.execute(work);
        } catch (RejectedExecutionException e) {
            // Closed: nothing more to book.
        }
    }

    // ---------------------------------------------------------------- sessions ending

    void protocolError(Session session, ProtocolException error) {
        protocolErrors.incrementAndGet();
        if (session.node() == null) {
            // Anyone who can connect can make this line: rate-limited, so it cannot fill a disk.
            strangers.log(() -> "closing " + session.label() + ": " + error.getMessage());
        } else {
            LOG.log(Level.WARNING, "closing {0}: {1}", session.label(), error.getMessage());
        }
    }

    /** Logs a failure of a connection that has not authenticated, at most once per 5 s. */
    void strangerFailed(Supplier<String> message) {
        strangers.log(message);
    }

    /** A connection ended: if it was a node, it leaves, its links close and their ports come back. */
    void sessionEnded(Session session, String reason) {
        sessions.remove(session);
        leftUnauthenticated(session);
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
        return new MasterStats(sessions.size(), counts.nodes(), counts.open(), counts.all() - counts.open(), inUse,
                admission.authenticated.get(), admission.failures.get(),
                brokering.brokered.get(), protocolErrors.get(), events.dropped(), unauthenticated.count(),
                unauthenticated.refused(), admission.throttled.get());
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
        if (joinLock != null) {
            joinLock.close();
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
