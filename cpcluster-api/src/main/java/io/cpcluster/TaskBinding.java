package io.cpcluster;

import java.util.Objects;

/**
 * A task a node serves: its name, the type its input is bound to, and the handler.
 *
 * @param <I> the input type
 * @param <O> the result type
 * @param task the task name: 1 to 255 bytes of UTF-8, no control characters
 * @param inputType the class the input is bound to ({@code byte[].class} for raw bytes)
 * @param handler the handler
 */
public record TaskBinding<I, O>(String task, Class<I> inputType, TaskHandler<? super I, ? extends O> handler) {
    /** The longest task name, in bytes of UTF-8. */
    public static final int MAX_TASK_NAME_BYTES = 255;

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if the task name is empty, too long, or has control characters
     */
    public TaskBinding {
        checkTaskName(task);
        Objects.requireNonNull(inputType, "inputType");
        Objects.requireNonNull(handler, "handler");
    }

    /**
     * Checks a task name.
     *
     * @param task the name
     * @return the name
     * @throws IllegalArgumentException if it is empty, longer than {@value #MAX_TASK_NAME_BYTES}
     *         bytes of UTF-8, or has control or formatting characters (such as bidirectional
     *         overrides) or line separators
     */
    public static String checkTaskName(String task) {
        Objects.requireNonNull(task, "task");
        if (task.isEmpty() || task.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_TASK_NAME_BYTES) {
            throw new IllegalArgumentException("a task name is 1 to " + MAX_TASK_NAME_BYTES
                    + " bytes of UTF-8, not '" + Ids.printable(task) + "'");
        }
        if (Ids.anyUnsafe(task)) {
            throw new IllegalArgumentException("a task name has no control or formatting characters: '"
                    + Ids.printable(task) + "'");
        }
        return task;
    }
}
