package io.cpcluster;

import java.io.Serial;
import java.util.Objects;

/**
 * The handler on the other side of a link failed: it threw, it could not read the input, or the
 * node does not serve the task. The link stays open and usable.
 *
 * <p>{@link #remoteMessage()} is the message of the exception the handler threw and
 * {@link #remoteType()} the name of its class, so a caller can tell failures apart without
 * sharing classes with the remote node.
 */
public class RemoteTaskException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the task that failed. */
    private final String task;
    /** The class name of the exception the remote handler threw. */
    private final String remoteType;
    /** The message of the exception the remote handler threw; empty when it had none. */
    private final String remoteMessage;

    /**
     * Creates the exception.
     *
     * @param task the task that failed
     * @param peer a description of the node that ran it, for the message
     * @param remoteType the class name of the exception the remote handler threw
     * @param remoteMessage its message, empty when it had none
     */
    public RemoteTaskException(String task, String peer, String remoteType, String remoteMessage) {
        super("task '" + task + "' failed on " + peer + ": " + remoteType
                + (remoteMessage.isEmpty() ? "" : ": " + remoteMessage));
        this.task = Objects.requireNonNull(task, "task");
        this.remoteType = Objects.requireNonNull(remoteType, "remoteType");
        this.remoteMessage = Objects.requireNonNull(remoteMessage, "remoteMessage");
    }

    /**
     * Returns the name of the task that failed.
     *
     * @return the task name
     */
    public String task() {
        return task;
    }

    /**
     * Returns the class name of the exception the remote handler threw, for example
     * {@code java.lang.IllegalArgumentException}.
     *
     * @return the remote exception's class name
     */
    public String remoteType() {
        return remoteType;
    }

    /**
     * Returns the message of the exception the remote handler threw.
     *
     * @return the remote message, empty when the exception had none
     */
    public String remoteMessage() {
        return remoteMessage;
    }
}
