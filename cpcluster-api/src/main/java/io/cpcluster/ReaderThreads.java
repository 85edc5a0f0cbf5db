package io.cpcluster;

/**
 * The kind of thread that reads a direct link. Handlers always run on virtual threads; this
 * only chooses the one thread per link that waits for the next frame.
 */
public enum ReaderThreads {
    /** A virtual thread: cheap, scales to many links. The default. */
    VIRTUAL,
    /**
     * A platform (daemon) thread: wakes up faster when a frame arrives, so round trips are
     * shorter, at the cost of one OS thread per link. See the benchmarks in README.md.
     */
    PLATFORM
}
