/**
 * Runnable examples of CPCluster: a master, a node, and a demo that spreads real work over
 * direct links. They use the {@code io.cpcluster} API only; the implementation
 * ({@code io.cpcluster.core}) is found at run time.
 */
module io.cpcluster.examples {
    requires io.cpcluster;
    requires java.logging;
    // Only the CDI example needs these; the other examples run on the module path without them.
    requires static io.cpcluster.cdi;
    requires static jakarta.cdi;

    // JSON-B binds the demo's task inputs and results, records in this package; on the module
    // path it reaches only public types in exported packages.
    exports io.cpcluster.examples;
    // The CDI example's beans: the container reaches them by reflection.
    opens io.cpcluster.examples.cdi;
}
