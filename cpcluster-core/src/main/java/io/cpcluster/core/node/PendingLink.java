package io.cpcluster.core.node;

import io.cpcluster.DirectLink;
import io.cpcluster.NodeId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A link this node asked the master for, from the request until it is open or has failed. It is
 * settled once; its future is completed on a background thread, never on the master's reader or
 * the timer, since what the application attached to it runs there.
 */
final class PendingLink {
    final long requestId;
    final NodeId peer;
    final long deadlineNanos;
    final CompletableFuture<DirectLink> future = new CompletableFuture<>();
    private final AtomicBoolean settled = new AtomicBoolean();
    private final Executor completions;
    volatile Future<?> timeout;

    PendingLink(long requestId, NodeId peer, long deadlineNanos, Executor completions) {
        this.requestId = requestId;
        this.peer = peer;
        this.deadlineNanos = deadlineNanos;
        this.completions = completions;
    }

    /** Milliseconds left until the deadline, at least 1. */
    long remainingMillis() {
        return Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    boolean settled() {
        return settled.get();
    }

    /** Completes with the link; false if the request was already settled (the caller closes the link). */
    boolean succeed(DirectLink link) {
        if (!settle()) {
            return false;
        }
        completeOffThread(() -> future.complete(link));
        return true;
    }

    void fail(Throwable error) {
        if (settle()) {
            completeOffThread(() -> future.completeExceptionally(error));
        }
    }

    private boolean settle() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        Future<?> deadline = timeout;
        if (deadline != null) {
            deadline.cancel(false);
        }
        return true;
    }

    private void completeOffThread(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            // The node is closing and runs nothing more: the caller's thread gets the answer.
            completion.run();
        }
    }
}
