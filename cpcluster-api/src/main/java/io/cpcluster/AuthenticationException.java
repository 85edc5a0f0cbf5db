package io.cpcluster;

import java.io.Serial;

/**
 * The master refused this node's credentials: the token it proved is not one the master holds
 * (or the master slowed the node down after repeated failures and then refused it).
 *
 * <p>Check that the node reads the {@code join.json} the master wrote (or that
 * {@code CPCLUSTER_TOKEN} holds the same token). Nothing was registered on the master.
 */
public class AuthenticationException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message.
     *
     * @param message what happened and what to do
     */
    public AuthenticationException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a message and a cause.
     *
     * @param message what happened and what to do
     * @param cause the failure that led to this one
     */
    public AuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
