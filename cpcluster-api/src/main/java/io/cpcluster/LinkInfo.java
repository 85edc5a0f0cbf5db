package io.cpcluster;

import java.time.Instant;
import java.util.Objects;

/**
 * A direct link as the master brokered it.
 *
 * @param id the link's identity
 * @param initiator the node that asked for the link (it connected)
 * @param acceptor the node that accepted it (it listened on the port)
 * @param host the acceptor's host, where the initiator connected
 * @param port the port the master assigned on the acceptor's host
 * @param openedAt when the link was opened
 */
public record LinkInfo(LinkId id, NodeId initiator, NodeId acceptor, String host, int port, Instant openedAt) {
    /** Checks the fields. */
    public LinkInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(initiator, "initiator");
        Objects.requireNonNull(acceptor, "acceptor");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(openedAt, "openedAt");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a link port is between 1 and 65535, not " + port);
        }
    }

    /**
     * Tells whether a node is one of the link's two ends.
     *
     * @param node a node id
     * @return true when the node is the initiator or the acceptor
     */
    public boolean involves(NodeId node) {
        return initiator.equals(node) || acceptor.equals(node);
    }

    /**
     * Returns the other end of the link, seen from one end.
     *
     * @param node one of the two ends
     * @return the other end
     * @throws IllegalArgumentException if {@code node} is not an end of this link
     */
    public NodeId peerOf(NodeId node) {
        if (initiator.equals(node)) {
            return acceptor;
        }
        if (acceptor.equals(node)) {
            return initiator;
        }
        throw new IllegalArgumentException("node " + node + " is not an end of link " + id);
    }
}
