package io.cpcluster;

/**
 * Serves one task: turns an input into a result. Register it with
 * {@link ClusterNode#handle(String, Class, TaskHandler)} or {@link NodeConfig.Builder#handle}.
 *
 * <p>Handlers run on virtual threads, never on the thread that reads the link: by default one
 * per call, many at once, so they may block; with {@link HandlerThreads#SERIAL}, one at a time
 * per link. What a handler throws reaches the caller as a {@link RemoteTaskException} with the
 * same message; the link stays usable. When the caller gives up on a call (its timeout passed, or
 * it cancelled it), the handler's thread is interrupted: a handler that blocks should let
 * {@link InterruptedException} end it.
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
