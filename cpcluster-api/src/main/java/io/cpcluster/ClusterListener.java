package io.cpcluster;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives {@link ClusterEvent}s. Override the {@code on…} methods you need; all do nothing by
 * default. Or override {@link #onEvent(ClusterEvent)} to see every event, or wrap a lambda with
 * {@link #of(Consumer)}.
 *
 * <p>Each listener has a queue and a thread of its own: events reach it one at a time, in the
 * order they happened, and a slow listener delays no one but itself. It may block (for example
 * to {@link ClusterNode#connect(NodeId) connect} to a node that joined), but while it does, its
 * events wait in its queue; when {@value #QUEUE_CAPACITY} are waiting, further ones are dropped
 * for it (never held by the master or node that publishes them), counted in
 * {@link MasterStats#eventsDropped()} and {@link NodeStats#eventsDropped()}, and logged. An
 * exception a listener throws is logged and does not reach other listeners.
 */
public interface ClusterListener {
    /** How many events may wait for one listener before further ones are dropped for it. */
    int QUEUE_CAPACITY = 4096;

    /**
     * Returns a listener that hands every event to a consumer.
     *
     * @param consumer receives each event
     * @return the listener
     */
    static ClusterListener of(Consumer<? super ClusterEvent> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return new ClusterListener() {
            @Override
            public void onEvent(ClusterEvent event) {
                consumer.accept(event);
            }
        };
    }

    /**
     * Receives every event. By default passes it to the {@code on…} method for its type.
     *
     * @param event the event
     */
    default void onEvent(ClusterEvent event) {
        switch (event) {
            case NodeJoined e -> onNodeJoined(e);
            case NodeLeft e -> onNodeLeft(e);
            case LinkOpened e -> onLinkOpened(e);
            case LinkClosed e -> onLinkClosed(e);
            case MasterLost e -> onMasterLost(e);
            case MasterReconnected e -> onMasterReconnected(e);
        }
    }

    /**
     * A node joined.
     *
     * @param event the event
     */
    default void onNodeJoined(NodeJoined event) {
    }

    /**
     * A node left.
     *
     * @param event the event
     */
    default void onNodeLeft(NodeLeft event) {
    }

    /**
     * A link opened.
     *
     * @param event the event
     */
    default void onLinkOpened(LinkOpened event) {
    }

    /**
     * A link closed.
     *
     * @param event the event
     */
    default void onLinkClosed(LinkClosed event) {
    }

    /**
     * This node lost the master.
     *
     * @param event the event
     */
    default void onMasterLost(MasterLost event) {
    }

    /**
     * This node reconnected to a master.
     *
     * @param event the event
     */
    default void onMasterReconnected(MasterReconnected event) {
    }
}
