package io.cpcluster;

import java.util.Objects;

/**
 * A node authenticated with the master and joined the cluster.
 *
 * @param node the node that joined
 */
public record NodeJoined(NodeInfo node) implements ClusterEvent {
    /** Checks the field. */
    public NodeJoined {
        Objects.requireNonNull(node, "node");
    }
}
