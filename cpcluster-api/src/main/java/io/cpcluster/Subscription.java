package io.cpcluster;

/**
 * A listener's registration. Close it to stop receiving events; closing twice does nothing.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    /** Stops delivering events to the listener. Events already being delivered still arrive. */
    @Override
    void close();
}
