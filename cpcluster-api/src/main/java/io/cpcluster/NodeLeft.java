package io.cpcluster;

import java.util.Objects;

/**
 * A node left the cluster: it closed, its connection to the master dropped, or the master
 * dropped it. Its links are closed and their ports released.
 *
 * @param node the node that left
 * @param reason why, in words, for example {@code "closed by the node"} or {@code "connection lost"}
 */
public record NodeLeft(NodeInfo node, String reason) implements ClusterEvent {
    /** Checks the fields. */
    public NodeLeft {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(reason, "reason");
    }
}
