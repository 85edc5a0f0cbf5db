package io.cpcluster;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link ClusterNode#submit(String, Object, Class, SubmitOptions)} runs a task: whether it may
 * run twice, and how long the submit may take.
 *
 * {@snippet :
 * SubmitOptions once = SubmitOptions.NOT_IDEMPOTENT.withTimeout(Duration.ofSeconds(30));
 * }
 *
 * @param idempotent true when running the task twice does no harm: when the link it was sent over
 *        dies before the answer, it is then sent to another serving node, since the first may or
 *        may not have run it; false when it must run at most once: the submit then fails with a
 *        {@link LinkClosedException} that says the task may have run. Either way, a task that could
 *        not be sent at all (no link could be opened, or the link was overloaded) is tried on the
 *        next serving node.
 * @param timeout how long the whole submit may take, every attempt included; empty for the node's
 *        {@link NodeConfig#callTimeout()}. When it passes, the submit fails with
 *        {@link CallTimeoutException} and the call in flight is cancelled.
 */
public record SubmitOptions(boolean idempotent, Optional<Duration> timeout) {
    /** Retries on another node when a link dies before the answer; the node's call timeout. The default. */
    public static final SubmitOptions IDEMPOTENT = new SubmitOptions(true);
    /** Never sends a task twice; the node's call timeout. */
    public static final SubmitOptions NOT_IDEMPOTENT = new SubmitOptions(false);

    /**
     * Checks the timeout.
     *
     * @throws IllegalArgumentException if the timeout is zero, negative, or longer than
     *         {@link CallOptions#NO_TIMEOUT}
     */
    public SubmitOptions {
        Objects.requireNonNull(timeout, "timeout").ifPresent(t -> Settings.callTimeout(t, "timeout"));
    }

    /**
     * Options with the node's call timeout.
     *
     * @param idempotent whether the task may run twice
     */
    public SubmitOptions(boolean idempotent) {
        this(idempotent, Optional.empty());
    }

    /**
     * Returns these options with a timeout of their own.
     *
     * @param timeout a positive duration; {@link CallOptions#NO_TIMEOUT} for none
     * @return the new options
     */
    public SubmitOptions withTimeout(Duration timeout) {
        return new SubmitOptions(idempotent, Optional.of(Settings.callTimeout(timeout, "timeout")));
    }
}
