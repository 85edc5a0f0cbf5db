package io.cpcluster.core.node;

import io.cpcluster.ClusterException;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.core.wire.Control;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Asks the master which nodes are connected, or which serve a task ({@code FIND_NODES}), for a
 * node whose {@link io.cpcluster.MembershipView} does not hold them. Each question waits at most
 * its timeout, and fails at once when the master is lost; an answer may list at most
 * {@link #MAX_NODES} nodes. Answers complete on the node's background threads, never on the
 * master's reader.
 *
 * <p>At most one question per task (and one for every node) is in flight: callers that come
 * while one is share the next, which is asked when the one in flight is answered, so that each
 * gets an answer made after it asked. An application that calls {@code nodes()} from a hundred
 * threads at once in a cluster of 10,000 costs the master two lists of every node, not a hundred
 * (which would also fill this node's outbox at the master, and have it dropped). Each caller
 * still waits at most the timeout from its own call.
 */
final class Finder {
    /** The most nodes one answer may list: a master that sends more breaks the protocol. */
    static final int MAX_NODES = 1_000_000;

    /** What the finder needs of its node. */
    interface Master {
        /** Sends to the master; false if it is not connected. */
        boolean send(Control message);

        Future<?> schedule(Runnable task, long delay, TimeUnit unit);
    }

    private final Master master;
    private final Executor background;
    private final Duration timeout;
    private final AtomicLong requestIds = new AtomicLong();
    private final ConcurrentHashMap<Long, Question> pending = new ConcurrentHashMap<>();
    /**
     * For each task with a question in flight (null: every node), the callers waiting for the
     * next one. Guarded by {@link #flightsLock}.
     */
    private final Map<String, List<CompletableFuture<List<NodeInfo>>>> flights = new HashMap<>();
    private final ReentrantLock flightsLock = new ReentrantLock();

    /** One question: what it asked, the nodes answered so far (only the master's reader adds them), its result. */
    private static final class Question {
        final String task;
        final List<NodeInfo> nodes = new ArrayList<>();
        final CompletableFuture<List<NodeInfo>> result = new CompletableFuture<>();

        Question(String task) {
            this.task = task;
        }
    }

    Finder(Master master, Executor background, Duration timeout) {
        this.master = master;
        this.background = background;
        this.timeout = timeout;
    }

    /**
     * Asks the master, or joins the callers waiting for the next question on the same task.
     *
     * @param task a task name, or null for every connected node
     * @return the nodes: every connected one, or at most {@link Control#MAX_FOUND} serving the
     *         task; fails with a {@link ClusterException} when the master is lost or does not
     *         answer within the timeout
     */
    CompletableFuture<List<NodeInfo>> find(String task) {
        CompletableFuture<List<NodeInfo>> mine = new CompletableFuture<>();
        boolean first;
        flightsLock.lock();
        try {
            // A HashMap takes the null key: the question about every node.
            first = !flights.containsKey(task);
            if (first) {
                flights.put(task, new ArrayList<>());
            } else {
                flights.get(task).add(mine);
            }
        } finally {
            flightsLock.unlock();
        }
        if (first) {
            fly(task, List.of(mine));
        } else {
            Future<?> deadline = master.schedule(() -> complete(() -> mine.completeExceptionally(late(task)), mine),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
            mine.whenComplete((nodes, error) -> deadline.cancel(false));
        }
        return mine;
    }

    /** Asks for these callers; once answered, asks again for those who came meanwhile, if any. */
    private void fly(String task, List<CompletableFuture<List<NodeInfo>>> callers) {
        ask(task).whenComplete((nodes, error) -> {
            for (CompletableFuture<List<NodeInfo>> caller : callers) {
                if (error != null) {
                    caller.completeExceptionally(error);
                } else {
                    caller.complete(nodes);
                }
            }
            List<CompletableFuture<List<NodeInfo>>> next;
            flightsLock.lock();
            try {
                next = flights.get(task).stream().filter(caller -> !caller.isDone()).toList();
                if (next.isEmpty()) {
                    flights.remove(task);
                } else {
                    flights.put(task, new ArrayList<>());
                }
            } finally {
                flightsLock.unlock();
            }
            if (!next.isEmpty()) {
                fly(task, next);
            }
        });
    }

    private ClusterException late(String task) {
        return new ClusterException("the master did not say which nodes " + what(task) + " within "
                + timeout.toMillis() + " ms (NodeConfig.connectTimeout)");
    }

    /** Sends one question. */
    private CompletableFuture<List<NodeInfo>> ask(String task) {
        long id = requestIds.incrementAndGet();
        Question question = new Question(task);
        pending.put(id, question);
        Future<?> deadline = master.schedule(() -> fail(id, late(task)), timeout.toMillis(), TimeUnit.MILLISECONDS);
        question.result.whenComplete((nodes, error) -> deadline.cancel(false));
        if (!master.send(new Control.FindNodes(id, task))) {
            fail(id, new ClusterException("cannot ask the master which nodes " + what(task) + ": it is not connected"
                    + " (this node's membership view does not hold them)"));
        }
        return question.result;
    }

    private static String what(String task) {
        return task == null ? "are connected" : "serve task '" + task + "'";
    }

    /**
     * Takes a page of an answer (on the master's reader).
     *
     * @throws ProtocolException if a node in it is malformed, or the answer lists too many
     */
    void found(Control.NodesFound page) {
        Question question = pending.get(page.requestId());
        if (question == null) {
            return; // it timed out, or the master was lost meanwhile
        }
        // Pages come only from the master's reader, one after the other: nothing else touches
        // the nodes gathered, so they need no lock.
        for (Control.WireNode wire : page.nodes()) {
            NodeInfo node = MasterLink.info(wire);
            if (question.task != null && !node.serves(question.task)) {
                throw new ProtocolException("the master answered FIND_NODES for task '" + question.task
                        + "' with a node that does not serve it");
            }
            question.nodes.add(node);
        }
        if (question.nodes.size() > MAX_NODES) {
            throw new ProtocolException("the master's answer to FIND_NODES lists more than " + MAX_NODES + " nodes");
        }
        if (!page.more() && pending.remove(page.requestId(), question)) {
            List<NodeInfo> nodes = List.copyOf(question.nodes);
            complete(() -> question.result.complete(nodes), question.result);
        }
    }

    /** The master is lost: every question fails. */
    void masterLost(String reason) {
        pending.forEach((id, question) -> fail(id, new ClusterException("the master was lost before it said which"
                + " nodes " + what(question.task) + ": " + reason)));
    }

    private void fail(long id, ClusterException error) {
        Question question = pending.remove(id);
        if (question != null) {
            complete(() -> question.result.completeExceptionally(error), question.result);
        }
    }

    /** Completes {@code future} on a background thread; once the node closed and they are gone, fails it here. */
    private void complete(Runnable completion, CompletableFuture<List<NodeInfo>> future) {
        try {
            background.execute(completion);
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new ClusterException("this node is closed"));
        }
    }
}
