package io.cpcluster;

import java.io.Serial;

/**
 * The master has no free port left for a direct link on the accepting node's host: every port
 * of {@link MasterConfig#portRange()} is held by an open link or taken by another program there.
 *
 * <p>Close links that are no longer needed, or widen the range. No port was consumed.
 */
public class PortsExhaustedException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message.
     *
     * @param message what happened and what to do
     */
    public PortsExhaustedException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a message and a cause.
     *
     * @param message what happened and what to do
     * @param cause the failure that led to this one
     */
    public PortsExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
