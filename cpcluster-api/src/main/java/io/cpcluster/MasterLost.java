package io.cpcluster;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * This node lost its connection to the master. Direct links already open keep working; new
 * links and task lists wait for the master to come back.
 *
 * @param master the master's address
 * @param reason why, in words
 */
public record MasterLost(InetSocketAddress master, String reason) implements ClusterEvent {
    /** Checks the fields. */
    public MasterLost {
        Objects.requireNonNull(master, "master");
        Objects.requireNonNull(reason, "reason");
    }
}
