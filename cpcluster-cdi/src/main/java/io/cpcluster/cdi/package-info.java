/**
 * CPCluster in a CDI application, with no start-up code.
 *
 * <p>Add {@code io.cpcluster:cpcluster-cdi} next to a CDI container (Weld, OpenWebBeans, an
 * application server). When the container starts, the {@link io.cpcluster.cdi.ClusterExtension}
 * starts a node, and when configured a master; it stops them when the container shuts down.
 * {@snippet :
 * @ApplicationScoped
 * public class Greetings {
 *     @TaskHandler("greet")
 *     String greet(String name) {               // the parameter is the input,
 *         return "hello " + name;                // the return value the result
 *     }
 * }
 *
 * @ApplicationScoped
 * public class Greeter {
 *     @Inject
 *     ClusterNode node;                          // joined before the container finished starting
 *
 *     String greetElsewhere(String name) {
 *         return node.submit("greet", name, String.class).join();
 *     }
 *
 *     void joined(@Observes NodeJoined event) {  // cluster events are CDI events
 *         System.Logger log = System.getLogger("app");
 *         log.log(System.Logger.Level.INFO, "{0} joined", event.node().name());
 *     }
 * }
 * }
 *
 * <p>Configuration keys, looked up in this order: the map given to
 * {@link io.cpcluster.cdi.ClusterExtension#ClusterExtension(java.util.Map)}, system properties,
 * environment variables (the key in upper case with {@code .} and {@code -} as {@code _}, so
 * {@code cpcluster.node.name} is {@code CPCLUSTER_NODE_NAME}), then
 * {@code META-INF/cpcluster.properties} files on the class path. README.md lists every key with
 * its default.
 */
package io.cpcluster.cdi;
