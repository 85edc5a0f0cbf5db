package io.cpcluster.core.master;

import io.cpcluster.MasterConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.core.wire.Control;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What each node holds at the master, against what it may (issue 9): its link requests not yet
 * answered, the links it opened, and when its task list was last applied; and how many links hold
 * a port on each host. Part of the {@link Book}: a plain class with no I/O, called only by the book,
 * under the master's lock.
 *
 * <p>Nothing here outlives what it counts: a session's entry goes when it leaves or is replaced, a
 * node's link count with its last link, a host with the last link that holds a port there.
 */
final class Quotas {
    private final MasterConfig config;
    /** For each joined session: its requests, its task updates. */
    private final Map<Session, Member> members = new HashMap<>();
    /** For each node, the links in the book it initiated; nodes with none are not here. */
    private final Map<NodeId, Initiated> initiated = new HashMap<>();
    /** For each host, how many links in the book hold a port there; hosts with none are not here. */
    private final Map<String, Integer> hosts = new TreeMap<>();

    Quotas(MasterConfig config) {
        this.config = config;
    }

    /** A node's task names, checked, and how many bytes they take as a JSON array. */
    record TaskList(Set<String> names, int bytes) {
    }

    /**
     * What to do with a task list that arrived: apply {@code now} (null when it waits), and when
     * the one that waits is due, in nanoseconds from now (negative when no new wait began).
     */
    record Pace(TaskList now, long flushInNanos) {
    }

    private static final class Member {
        /** How many bytes its task names take as JSON. */
        int tasksBytes;
        /** When its task list was last applied (System.nanoTime()). */
        long tasksAppliedNanos;
        /** The latest task list it sent that waits for its interval; null when none waits. */
        TaskList pendingTasks;
        /** Its link requests admitted and not yet offered or answered (held through the grace, or being allocated). */
        int waiting;

        Member(int tasksBytes, long tasksAppliedNanos) {
            this.tasksBytes = tasksBytes;
            this.tasksAppliedNanos = tasksAppliedNanos;
        }
    }

    /** The links in the book one node initiated, and how many of them are offered and not yet assigned. */
    private static final class Initiated {
        int links;
        int offered;
    }

    // ---------------------------------------------------------------- sessions

    /** A session joined; its first task update may come at once (the one a node sends right after AUTH_OK). */
    void joined(Session session, int tasksBytes, long now) {
        members.put(session, new Member(tasksBytes, now - config.taskUpdateInterval().toNanos()));
    }

    /** A session left or was replaced: its requests and its waiting task list go with it. */
    void left(Session session) {
        members.remove(session);
    }

    /** How many bytes a joined session's task names take as JSON. */
    int tasksBytes(Session session) {
        Member member = members.get(session);
        return member != null ? member.tasksBytes : 0;
    }

    // ---------------------------------------------------------------- task updates

    /**
     * A node sent a task list. It is applied now when the node's last list was applied at least
     * {@link MasterConfig#taskUpdateInterval()} ago and none waits; otherwise it waits, replacing
     * any list that already waits, until {@link #flushTasks}.
     */
    Pace tasks(Session session, TaskList tasks, long now) {
        Member member = members.get(session);
        if (member == null) {
            return new Pace(null, -1);
        }
        boolean flushDue = member.pendingTasks != null;
        long wait = member.tasksAppliedNanos + config.taskUpdateInterval().toNanos() - now;
        if (!flushDue && wait <= 0) {
            applied(member, tasks, now);
            return new Pace(tasks, -1);
        }
        member.pendingTasks = tasks;
        return new Pace(null, flushDue ? -1 : wait);
    }

    /** The task list that waited for its interval, now to be applied; null when none waits (or the node left). */
    TaskList flushTasks(Session session, long now) {
        Member member = members.get(session);
        if (member == null || member.pendingTasks == null) {
            return null;
        }
        TaskList tasks = member.pendingTasks;
        member.pendingTasks = null;
        applied(member, tasks, now);
        return tasks;
    }

    private static void applied(Member member, TaskList tasks, long now) {
        member.tasksAppliedNanos = now;
        member.tasksBytes = tasks.bytes();
    }

    // ---------------------------------------------------------------- link requests and links

    /**
     * Admits a node's link request if the node is within its quotas: fewer than
     * {@link MasterConfig#maxLinkRequestsPerNode()} requests unanswered (waiting to be offered, or
     * offered to an acceptor that has not said it listens), and fewer than
     * {@link MasterConfig#maxLinksPerNode()} links it opened or is opening. An admitted request
     * waits (is counted) until {@link #settle}.
     *
     * @return null when admitted; else the refusal to send
     */
    Control.LinkRejected admit(Session session, long requestId) {
        Member member = members.get(session);
        if (member == null) {
            return new Control.LinkRejected(requestId, Control.LinkRejected.PEER_UNAVAILABLE,
                    "this connection was replaced by a newer one from the same node");
        }
        NodeInfo node = session.node();
        Initiated mine = initiated.get(node.id());
        int unanswered = member.waiting + (mine != null ? mine.offered : 0);
        int opened = member.waiting + (mine != null ? mine.links : 0);
        if (unanswered >= config.maxLinkRequestsPerNode()) {
            return new Control.LinkRejected(requestId, Control.LinkRejected.TOO_MANY_REQUESTS, node.label()
                    + " already has " + unanswered + " link requests the master has not answered, as many as one node"
                    + " may (MasterConfig.maxLinkRequestsPerNode): wait for their answers before asking for more");
        }
        if (opened >= config.maxLinksPerNode()) {
            return new Control.LinkRejected(requestId, Control.LinkRejected.TOO_MANY_LINKS, node.label()
                    + " already holds " + opened + " links it opened or is opening, as many as one node may"
                    + " (MasterConfig.maxLinksPerNode): close links it no longer needs");
        }
        member.waiting++;
        return null;
    }

    /** An admitted request was offered (its link entered) or answered: it no longer waits. */
    void settle(Session session) {
        Member member = members.get(session);
        if (member != null && member.waiting > 0) {
            member.waiting--;
        }
    }

    /** A link entered the book: it counts against its initiator, and keeps its host known. */
    void added(Brokered link) {
        Initiated mine = initiated.computeIfAbsent(link.initiatorId, node -> new Initiated());
        mine.links++;
        if (link.state == Brokered.State.OFFERED) {
            mine.offered++;
        }
        hosts.merge(link.host, 1, Integer::sum);
    }

    /** An offered link moves on (assigned, or opened): its initiator's request is answered. */
    void answered(Brokered link) {
        Initiated mine = initiated.get(link.initiatorId);
        if (mine != null && link.state == Brokered.State.OFFERED) {
            mine.offered--;
        }
    }

    /** A link left the book: its initiator and its host are forgotten when it was their last. */
    void removed(Brokered link) {
        Initiated mine = initiated.get(link.initiatorId);
        if (mine != null) {
            if (link.state == Brokered.State.OFFERED) {
                mine.offered--;
            }
            if (--mine.links == 0) {
                initiated.remove(link.initiatorId);
            }
        }
        hosts.computeIfPresent(link.host, (host, count) -> count > 1 ? count - 1 : null);
    }

    /** The hosts where links in the book hold ports, sorted. */
    List<String> hosts() {
        return List.copyOf(hosts.keySet());
    }
}
