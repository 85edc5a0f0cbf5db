package io.cpcluster;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which other nodes the master keeps a node told about ({@link NodeConfig.Builder#membership}).
 * Telling every node about every other costs the master and the network the square of the
 * cluster's size; a large cluster (a driver and thousands of workers) wants most nodes to hear of
 * few others.
 *
 * <ul>
 *   <li>{@link #all()}, the default: every node, listed when this node joins, then each change,
 *       gathered over the master's {@link MasterConfig#membershipInterval()};</li>
 *   <li>{@link #serving(String...)}: only the nodes that serve at least one of the given tasks
 *       (a node that stops serving them is reported gone from the view);</li>
 *   <li>{@link #none()}: no other node at all.</li>
 * </ul>
 *
 * <p>Whatever the view, {@link ClusterNode#nodes()} lists every connected node (asking the master
 * when the view does not hold them all), {@link ClusterNode#submit} finds a node serving any task
 * (asking the master when the view does not cover the task), and {@link ClusterNode#connect}
 * reaches any node. {@link NodeJoined} and {@link NodeLeft} events come for the nodes in the view.
 */
public final class MembershipView {
    /** What a view holds. */
    public enum Mode {
        /** Every other node. */
        ALL,
        /** The nodes serving at least one of the view's tasks. */
        TASKS,
        /** No other node. */
        NONE
    }

    private static final MembershipView ALL = new MembershipView(Mode.ALL, Set.of());
    private static final MembershipView NONE = new MembershipView(Mode.NONE, Set.of());
    /** The most tasks a view may name. */
    public static final int MAX_TASKS = 64;

    private final Mode mode;
    private final Set<String> tasks;

    private MembershipView(Mode mode, Set<String> tasks) {
        this.mode = mode;
        this.tasks = tasks;
    }

    /**
     * Every other node: the default.
     *
     * @return the view of every node
     */
    public static MembershipView all() {
        return ALL;
    }

    /**
     * No other node: the master lists none and tells of no change.
     *
     * @return the empty view
     */
    public static MembershipView none() {
        return NONE;
    }

    /**
     * The nodes that serve at least one of these tasks.
     *
     * @param tasks task names, 1 to {@value #MAX_TASKS} of them
     * @return the view of the nodes serving them
     * @throws IllegalArgumentException if there is no task, more than {@value #MAX_TASKS}, or a
     *         name is not a valid task name
     */
    public static MembershipView serving(String... tasks) {
        return serving(List.of(tasks));
    }

    /**
     * The nodes that serve at least one of these tasks.
     *
     * @param tasks task names, 1 to {@value #MAX_TASKS} of them
     * @return the view of the nodes serving them
     * @throws IllegalArgumentException if there is no task, more than {@value #MAX_TASKS}, or a
     *         name is not a valid task name
     */
    public static MembershipView serving(Collection<String> tasks) {
        Objects.requireNonNull(tasks, "tasks");
        Set<String> names = new TreeSet<>();
        tasks.forEach(task -> names.add(TaskBinding.checkTaskName(task)));
        if (names.isEmpty() || names.size() > MAX_TASKS) {
            throw new IllegalArgumentException("a view serving tasks names 1 to " + MAX_TASKS + " tasks, not "
                    + names.size());
        }
        return new MembershipView(Mode.TASKS, java.util.Collections.unmodifiableSet(names));
    }

    /**
     * What this view holds.
     *
     * @return its mode
     */
    public Mode mode() {
        return mode;
    }

    /**
     * The tasks of a {@link Mode#TASKS} view, sorted; empty for the others.
     *
     * @return the task names
     */
    public Set<String> tasks() {
        return tasks;
    }

    /**
     * Whether a node serving these tasks is in this view.
     *
     * @param served the tasks a node serves
     * @return true if the view holds such a node
     */
    public boolean includes(Set<String> served) {
        return switch (mode) {
            case ALL -> true;
            case NONE -> false;
            case TASKS -> served.stream().anyMatch(tasks::contains);
        };
    }

    /**
     * Whether this view holds every node serving a task: then this node knows them all without
     * asking the master.
     *
     * @param task a task name
     * @return true for {@link Mode#ALL}, and for a {@link Mode#TASKS} view that names the task
     */
    public boolean covers(String task) {
        return mode == Mode.ALL || mode == Mode.TASKS && tasks.contains(task);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MembershipView view && view.mode == mode && view.tasks.equals(tasks);
    }

    @Override
    public int hashCode() {
        return mode.hashCode() * 31 + tasks.hashCode();
    }

    @Override
    public String toString() {
        return mode == Mode.TASKS ? "serving" + tasks : mode.name().toLowerCase(java.util.Locale.ROOT);
    }
}
