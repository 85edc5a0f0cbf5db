package io.cpcluster;

import java.io.Serial;

/**
 * A peer sent something the CPCluster protocol does not allow: a malformed or oversized frame,
 * an unknown message type, a message out of order, or a protocol version this side cannot
 * speak. The connection it came on is closed; nothing else is affected.
 */
public class ProtocolException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message.
     *
     * @param message what happened and what to do
     */
    public ProtocolException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a message and a cause.
     *
     * @param message what happened and what to do
     * @param cause the failure that led to this one
     */
    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
