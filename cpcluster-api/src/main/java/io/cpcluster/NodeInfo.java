package io.cpcluster;

import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the cluster knows about a node.
 *
 * @param id the node's identity
 * @param name the name it gave itself; names may repeat
 * @param host the address other nodes reach it at: the address it advertises
 *        ({@link NodeConfig#advertisedHost()}), or by default the address the master saw it connect from
 * @param tasks the names of the tasks it serves, sorted
 * @param joinedAt when the master accepted it
 * @param fingerprint the fingerprint of the TLS key the node proved to the master, which its link
 *        peers pin ({@code sha256:} and 64 hex digits); empty with {@link Security#PLAIN}
 */
public record NodeInfo(NodeId id, String name, String host, Set<String> tasks, Instant joinedAt,
                       Optional<String> fingerprint) {
    /** Checks the fields and makes {@code tasks} an unmodifiable sorted copy. */
    public NodeInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(joinedAt, "joinedAt");
        tasks = Collections.unmodifiableSortedSet(new TreeSet<>(Objects.requireNonNull(tasks, "tasks")));
        fingerprint = Objects.requireNonNull(fingerprint, "fingerprint").map(JoinInfo::checkFingerprint);
    }

    /**
     * A node without a key, in a cluster with {@link Security#PLAIN}.
     *
     * @param id the node's identity
     * @param name the name it gave itself
     * @param host the address other nodes reach it at
     * @param tasks the names of the tasks it serves
     * @param joinedAt when the master accepted it
     */
    public NodeInfo(NodeId id, String name, String host, Set<String> tasks, Instant joinedAt) {
        this(id, name, host, tasks, joinedAt, Optional.empty());
    }

    /**
     * Tells whether this node serves a task.
     *
     * @param task a task name
     * @return true when {@link #tasks()} holds it
     */
    public boolean serves(String task) {
        return tasks.contains(task);
    }

    /**
     * Returns the node's name and id, the way CPCluster names nodes in messages.
     *
     * @return for example {@code worker-1 (3f2a…)}
     */
    public String label() {
        return name + " (" + id + ")";
    }
}
