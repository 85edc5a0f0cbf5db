package io.cpcluster.core.master;

import io.cpcluster.LinkId;
import io.cpcluster.NodeId;
import io.cpcluster.PortsExhaustedException;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.PortAllocator;
import java.lang.System.Logger.Level;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Brokers links (DESIGN §5, steps 1 to 4) for the master: takes a node's request, allocates a
 * port on the acceptor's host, and answers the acceptor's "listening" or "could not bind". It asks
 * the {@link PortAllocator} for ports (and the ports to dial) outside the master's lock; the book
 * then records the result under it, and the master gives ports back after it. Runs on the
 * requesting session's thread, or, for a request held through the rejoin grace, on a virtual
 * thread the timer starts.
 */
final class Brokering {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");

    private final Ledger ledger;
    private final PortAllocator ports;
    /** Until when a restarted master holds link requests back (System.nanoTime()). */
    private final long graceEnd;
    /** Runs a task after a delay, in milliseconds: the master's timer. */
    private final Later later;
    final AtomicLong brokered = new AtomicLong();

    /** The master's timer. */
    interface Later {
        void run(Runnable task, long millis);
    }

    Brokering(Ledger ledger, PortAllocator ports, long graceEnd, Later later) {
        this.ledger = ledger;
        this.ports = ports;
        this.graceEnd = graceEnd;
        this.later = later;
    }

    /**
     * A node asks for a link (step 1): check it, admit it within the node's quotas (or refuse it at
     * once), then allocate a port and offer it to the acceptor (step 2).
     */
    void request(Session session, Control.LinkRequest request) {
        NodeId target;
        try {
            target = new NodeId(request.target());
        } catch (IllegalArgumentException e) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.INVALID,
                    ControlCodec.quote(e.getMessage())));
            return;
        }
        if (target.equals(session.node().id())) {
            session.send(new Control.LinkRejected(request.requestId(), Control.LinkRejected.INVALID,
                    "a node cannot open a link to itself"));
            return;
        }
        boolean[] admitted = new boolean[1];
        ledger.change(book -> {
            Control.LinkRejected refused = book.admit(session, request.requestId());
            admitted[0] = refused == null;
            return admitted[0] ? new Outcome() : new Outcome().send(session, refused);
        });
        if (admitted[0]) {
            broker(session, request.requestId(), target);
        }
    }

    /** Brokers an admitted request: after the rejoin grace, if the master is in it. */
    private void broker(Session session, long requestId, NodeId target) {
        long graceLeft = graceEnd - System.nanoTime();
        if (graceLeft > 0) {
            // Just restarted: nodes are still reporting the links they kept, and their ports must
            // not be handed out again. Come back when the grace is over.
            later.run(() -> {
                if (ledger.read(book -> book.current(session))) {
                    broker(session, requestId, target);
                }
            }, TimeUnit.NANOSECONDS.toMillis(graceLeft) + 1);
            return;
        }
        Session acceptor = ledger.read(book -> book.session(target));
        if (acceptor == null) {
            ledger.change(book -> book.answer(session, new Control.LinkRejected(requestId,
                    Control.LinkRejected.NO_SUCH_NODE, "no node with id " + target + " is connected to the master;"
                            + " connected nodes: " + book.describeNodes())));
            return;
        }
        int port;
        try {
            port = ports.allocate(acceptor.node().host());
        } catch (PortsExhaustedException e) {
            ledger.change(book -> book.answer(session, new Control.LinkRejected(requestId,
                    Control.LinkRejected.PORTS_EXHAUSTED, e.getMessage())));
            return;
        }
        brokered.incrementAndGet();
        LinkId id = new LinkId(HexFormat.of().formatHex(Secrets.randomBytes(8)));
        String ticket = Secrets.newSecret();
        ledger.change(book -> book.offer(session, requestId, acceptor, id, port, ticket));
    }

    /** The acceptor listens (step 3): tell the initiator the port to dial (step 4). */
    void ready(Session session, Control.LinkReady ready) {
        int dialPort = ports.dialPort(session.node().host(), ready.port());
        ledger.change(book -> book.ready(session, ready, dialPort));
    }

    /** The acceptor could not bind the port: another program holds it. Offer the next one. */
    void bindFailed(Session session, Control.LinkBindFailed failed) {
        Brokered link = ledger.read(book -> book.pending(session, failed.linkId(), failed.port()));
        if (link == null) {
            return;
        }
        LOG.log(Level.DEBUG, "{0} could not bind port {1} for link {2}: {3}", session.label(), failed.port(),
                link.id, ControlCodec.quote(failed.reason()));
        int next = 0;
        String exhausted = "";
        try {
            next = ports.allocate(link.host);
        } catch (PortsExhaustedException e) {
            exhausted = e.getMessage();
        }
        int newPort = next;
        String why = exhausted;
        ledger.change(book -> book.bindFailed(link, failed, newPort, why));
    }
}
