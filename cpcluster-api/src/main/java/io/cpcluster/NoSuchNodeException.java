package io.cpcluster;

import java.io.Serial;

/**
 * The node named in a request is not connected to the master (it never joined, or it has
 * left), or no connected node serves the task that was submitted. No port was consumed.
 */
public class NoSuchNodeException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message.
     *
     * @param message what happened and what to do
     */
    public NoSuchNodeException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a message and a cause.
     *
     * @param message what happened and what to do
     * @param cause the failure that led to this one
     */
    public NoSuchNodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
