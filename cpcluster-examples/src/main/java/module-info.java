/**
 * Runnable examples of CPCluster: a master, a node, and a demo that spreads real work over
 * direct links. They use the {@code io.cpcluster} API only; the implementation
 * ({@code io.cpcluster.core}) is found at run time.
 */
module io.cpcluster.examples {
    requires io.cpcluster;
    requires java.logging;

    // JSON-B binds the demo's task inputs and results, records in this package; on the module
    // path it reaches only public types in exported packages.
    exports io.cpcluster.examples;
}
