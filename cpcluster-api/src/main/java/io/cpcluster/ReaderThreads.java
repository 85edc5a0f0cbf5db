package io.cpcluster;

/**
 * The kind of thread that reads a direct link: the one thread per link that waits for the next
 * frame. (Where handlers run is {@link HandlerThreads}.)
 */
public enum ReaderThreads {
    /**
     * A virtual thread: cheap, so right for a node with thousands of links, but each frame wakes
     * it through the JDK's poller, which adds to every round trip (README.md's benchmarks).
     */
    VIRTUAL,
    /**
     * A platform daemon thread, from a pool the node keeps: the kernel wakes it directly when a
     * frame arrives, so round trips are shorter, at the cost of one OS thread per open link. The
     * default.
     */
    PLATFORM
}
