package io.cpcluster;

import java.io.Serial;

/**
 * The root of every exception CPCluster throws. All are unchecked.
 *
 * <p>A message says what happened and what to do about it. Subclasses name the failures a
 * caller may want to handle on their own: {@link AuthenticationException},
 * {@link PortsExhaustedException}, {@link QuotaExceededException}, {@link NoSuchNodeException},
 * {@link LinkClosedException}, {@link RemoteTaskException}, {@link ProtocolException} and
 * {@link MasterUnavailableException}. Failures while cleaning up after a first failure are
 * attached to it as {@linkplain Throwable#getSuppressed() suppressed} exceptions.
 */
public class ClusterException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what happened and what to do
     */
    public ClusterException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and a cause.
     *
     * @param message what happened and what to do
     * @param cause the failure that led to this one
     */
    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
