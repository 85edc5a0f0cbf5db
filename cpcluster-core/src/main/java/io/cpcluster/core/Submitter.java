package io.cpcluster.core;

import io.cpcluster.ClusterException;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosedException;
import io.cpcluster.NoSuchNodeException;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.SubmitOptions;
import io.cpcluster.TaskBinding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * {@link io.cpcluster.ClusterNode#submit}: picks the serving node with the least work this node
 * has outstanding on it (ties taken in turn), reuses one link per peer (opening it on first
 * use), and when the link dies before the answer, or cannot be opened, tries the next node.
 */
final class Submitter {
    private final Node node;
    private final ConcurrentHashMap<NodeId, AtomicInteger> outstanding = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<NodeId, CompletableFuture<DirectLink>> links = new ConcurrentHashMap<>();
    private final AtomicInteger turn = new AtomicInteger();

    Submitter(Node node) {
        this.node = node;
    }

    <O> CompletableFuture<O> submit(String task, Object input, Class<O> resultType, SubmitOptions options) {
        TaskBinding.checkTaskName(task);
        Objects.requireNonNull(resultType, "resultType");
        CompletableFuture<O> result = new CompletableFuture<>();
        attempt(task, input, resultType, options, new HashSet<>(), result, null);
        return result;
    }

    private <O> void attempt(String task, Object input, Class<O> resultType, SubmitOptions options, Set<NodeId> tried,
                             CompletableFuture<O> result, Throwable lastFailure) {
        NodeInfo target = pick(task, tried);
        if (target == null) {
            result.completeExceptionally(lastFailure != null ? lastFailure : noServer(task));
            return;
        }
        tried.add(target.id());
        AtomicInteger load = outstanding.computeIfAbsent(target.id(), id -> new AtomicInteger());
        load.incrementAndGet();
        AtomicBoolean linked = new AtomicBoolean();
        linkTo(target.id())
                .thenCompose(link -> {
                    linked.set(true);
                    return link.call(task, input, resultType);
                })
                .whenComplete((value, error) -> {
                    load.decrementAndGet();
                    if (error == null) {
                        result.complete(value);
                        return;
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    if (!linked.get()) {
                        // No link could be opened: the task was never sent, so any task may go elsewhere.
                        if (cause instanceof ClusterException) {
                            attempt(task, input, resultType, options, tried, result, cause);
                        } else {
                            result.completeExceptionally(cause);
                        }
                    } else if (cause instanceof LinkClosedException closed) {
                        // The link died with the call in flight: the peer may or may not have run it.
                        if (options.idempotent()) {
                            attempt(task, input, resultType, options, tried, result, cause);
                        } else {
                            result.completeExceptionally(new LinkClosedException(closed.getMessage() + ". Task '" + task
                                    + "' is not idempotent, so it was not tried on another node: it may or may not have"
                                    + " run on " + target.label(), closed));
                        }
                    } else {
                        result.completeExceptionally(cause);
                    }
                });
    }

    /** The serving node with the least outstanding work, not yet tried; null when none is left. */
    private NodeInfo pick(String task, Set<NodeId> tried) {
        List<NodeInfo> candidates = node.nodes().stream()
                .filter(n -> n.serves(task) && !n.id().equals(node.id()) && !tried.contains(n.id()))
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
        String served = node.nodes().stream().filter(n -> !n.id().equals(node.id()))
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
            DirectLink existing = node.links().stream().filter(l -> l.peer().id().equals(peer) && l.isOpen())
                    .findFirst().orElse(null);
            if (existing != null) {
                fresh.complete(existing);
            } else {
                node.connectAsync(peer).whenComplete((link, error) -> {
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
