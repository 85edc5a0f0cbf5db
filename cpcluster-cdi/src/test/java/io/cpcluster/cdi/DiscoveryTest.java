package io.cpcluster.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterMaster;
import io.cpcluster.MasterConfig;
import io.cpcluster.core.TestPorts;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An application as users write it: no start-up code, beans found by discovery, the extension
 * found by ServiceLoader, configuration from system properties.
 */
class DiscoveryTest {
    private final ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0)
            .portRange(TestPorts.range(4)).build());
    private final Map<String, String> properties = Map.of(
            "cpcluster.masters", "127.0.0.1:" + master.address().getPort(),
            "cpcluster.token", master.joinInfo().token(),
            "cpcluster.master-key", master.joinInfo().fingerprint().orElseThrow(),
            "cpcluster.node.name", "discovered");

    @AfterEach
    void close() {
        properties.keySet().forEach(System::clearProperty);
        master.close();
    }

    @Test
    void aDiscoveredApplicationJoinsWithSystemPropertiesAndServesItsHandlers() {
        properties.forEach(System::setProperty);
        try (WeldContainer container = new Weld("discovered").initialize()) {
            Caller caller = container.select(Caller.class).get();
            assertEquals("discovered", caller.node().self().name());
            assertTrue(caller.node().self().tasks().containsAll(Set.of("greet", "greet-many", "square-later")),
                    caller.node().self().tasks().toString());
            assertEquals(List.of("discovered"), master.nodes().stream().map(n -> n.name()).toList());
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> master.nodes().isEmpty());
    }
}
