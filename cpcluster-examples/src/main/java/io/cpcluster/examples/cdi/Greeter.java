package io.cpcluster.examples.cdi;

import io.cpcluster.ClusterNode;
import io.cpcluster.LinkOpened;
import io.cpcluster.NodeJoined;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** A bean that asks another node to run a task, and watches the cluster through CDI events. */
@ApplicationScoped
public class Greeter {
    @Inject
    ClusterNode node;

    /** Creates the bean; the container calls this. */
    public Greeter() {
    }

    /**
     * Has another node greet someone.
     *
     * @param name who to greet
     * @return the greeting, made on the node that serves "greet"
     */
    public String greetFromAnotherNode(String name) {
        return node.submit("greet", name, String.class).join();
    }

    void joined(@Observes NodeJoined event) {
        System.out.println("greeter: " + event.node().name() + " joined, serving " + event.node().tasks());
    }

    void linked(@Observes LinkOpened event) {
        System.out.println("greeter: direct link " + event.link().id() + " open on port " + event.link().port());
    }
}
