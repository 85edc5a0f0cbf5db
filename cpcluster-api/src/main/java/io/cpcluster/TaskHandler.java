package io.cpcluster;

/**
 * Serves one task: turns an input into a result. Register it with
 * {@link ClusterNode#handle(String, Class, TaskHandler)} or {@link NodeConfig.Builder#handle}.
 *
 * <p>Handlers run on virtual threads, many at once, so they may block; one per call in flight.
 * What a handler throws reaches the caller as a {@link RemoteTaskException} with the same
 * message; the link stays usable.
 *
 * @param <I> the input type: a {@code byte[]} (passed as raw bytes) or a type JSON-B can bind
 * @param <O> the result type: a {@code byte[]} (passed as raw bytes) or a type JSON-B can bind
 */
@FunctionalInterface
public interface TaskHandler<I, O> {
    /**
     * Runs the task.
     *
     * @param input the input the caller sent; {@code null} only if the caller sent {@code null}
     * @return the result to send back, or {@code null}
     * @throws Exception any failure, which the caller receives as a {@link RemoteTaskException}
     */
    O handle(I input) throws Exception;
}
