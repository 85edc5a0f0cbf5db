package io.cpcluster;

import java.io.Serial;

/**
 * A call was refused before it was sent: its link already had {@link NodeConfig#maxCallsInFlight()}
 * calls waiting for answers and as many more waiting for room. Nothing reached the peer. Slow down
 * (wait for some answers), use {@link DirectLink#invoke}, which waits for room, or raise
 * {@code maxCallsInFlight} on both nodes.
 */
public class LinkOverloadedException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened and what to do
     */
    public LinkOverloadedException(String message) {
        super(message);
    }
}
