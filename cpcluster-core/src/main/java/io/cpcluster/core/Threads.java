package io.cpcluster.core;

import io.cpcluster.ReaderThreads;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Makes every thread CPCluster runs: each has a name that says what it does, and an uncaught
 * exception is logged rather than lost.
 */
final class Threads {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.threads");
    private static final Thread.UncaughtExceptionHandler LOG_UNCAUGHT = (thread, error) ->
            LOG.log(Level.ERROR, "uncaught exception in thread " + thread.getName(), error);

    private Threads() {
    }

    /** A factory of virtual threads named {@code prefix-0}, {@code prefix-1}, ... */
    static ThreadFactory virtual(String prefix) {
        return Thread.ofVirtual().name(prefix + "-", 0).uncaughtExceptionHandler(LOG_UNCAUGHT).factory();
    }

    /** An executor that runs each task on a new virtual thread. */
    static ExecutorService perTask(String prefix) {
        return Executors.newThreadPerTaskExecutor(virtual(prefix));
    }

    /** Starts a virtual thread. */
    static Thread startVirtual(String name, Runnable task) {
        return Thread.ofVirtual().name(name).uncaughtExceptionHandler(LOG_UNCAUGHT).start(task);
    }

    /**
     * The threads that read links: a new virtual thread per task, or pooled platform daemon
     * threads, kept a minute when idle, so that opening a link does not pay for creating an OS
     * thread each time.
     */
    static ExecutorService readers(ReaderThreads kind, String prefix) {
        return switch (kind) {
            case VIRTUAL -> perTask(prefix);
            case PLATFORM -> Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name(prefix + "-", 0).daemon(true)
                    .uncaughtExceptionHandler(LOG_UNCAUGHT).factory());
        };
    }

    /**
     * A timer for timeouts: one platform daemon thread. Timed tasks only close sockets and
     * complete futures, so they never block it for long.
     */
    static ScheduledThreadPoolExecutor timer(String name) {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name(name).daemon(true).uncaughtExceptionHandler(LOG_UNCAUGHT).factory());
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return timer;
    }

    /**
     * Runs a deadline's task after a delay on a timer. Once the timer is shut down (its master or
     * node closed) every deadline has passed, so the task runs at once: deadlines only abort
     * things, and aborting is what a closed master or node wants.
     *
     * @return what cancels the task
     */
    static Future<?> schedule(ScheduledExecutorService timer, Runnable task, long delay, TimeUnit unit) {
        try {
            return timer.schedule(task, delay, unit);
        } catch (RejectedExecutionException e) {
            task.run();
            return CompletableFuture.completedFuture(null);
        }
    }

    /**
     * Waits for a thread to end, at most until the deadline. Keeps the caller's interrupt flag.
     *
     * @return true if the thread ended
     */
    static boolean join(Thread thread, Duration timeout) {
        if (thread == null || thread == Thread.currentThread()) {
            return true;
        }
        try {
            return thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !thread.isAlive();
        }
    }

    /** Shuts an executor down and waits for its tasks, at most until the timeout. */
    static boolean shutdown(ExecutorService executor, Duration timeout) {
        executor.shutdown();
        try {
            if (executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            executor.shutdownNow();
            return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
