package io.cpcluster.core.node;

import io.cpcluster.CallOptions;
import io.cpcluster.CallTimeoutException;
import io.cpcluster.ClusterException;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosedException;
import io.cpcluster.LinkOverloadedException;
import io.cpcluster.NoSuchNodeException;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.SubmitOptions;
import io.cpcluster.TaskBinding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * {@link io.cpcluster.ClusterNode#submit}: picks the serving node with the least work this node
 * has outstanding on it (ties taken in turn), reuses one link per peer (opening it on first
 * use), and when the link dies before the answer, or the task could not be sent, tries the next
 * node, all within the submit's deadline. Never blocks: each step runs when the one before
 * completes.
 */
final class Submitter {
    /** What a submit needs of its node. */
    interface Cluster {
        NodeId selfId();

        /** The nodes this node knows of, without asking anyone: those its membership view holds. */
        List<NodeInfo> known();

        /**
         * The nodes serving a task: from the membership view when it covers the task, else from
         * the master ({@code FIND_NODES}); completes off the network's threads.
         */
        CompletableFuture<List<NodeInfo>> servers(String task);

        List<DirectLink> links();

        CompletableFuture<DirectLink> connectAsync(NodeId peer);

        Duration callTimeout();

        Future<?> schedule(Runnable task, long delay, TimeUnit unit);

        /** Where a submit's future is completed when a timer would otherwise complete it. */
        Executor background();
    }

    private final Cluster cluster;
    private final ConcurrentHashMap<NodeId, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<NodeId, CompletableFuture<DirectLink>> links = new ConcurrentHashMap<>();
    private final AtomicInteger turn = new AtomicInteger();

    Submitter(Cluster cluster) {
        this.cluster = cluster;
    }

    /** One submit: its result, its deadline, the nodes tried, the attempt in flight. */
    private final class Submit<O> {
        final String task;
        final Object input;
        final Class<O> resultType;
        final SubmitOptions options;
        final Duration timeout;
        final long deadlineNanos;
        final Set<NodeId> tried = ConcurrentHashMap.newKeySet();
        final CompletableFuture<O> result = new CompletableFuture<>();
        final AtomicReference<CompletableFuture<?>> attempt = new AtomicReference<>();

        Submit(String task, Object input, Class<O> resultType, SubmitOptions options, Duration timeout) {
            this.task = task;
            this.input = input;
            this.resultType = resultType;
            this.options = options;
            this.timeout = timeout;
            this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        }
    }

    <O> CompletableFuture<O> submit(String task, Object input, Class<O> resultType, SubmitOptions options) {
        TaskBinding.checkTaskName(task);
        Objects.requireNonNull(resultType, "resultType");
        Duration timeout = options.timeout().orElse(cluster.callTimeout());
        Submit<O> submit = new Submit<>(task, input, resultType, options, timeout);
        Future<?> deadline = cluster.schedule(() -> expire(submit), timeout.toMillis(), TimeUnit.MILLISECONDS);
        submit.result.whenComplete((value, error) -> deadline.cancel(false));
        attempt(submit, null);
        return submit.result;
    }

    /** The deadline passed (on the timer): fail the submit off the timer, and cancel its call in flight. */
    private void expire(Submit<?> submit) {
        CallTimeoutException expired = timedOut(submit);
        try {
            cluster.background().execute(() -> submit.result.completeExceptionally(expired));
        } catch (RejectedExecutionException e) {
            submit.result.completeExceptionally(expired);
        }
        CompletableFuture<?> inFlight = submit.attempt.get();
        if (inFlight != null) {
            inFlight.cancel(true);
        }
    }

    private static CallTimeoutException timedOut(Submit<?> submit) {
        return new CallTimeoutException("task '" + submit.task + "' got no answer within " + submit.timeout.toMillis()
                + " ms (SubmitOptions.timeout, or NodeConfig.callTimeout); tried " + submit.tried.size()
                + " node(s), and the call in flight was cancelled");
    }

    private <O> void attempt(Submit<O> submit, Throwable lastFailure) {
        if (submit.result.isDone()) {
            return;
        }
        cluster.servers(submit.task).whenComplete((servers, error) -> {
            if (error != null) {
                submit.result.completeExceptionally(unwrap(error));
            } else {
                attempt(submit, lastFailure, servers);
            }
        });
    }

    private <O> void attempt(Submit<O> submit, Throwable lastFailure, List<NodeInfo> servers) {
        NodeInfo target = pick(servers, submit.tried);
        if (target == null) {
            submit.result.completeExceptionally(lastFailure != null ? lastFailure : noServer(submit.task));
            return;
        }
        submit.tried.add(target.id());
        AtomicInteger load = outstanding.computeIfAbsent(target.id(), id -> new AtomicInteger());
        load.incrementAndGet();
        linkTo(target.id()).whenComplete((link, error) -> {
            if (error != null) {
                load.decrementAndGet();
                notSent(submit, unwrap(error));
                return;
            }
            long left = submit.deadlineNanos - System.nanoTime();
            if (left <= 0 || submit.result.isDone()) {
                load.decrementAndGet();
                return;
            }
            CompletableFuture<O> call;
            try {
                call = link.call(submit.task, submit.input, submit.resultType,
                        CallOptions.timeout(Duration.ofNanos(left)));
            } catch (RuntimeException e) {
                load.decrementAndGet();
                submit.result.completeExceptionally(e);
                return;
            }
            submit.attempt.set(call);
            // The call's future runs this on its link's lane, never on the link's reader.
            call.whenComplete((value, failure) -> {
                load.decrementAndGet();
                if (failure == null) {
                    submit.result.complete(value);
                } else {
                    answered(submit, target, unwrap(failure));
                }
            });
        });
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** The task could not be sent (no link, or the link refused it): any task may go elsewhere. */
    private <O> void notSent(Submit<O> submit, Throwable cause) {
        if (cause instanceof ClusterException && !(cause instanceof CallTimeoutException)) {
            attempt(submit, cause);
        } else {
            submit.result.completeExceptionally(cause);
        }
    }

    /** The call ended without a result. */
    private <O> void answered(Submit<O> submit, NodeInfo target, Throwable cause) {
        if (cause instanceof CallTimeoutException) {
            // The call's deadline is the submit's: say so in the submit's words.
            submit.result.completeExceptionally(timedOut(submit));
        } else if (cause instanceof LinkOverloadedException) {
            notSent(submit, cause);
        } else if (cause instanceof LinkClosedException closed) {
            // The link died with the call in flight: the peer may or may not have run it.
            if (submit.options.idempotent()) {
                attempt(submit, cause);
            } else {
                submit.result.completeExceptionally(new LinkClosedException(closed.getMessage() + ". Task '"
                        + submit.task + "' is not idempotent, so it was not tried on another node: it may or may"
                        + " not have run on " + target.label(), closed));
            }
        } else {
            submit.result.completeExceptionally(cause);
        }
    }

    /** The serving node with the least outstanding work, not yet tried; null when none is left. */
    private NodeInfo pick(List<NodeInfo> servers, Set<NodeId> tried) {
        List<NodeInfo> candidates = servers.stream()
                .filter(n -> !n.id().equals(cluster.selfId()) && !tried.contains(n.id()))
                .sorted(Comparator.comparing(n -> n.id().value()))
                .toList();
        if (candidates.isEmpty()) {
            return null;
        }
        // One reading of each load: they change under our feet as other submits come and go.
        int[] loads = candidates.stream().mapToInt(this::load).toArray();
        int least = Arrays.stream(loads).min().orElseThrow();
        List<NodeInfo> idlest = new ArrayList<>();
        for (int i = 0; i < loads.length; i++) {
            if (loads[i] == least) {
                idlest.add(candidates.get(i));
            }
        }
        return idlest.get(Math.floorMod(turn.getAndIncrement(), idlest.size()));
    }

    private int load(NodeInfo target) {
        AtomicInteger load = outstanding.get(target.id());
        return load == null ? 0 : load.get();
    }

    private NoSuchNodeException noServer(String task) {
        String served = cluster.known().stream().filter(n -> !n.id().equals(cluster.selfId()))
                .map(n -> n.label() + " serves " + n.tasks()).collect(Collectors.joining("; "));
        return new NoSuchNodeException("no other node serves task '" + task + "'"
                + (served.isEmpty() ? ": no other node is connected" : " (" + served + ")")
                + "; start a node that handles it");
    }

    /** An open link to the peer: the one submit uses already, one the application opened, or a new one. */
    private CompletableFuture<DirectLink> linkTo(NodeId peer) {
        while (true) {
            CompletableFuture<DirectLink> current = links.get(peer);
            if (current != null && usable(current)) {
                return current;
            }
            CompletableFuture<DirectLink> fresh = new CompletableFuture<>();
            boolean mine = current == null ? links.putIfAbsent(peer, fresh) == null : links.replace(peer, current, fresh);
            if (!mine) {
                continue;
            }
            DirectLink existing = cluster.links().stream().filter(l -> l.peer().id().equals(peer) && l.isOpen())
                    .findFirst().orElse(null);
            if (existing != null) {
                fresh.complete(existing);
            } else {
                cluster.connectAsync(peer).whenComplete((link, error) -> {
                    if (error != null) {
                        links.remove(peer, fresh);
                        fresh.completeExceptionally(error);
                    } else {
                        fresh.complete(link);
                    }
                });
            }
            return fresh;
        }
    }

    private static boolean usable(CompletableFuture<DirectLink> link) {
        if (!link.isDone()) {
            return true;
        }
        if (link.isCompletedExceptionally()) {
            return false;
        }
        return link.getNow(null).isOpen();
    }

    void linkClosed(DirectLink link) {
        CompletableFuture<DirectLink> current = links.get(link.peer().id());
        if (current != null && current.isDone() && !current.isCompletedExceptionally() && current.getNow(null) == link) {
            links.remove(link.peer().id(), current);
        }
    }

    void forget(NodeId peer) {
        links.remove(peer);
        outstanding.remove(peer);
    }
}
