package io.cpcluster;

/**
 * Where a node runs the handlers of the calls its peers make.
 */
public enum HandlerThreads {
    /**
     * Each call runs on a new virtual thread of its own: handlers may block (I/O, locks, long
     * computations, calls to other nodes, even back over the same link), and many run at once.
     * The default.
     */
    VIRTUAL,
    /**
     * Each call runs on the thread that read it, and the link reads nothing else until the handler
     * returns: the answer leaves without a hand-off to another thread, for the shortest round trip
     * (README.md's benchmarks), but calls on one link run one at a time. For handlers that return
     * quickly and never block; a handler that waits for an answer over its own link waits forever.
     * Like gRPC's {@code directExecutor()} or work on a Netty event loop.
     */
    READER
}
