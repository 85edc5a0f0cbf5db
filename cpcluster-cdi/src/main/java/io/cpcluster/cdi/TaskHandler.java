package io.cpcluster.cdi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a bean method serve a task: calls for the task, from any node over a direct link, invoke
 * the method on the bean's contextual instance.
 *
 * <p>The method takes exactly one parameter, the input (a {@code byte[]} for raw bytes, or a
 * non-generic type JSON-B binds, such as a record); its return value is the result, or a
 * {@link java.util.concurrent.CompletionStage} of it ({@code void} sends {@code null}). What it
 * throws reaches the caller as a {@link io.cpcluster.RemoteTaskException}. It must not be
 * private. One method per task name in the application. Handlers are checked when the
 * container starts; a wrong one stops the container with a message that names the bean, the
 * method and the fix.
 * {@snippet :
 * @TaskHandler("square")
 * long square(long x) {
 *     return x * x;
 * }
 * }
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface TaskHandler {
    /**
     * The task's name: 1 to 255 bytes of UTF-8, no control characters.
     *
     * @return the task name
     */
    String value();
}
