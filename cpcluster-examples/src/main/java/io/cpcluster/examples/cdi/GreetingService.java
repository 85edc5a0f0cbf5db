package io.cpcluster.examples.cdi;

import io.cpcluster.ClusterNode;
import io.cpcluster.cdi.TaskHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** A bean that serves a task: any node in the cluster can call "greet" on this one. */
@ApplicationScoped
public class GreetingService {
    @Inject
    ClusterNode node;

    /** Creates the bean; the container calls this. */
    public GreetingService() {
    }

    /**
     * Serves the task "greet".
     *
     * @param name who to greet: the task's input
     * @return the greeting: the task's result
     */
    @TaskHandler("greet")
    public String greet(String name) {
        return "hello " + name + ", from " + node.self().name();
    }
}
