package io.cpcluster;

/**
 * Where a node runs the handlers of the calls its peers make. Never on the thread that reads the
 * link: that thread only reads, so a slow or blocked handler never holds up the link's other
 * frames (answers, keep-alives) and never makes a healthy peer look dead.
 */
public enum HandlerThreads {
    /**
     * Each call runs on a new virtual thread of its own: handlers may block (I/O, locks, long
     * computations, calls to other nodes, even back over the same link), and many run at once,
     * up to {@link NodeConfig#maxCallsInFlight()} per link. The default.
     */
    VIRTUAL,
    /**
     * The calls of one link run one at a time, in the order they arrived, on the link's own
     * serial lane (the one that also delivers its messages and runs dependent actions of its
     * futures). For handlers that must not run concurrently per link. Two nodes whose serial
     * handlers call each other over one link wait for each other until one call times out: each
     * lane waits for the other's.
     */
    SERIAL
}
