package io.cpcluster;

import java.io.Serial;

/**
 * A call was refused before it ran: its link already had {@link NodeConfig#maxCallsInFlight()}
 * calls waiting for answers and as many more waiting for room, or the peer had no room for it
 * because it still runs calls their caller gave up on. The task did not run. Slow down (wait for
 * some answers), use {@link DirectLink#invoke}, which waits for room, or raise
 * {@code maxCallsInFlight} on both nodes. {@link ClusterNode#submit} tries another node.
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
