package io.cpcluster.core;

import io.cpcluster.LinkId;
import io.cpcluster.LinkInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;

/** A link the master brokered, from the offer until it closes. Guarded by the master's lock. */
final class Brokered {
    /** Where the link is in DESIGN §5. */
    enum State {
        /** The acceptor was offered a port and has not said it is listening. */
        OFFERED,
        /** The initiator was told where to connect. */
        ASSIGNED,
        /** Both ends said the link is up. */
        OPEN
    }

    final LinkId id;
    final Session initiator;
    final Session acceptor;
    final long requestId;
    final String host;
    final String ticket;
    final Instant brokeredAt = Instant.now();
    /** Ports the acceptor could not bind for this link, held until the link settles so they are not offered again. */
    final List<Integer> unbindable = new ArrayList<>();
    int port;
    State state = State.OFFERED;
    boolean initiatorUp;
    boolean acceptorUp;
    Instant openedAt;
    Future<?> deadline;

    Brokered(LinkId id, Session initiator, Session acceptor, long requestId, String host, int port, String ticket) {
        this.id = id;
        this.initiator = initiator;
        this.acceptor = acceptor;
        this.requestId = requestId;
        this.host = host;
        this.port = port;
        this.ticket = ticket;
    }

    LinkInfo info() {
        return new LinkInfo(id, initiator.node().id(), acceptor.node().id(), host, port,
                openedAt != null ? openedAt : brokeredAt);
    }

    boolean involves(Session session) {
        return initiator == session || acceptor == session;
    }

    Session other(Session session) {
        return session == initiator ? acceptor : initiator;
    }
}
