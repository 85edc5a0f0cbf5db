package io.cpcluster.cdi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterMaster;
import io.cpcluster.MasterConfig;
import io.cpcluster.core.TestPorts;
import io.cpcluster.core.TestTokens;
import jakarta.enterprise.inject.spi.DeploymentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.weld.environment.se.Weld;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What stops a container from starting, and what it says. */
class DeploymentProblemsTest {
    private static final AtomicInteger CONTAINERS = new AtomicInteger();
    private final ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0)
            .portRange(TestPorts.range(4)).build());

    @AfterEach
    void close() {
        master.close();
    }

    private Map<String, String> joining() {
        return Map.of("cpcluster.masters", "127.0.0.1:" + master.address().getPort(),
                "cpcluster.token", master.joinInfo().token(),
                "cpcluster.master-key", master.joinInfo().fingerprint().orElseThrow());
    }

    /** Starts a container that must fail, and returns everything it said. */
    private String refusal(Map<String, String> config, Class<?>... beans) {
        Weld weld = new Weld("refused-" + CONTAINERS.incrementAndGet()).disableDiscovery()
                .addExtension(new ClusterExtension(config, Map.of())).addBeanClasses(beans);
        DeploymentException refused = assertThrows(DeploymentException.class, weld::initialize);
        List<String> said = new ArrayList<>();
        collect(refused, said);
        return String.join("\n", said);
    }

    private static void collect(Throwable error, List<String> said) {
        if (error == null) {
            return;
        }
        said.add(String.valueOf(error.getMessage()));
        for (Throwable suppressed : error.getSuppressed()) {
            collect(suppressed, said);
        }
        if (error.getCause() != error) {
            collect(error.getCause(), said);
        }
    }

    private static void assertSays(String said, String... parts) {
        for (String part : parts) {
            assertTrue(said.contains(part), "expected '" + part + "' in:\n" + said);
        }
    }

    @Test
    void aHandlerWithTwoParametersOrNoneStopsTheContainer() {
        assertSays(refusal(joining(), BadHandlers.TwoInputs.class),
                "@TaskHandler(\"add\") on io.cpcluster.cdi.BadHandlers$TwoInputs.add(int, int)",
                "takes exactly one parameter, its input, but this method takes 2", "Fix:");
        assertSays(refusal(joining(), BadHandlers.NoInput.class),
                "BadHandlers$NoInput.now()", "this method takes 0", "Fix:");
    }

    @Test
    void aPrivateOrGenericOrBadlyNamedHandlerStopsTheContainer() {
        assertSays(refusal(joining(), BadHandlers.Hidden.class),
                "BadHandlers$Hidden.secret(String)", "must not be private", "Fix: make the method package-private");
        assertSays(refusal(joining(), BadHandlers.GenericInput.class),
                "BadHandlers$GenericInput.sum(List)", "java.util.List<java.lang.Integer> is generic", "Fix:");
        assertSays(refusal(joining(), BadHandlers.BadName.class),
                "@TaskHandler(\"\")", "a task name is 1 to 255 bytes", "Fix:");
    }

    @Test
    void twoHandlersForOneTaskStopTheContainerNamingBoth() {
        assertSays(refusal(joining(), BadHandlers.FirstGreeter.class, BadHandlers.SecondGreeter.class),
                "task 'greet' is already served by", "BadHandlers$FirstGreeter.greet(String)",
                "BadHandlers$SecondGreeter.greet(String)", "Fix: rename one of the tasks");
    }

    @Test
    void aNodeWithNoTokenStopsTheContainer() {
        assertSays(refusal(Map.of("cpcluster.join", "/nonexistent/join.json"), Greetings.class),
                "the cluster node has no token to join with", "cpcluster.token", "CPCLUSTER_TOKEN",
                "cpcluster.master.enabled=true");
    }

    @Test
    void unknownKeysAndBadValuesStopTheContainer() {
        Map<String, String> config = new java.util.HashMap<>(joining());
        config.put("cpcluster.node.nmae", "typo");
        config.put("cpcluster.node.link-timeout", "soon");
        assertSays(refusal(config, Greetings.class),
                "unknown configuration key cpcluster.node.nmae (the ClusterExtension's map); the keys are:",
                "cpcluster.node.link-timeout = 'soon' (the ClusterExtension's map) must be a duration");
    }

    @Test
    void aNodeTheMasterRefusesStopsTheContainerWithoutShowingTheToken() {
        String said = refusal(Map.of("cpcluster.masters", "127.0.0.1:" + master.address().getPort(),
                "cpcluster.token", TestTokens.STRONG, "cpcluster.master-key",
                master.joinInfo().fingerprint().orElseThrow()), Greetings.class);
        assertSays(said, "the cluster node could not start", "refused this node");
        assertTrue(!said.contains(TestTokens.STRONG), said);
    }
}
