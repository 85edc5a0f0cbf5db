package io.cpcluster;

import java.io.Serial;

/**
 * A call got no answer within its timeout ({@link CallOptions#timeout()}, or the node's
 * {@link NodeConfig#callTimeout()}). Its slot on the link is free again, and the peer was asked to
 * cancel it: the task may or may not have run there. The link stays open.
 */
public class CallTimeoutException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened and what to do
     */
    public CallTimeoutException(String message) {
        super(message);
    }
}
