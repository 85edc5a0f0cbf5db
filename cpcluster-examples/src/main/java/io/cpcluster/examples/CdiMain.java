package io.cpcluster.examples;

import io.cpcluster.ClusterMaster;
import io.cpcluster.JoinInfo;
import io.cpcluster.PortRange;
import io.cpcluster.cdi.ClusterExtension;
import io.cpcluster.examples.cdi.Greeter;
import io.cpcluster.examples.cdi.GreetingService;
import jakarta.enterprise.inject.se.SeContainer;
import jakarta.enterprise.inject.se.SeContainerInitializer;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;

/**
 * The CDI example: two CDI SE applications (Weld) in this JVM, with no cluster start-up code of
 * their own. The first runs the master and serves "greet" from {@link GreetingService}; the
 * second injects its node into {@link Greeter}, which asks the first to greet someone over a
 * direct link. Options, as {@code --help} prints them:
 *
 * <pre>{@value #USAGE}</pre>
 */
public final class CdiMain {
    /** What {@code --help} prints. */
    public static final String USAGE = """
            usage: cdi [--name NAME] [--range 55001-55999]

            Starts two Weld SE containers in this JVM. The first runs a master and a node whose bean
            serves the task "greet"; the second's bean, with an injected ClusterNode, has the first
            greet NAME over a direct link, and prints the answer.

              --name   who to greet; default CDI
              --range  the ports the master gives links; default 55001-55999
            """;

    private CdiMain() {
    }

    /**
     * Runs the example.
     *
     * @param args the options above
     */
    public static void main(String[] args) {
        Launcher.logging(Level.WARNING);
        java.util.logging.Logger.getLogger("org.jboss.weld").setLevel(Level.WARNING);
        Launcher.run(USAGE, args, () -> System.out.println(run(args)));
    }

    /** Runs the example and returns the greeting. */
    static String run(String[] args) {
        Options options = Options.parse(Arrays.asList(args), Set.of("name", "range"), Set.of());
        String name = options.get("name", "CDI");
        // Each container gets its configuration in a map, because two share this JVM; an application
        // of its own would set the same keys as system properties, environment variables, or in
        // META-INF/cpcluster.properties.
        try (SeContainer server = SeContainerInitializer.newInstance()
                .disableDiscovery()
                .addExtensions(new ClusterExtension(Map.of(
                        "cpcluster.master.enabled", "true",
                        "cpcluster.master.port", "0",
                        "cpcluster.master.port-range", options.get("range", PortRange.DEFAULT.toString()),
                        "cpcluster.node.name", "cdi-server")))
                .addBeanClasses(GreetingService.class)
                .initialize()) {
            JoinInfo join = server.select(ClusterMaster.class).get().joinInfo();
            try (SeContainer client = SeContainerInitializer.newInstance()
                    .disableDiscovery()
                    .addExtensions(new ClusterExtension(Map.of(
                            "cpcluster.masters", join.ip() + ":" + join.port(),
                            "cpcluster.token", join.token(),
                            "cpcluster.master-key", join.fingerprint().orElseThrow(),
                            "cpcluster.node.name", "cdi-client")))
                    .addBeanClasses(Greeter.class)
                    .initialize()) {
                return client.select(Greeter.class).get().greetFromAnotherNode(name);
            }
        }
    }
}
