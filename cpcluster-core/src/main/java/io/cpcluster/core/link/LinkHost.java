package io.cpcluster.core.link;

import io.cpcluster.NodeConfig;
import io.cpcluster.TaskBinding;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link Link} needs from the node it belongs to, and all it may ask of it: settings,
 * threads, a timer, the tasks the node serves, and word that the link closed.
 */
public interface LinkHost {
    /** The node's settings. */
    NodeConfig config();

    /** Starts a link's reading loop on a reader thread; false when the node starts no more threads. */
    boolean startReader(Runnable reading);

    /** Runs application code (handlers, lanes) on virtual threads; refuses once the node closes. */
    Executor application();

    /**
     * Runs the library's own short jobs off the threads that read and time (cancel frames,
     * keep-alives, sending calls that waited for room, closing a dead link).
     */
    Executor background();

    /** Runs a task after a delay on the node's timer; the task must not block. */
    Future<?> schedule(Runnable task, long delay, TimeUnit unit);

    /** The handler for a task, or null when the node does not serve it. */
    TaskBinding<?, ?> task(String name);

    /** A sentence that says what the node is and serves, for a peer that called a task it does not serve. */
    String doesNotServe(String task);

    /** What a peer's call is told when the node is closing and takes no new calls. */
    String closingMessage();

    /** True once the node is closing: it refuses new calls from peers. */
    boolean closing();

    /** Counts a call this node gave up on: it timed out (true) or was cancelled (false). */
    void callAbandoned(boolean timedOut);

    /** Counts a peer's call refused at once because the link's calls were at their limit. */
    void peerCallRefused();

    /** Called once, when the link has closed. */
    void linkClosed(Link link, String reason);
}
