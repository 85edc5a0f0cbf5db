package io.cpcluster.core;

import io.cpcluster.DirectLink;
import io.cpcluster.NodeId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/** A link this node asked the master for, from the request until it is open or has failed. */
final class PendingLink {
    final long requestId;
    final NodeId peer;
    final long deadlineNanos;
    final CompletableFuture<DirectLink> future = new CompletableFuture<>();
    volatile Future<?> timeout;

    PendingLink(long requestId, NodeId peer, long deadlineNanos) {
        this.requestId = requestId;
        this.peer = peer;
        this.deadlineNanos = deadlineNanos;
    }

    /** Milliseconds left until the deadline, at least 1. */
    long remainingMillis() {
        return Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    void fail(Throwable error) {
        future.completeExceptionally(error);
    }
}
