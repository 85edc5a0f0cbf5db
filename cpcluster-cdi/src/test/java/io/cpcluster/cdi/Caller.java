package io.cpcluster.cdi;

import io.cpcluster.ClusterNode;
import io.cpcluster.LinkOpened;
import io.cpcluster.NodeJoined;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A bean that uses the injected node, and observes cluster events. */
@ApplicationScoped
class Caller {
    @Inject
    private ClusterNode node;

    private final List<NodeJoined> joined = new CopyOnWriteArrayList<>();
    private final List<NodeJoined> joinedAsync = new CopyOnWriteArrayList<>();
    private final List<LinkOpened> linksOpened = new CopyOnWriteArrayList<>();

    /** The injected node (read it through this method: the test holds a client proxy). */
    ClusterNode node() {
        return node;
    }

    List<NodeJoined> joined() {
        return joined;
    }

    List<NodeJoined> joinedAsync() {
        return joinedAsync;
    }

    List<LinkOpened> linksOpened() {
        return linksOpened;
    }

    String greetAnywhere(String name) {
        return node.submit("greet", name, String.class).join();
    }

    void onJoined(@Observes NodeJoined event) {
        joined.add(event);
    }

    void onJoinedAsync(@ObservesAsync NodeJoined event) {
        joinedAsync.add(event);
    }

    void onLinkOpened(@Observes LinkOpened event) {
        linksOpened.add(event);
    }
}
