package io.cpcluster.core.threads;

import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in the order they were given, on a virtual thread started when work
 * arrives and ended when there is none: a link's serial lane for application code (message
 * consumers, dependent actions of call futures, {@code SERIAL} handlers).
 *
 * <p>{@link #execute} never blocks and has no bound of its own: what puts work here bounds it
 * (the link's reader waits for room before it queues a message; a link runs at most its
 * {@code maxCallsInFlight} calls; the dependents of a call's future are as many as the
 * application attached). A task that throws is logged; the lane goes on with the next. Each task
 * starts with its thread's interrupt flag clear. A task that waits for work it would queue here
 * must queue it elsewhere ({@link #isCurrent()} tells).
 */
public final class Lane implements Executor {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.link");

    private final String name;
    private final Executor threads;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** True while a thread drains the queue; only that thread runs tasks. */
    private final AtomicBoolean draining = new AtomicBoolean();
    /** The thread draining the queue now, if any. */
    private volatile Thread current;

    /**
     * @param name for log lines
     * @param threads starts the virtual threads that drain the lane
     */
    public Lane(String name, Executor threads) {
        this.name = name;
        this.threads = threads;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        start();
    }

    /**
     * Queues a task without starting a thread for it: for one thread that queues many tasks in a
     * burst (a link's reader, the messages of one read) and then calls {@link #start()} once, so
     * that the burst costs one wake-up, not one each. Until then the task may wait.
     */
    public void defer(Runnable task) {
        queue.add(task);
    }

    /** Starts a thread to run what is queued, unless one is running or nothing is queued. */
    public void start() {
        if (!draining.get() && !queue.isEmpty() && draining.compareAndSet(false, true)) {
            try {
                threads.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The node has closed: what is left (a future's dependents, say) still runs, once.
                Threads.startVirtual("cpcluster-lane-after-close", this::drain);
            }
        }
    }

    private void drain() {
        current = Thread.currentThread();
        try {
            drainQueue();
        } finally {
            current = null;
        }
    }

    private void drainQueue() {
        while (true) {
            Runnable task = queue.poll();
            if (task == null) {
                current = null;
                draining.set(false);
                // A task added after the poll and before the flag was cleared found the flag set
                // and started no thread: take it, unless another thread already did.
                if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                    return;
                }
                current = Thread.currentThread();
                continue;
            }
            Thread.interrupted();
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "a task on " + name + " failed", e);
            }
        }
    }

    /**
     * Whether the calling thread is this lane's, running one of its tasks: work that task would
     * wait for must not be queued behind it.
     */
    public boolean isCurrent() {
        return current == Thread.currentThread();
    }

    /** Tasks waiting to run. */
    public int queued() {
        return queue.size();
    }
}
