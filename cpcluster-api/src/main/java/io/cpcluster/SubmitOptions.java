package io.cpcluster;

/**
 * How {@link ClusterNode#submit(String, Object, Class, SubmitOptions)} treats a task when the link
 * it was sent over dies before the answer comes.
 *
 * @param idempotent true when running the task twice does no harm: it is then sent to another
 *        serving node, since the first may or may not have run it; false when it must run at most
 *        once: the submit then fails with a {@link LinkClosedException} that says the task may have
 *        run. Either way, a task that could not be sent at all (no link could be opened) is tried on
 *        the next serving node.
 */
public record SubmitOptions(boolean idempotent) {
    /** Retries on another node when a link dies before the answer. The default. */
    public static final SubmitOptions IDEMPOTENT = new SubmitOptions(true);
    /** Never sends a task twice. */
    public static final SubmitOptions NOT_IDEMPOTENT = new SubmitOptions(false);
}
