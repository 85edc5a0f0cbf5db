package io.cpcluster;

import java.io.Serial;

/**
 * The master cannot be reached: it refused or dropped the connection, or did not answer in
 * time. Direct links already open keep working without it.
 */
public class MasterUnavailableException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message.
     *
     * @param message what happened and what to do
     */
    public MasterUnavailableException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a message and a cause.
     *
     * @param message what happened and what to do
     * @param cause the failure that led to this one
     */
    public MasterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
