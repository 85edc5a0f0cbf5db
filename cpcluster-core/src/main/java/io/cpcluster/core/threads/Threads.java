package io.cpcluster.core.threads;

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
public final class Threads {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.threads");
    private static final Thread.UncaughtExceptionHandler LOG_UNCAUGHT = (thread, error) ->
            LOG.log(Level.ERROR, "uncaught exception in thread " + thread.getName(), error);
    /** How long an idle pooled reader thread waits for a new link before it ends. */
    public static final Duration IDLE_READER = Duration.ofMinutes(1);

    private Threads() {
    }

    /** A factory of virtual threads named {@code prefix-0}, {@code prefix-1}, ... */
    public static ThreadFactory virtual(String prefix) {
        return Thread.ofVirtual().name(prefix + "-", 0).uncaughtExceptionHandler(LOG_UNCAUGHT).factory();
    }

    /** An executor that runs each task on a new virtual thread. */
    public static ExecutorService perTask(String prefix) {
        return Executors.newThreadPerTaskExecutor(virtual(prefix));
    }

    /** Starts a virtual thread. */
    public static Thread startVirtual(String name, Runnable task) {
        return Thread.ofVirtual().name(name).uncaughtExceptionHandler(LOG_UNCAUGHT).start(task);
    }

    /**
     * The threads that read links. {@code VIRTUAL}: a new virtual thread per link.
     * {@code PLATFORM}: a pool of platform daemon threads, one per open link, where a thread
     * whose link closed waits {@link #IDLE_READER} for the next link before it ends, so that
     * opening a link in steady state does not create an OS thread.
     */
    public static ExecutorService readers(ReaderThreads kind, String prefix) {
        return switch (kind) {
            case VIRTUAL -> perTask(prefix);
            case PLATFORM -> new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_READER.toMillis(), TimeUnit.MILLISECONDS,
                    new SynchronousQueue<>(), Thread.ofPlatform().name(prefix + "-", 0).daemon(true)
                            .uncaughtExceptionHandler(LOG_UNCAUGHT).factory());
        };
    }

    /**
     * A timer for timeouts: one platform daemon thread. Timed tasks only close sockets, complete
     * futures and hand work to other threads, so they never block it for long.
     */
    public static ScheduledThreadPoolExecutor timer(String name) {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name(name).daemon(true).uncaughtExceptionHandler(LOG_UNCAUGHT).factory());
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return timer;
    }

    /**
     * Runs a task every {@code period} on a timer, for as long as the timer runs. A task that
     * throws, even an {@link Error} such as {@link OutOfMemoryError}, is logged and runs again at
     * its next turn: a periodic task of the JDK's would be cancelled for good, and with it the
     * heartbeats or sweeps it does.
     */
    public static void periodic(ScheduledExecutorService timer, String what, Runnable task, long period,
                                TimeUnit unit) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (Throwable e) {
                LOG.log(Level.ERROR, "the periodic " + what + " failed; it runs again at its next turn", e);
            }
        }, period, period, unit);
    }

    /**
     * Runs a deadline's task after a delay on a timer. Once the timer is shut down (its master or
     * node closed) every deadline has passed, so the task runs at once: deadlines only abort
     * things, and aborting is what a closed master or node wants.
     *
     * @return what cancels the task
     */
    public static Future<?> schedule(ScheduledExecutorService timer, Runnable task, long delay, TimeUnit unit) {
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
    public static boolean join(Thread thread, Duration timeout) {
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
    public static boolean shutdown(ExecutorService executor, Duration timeout) {
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
