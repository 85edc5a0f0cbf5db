package io.cpcluster.core.master;

import io.cpcluster.ClusterEvent;
import io.cpcluster.core.wire.Control;
import java.util.ArrayList;
import java.util.List;

/**
 * What one change to the {@link Book} asks the master to do once it has let go of its lock: the
 * messages to send, in order (a message sent to many is one object, encoded once), the ports to
 * give back, the connections to close, and the events to publish.
 */
final class Outcome {
    /** One message for one node. */
    record Send(Session to, Control message) {
    }

    /** A port to give back to the allocator. */
    record Release(String host, int port) {
    }

    /** A connection to close, and why. */
    record Close(Session session, String reason) {
    }

    final List<Send> sends = new ArrayList<>();
    final List<Release> releases = new ArrayList<>();
    final List<Close> closes = new ArrayList<>();
    final List<ClusterEvent> events = new ArrayList<>();

    Outcome send(Session to, Control message) {
        sends.add(new Send(to, message));
        return this;
    }

    Outcome release(String host, int port) {
        releases.add(new Release(host, port));
        return this;
    }

    Outcome close(Session session, String reason) {
        closes.add(new Close(session, reason));
        return this;
    }

    Outcome publish(ClusterEvent event) {
        events.add(event);
        return this;
    }
}
