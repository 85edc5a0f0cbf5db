package io.cpcluster;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * This node is connected to a master again after {@link MasterLost}.
 *
 * @param master the address of the master it reconnected to
 */
public record MasterReconnected(InetSocketAddress master) implements ClusterEvent {
    /** Checks the field. */
    public MasterReconnected {
        Objects.requireNonNull(master, "master");
    }
}
