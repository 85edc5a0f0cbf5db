package io.cpcluster;

import java.io.Serial;

/**
 * The direct link was closed, by either side or because a node left or died, before the
 * operation could complete. Calls in flight on the link fail with this exception; open a new
 * link with {@link ClusterNode#connect(NodeId)}.
 */
public class LinkClosedException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message.
     *
     * @param message what happened and what to do
     */
    public LinkClosedException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a message and a cause.
     *
     * @param message what happened and what to do
     * @param cause the failure that led to this one
     */
    public LinkClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
