package io.cpcluster.core.master;

import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import io.cpcluster.NodeId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A link in the master's book: one it brokered, from the offer until it closes, or one that
 * rejoining nodes reported after a master restart. Owned by the {@link Book}, under the master's lock.
 */
final class Brokered {
    /** Where the link is. */
    enum State {
        /** DESIGN §5 step 2: the acceptor was offered a port and has not said it is listening. */
        OFFERED,
        /** Step 4: the initiator was told where to connect. */
        ASSIGNED,
        /** Both ends said the link is up (or, after a restart, both ends reported it). */
        OPEN,
        /** One end reported the link when it rejoined; the master waits for the other end to. */
        CLAIMED
    }

    final LinkId id;
    final NodeId initiatorId;
    final NodeId acceptorId;
    /** The initiator's session; null while it has not rejoined (a claimed link). */
    Session initiator;
    /** The acceptor's session; null while it has not rejoined (a claimed link). */
    Session acceptor;
    final long requestId;
    final String host;
    /** The one-time ticket; null for a link reported after a restart. */
    final String ticket;
    final Instant brokeredAt = Instant.now();
    /** Ports the acceptor could not bind for this link, held until the link settles so they are not offered again. */
    final List<Integer> unbindable = new ArrayList<>();
    int port;
    State state;
    boolean initiatorUp;
    boolean acceptorUp;
    Instant openedAt;
    /** When the link must be open (or its other end have rejoined) by, in System.nanoTime(); 0 once open. */
    long deadlineNanos;

    private Brokered(LinkId id, NodeId initiatorId, NodeId acceptorId, long requestId, String host, int port,
                     String ticket, State state) {
        this.id = id;
        this.initiatorId = initiatorId;
        this.acceptorId = acceptorId;
        this.requestId = requestId;
        this.host = host;
        this.port = port;
        this.ticket = ticket;
        this.state = state;
    }

    /** A link the master brokers now, between two connected nodes. */
    static Brokered offered(LinkId id, Session initiator, Session acceptor, long requestId, String host, int port,
                            String ticket) {
        Brokered link = new Brokered(id, initiator.node().id(), acceptor.node().id(), requestId, host, port, ticket,
                State.OFFERED);
        link.initiator = initiator;
        link.acceptor = acceptor;
        return link;
    }

    /** A link one end reported when it rejoined; the other end has not (yet). */
    static Brokered claimed(LinkId id, NodeId initiatorId, NodeId acceptorId, String host, int port) {
        return new Brokered(id, initiatorId, acceptorId, 0, host, port, null, State.CLAIMED);
    }

    LinkInfo info() {
        return new LinkInfo(id, initiatorId, acceptorId, host, port, openedAt != null ? openedAt : brokeredAt);
    }

    boolean involves(Session session) {
        return session != null && (initiator == session || acceptor == session);
    }

    boolean involves(NodeId node) {
        return initiatorId.equals(node) || acceptorId.equals(node);
    }

    /** Makes a session the given end's, after it (re)joined and reported the link. */
    void rebind(NodeId node, Session session) {
        if (initiatorId.equals(node)) {
            initiator = session;
        } else if (acceptorId.equals(node)) {
            acceptor = session;
        }
    }

    /** Whether both ends have a session. */
    boolean bothPresent() {
        return initiator != null && acceptor != null;
    }
}
