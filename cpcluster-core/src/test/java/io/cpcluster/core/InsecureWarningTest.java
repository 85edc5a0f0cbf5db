package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.PortRange;
import io.cpcluster.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: plain TCP, chosen by name, logs its warning once per process for masters and once
 * for nodes, however many of each start. The warning is remembered for the whole process, so the
 * test runs the masters and nodes in a JVM of their own, where no other test has warned first.
 */
class InsecureWarningTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String WARNING = "security PLAIN was chosen for a ";

    @Test
    void twoPlainMastersAndThreePlainNodesInOneProcessLogOneWarningForMastersAndOneForNodes() throws Exception {
        PortRange ports = TestPorts.range(2);
        try (JvmProcess process = JvmProcess.main(PlainCluster.class, Map.of(), ports.toString())) {
            process.awaitLine("DONE", WAIT);
            assertEquals(0, process.awaitExit(WAIT), process.output());
            List<String> warnings = process.lines().stream().filter(line -> line.startsWith("LOGGED "))
                    .map(line -> line.substring("LOGGED ".length())).toList();
            assertEquals(2, warnings.size(), process.output());
            assertEquals(1, warnings.stream().filter(line -> line.contains("WARNING: " + WARNING + "master: node"
                    + " connections and links are plain TCP")).count(), process.output());
            assertEquals(1, warnings.stream().filter(line -> line.contains("WARNING: " + WARNING + "node: its master"
                    + " connection and links are plain TCP")).count(), process.output());
            assertEquals(2, warnings.stream().filter(line -> line.contains("Use it only on a network nobody else can"
                    + " reach; TLS is the default")).count(), process.output());
        }
    }

    /**
     * Starts a TLS master and node, then two plain masters and three plain nodes that join them,
     * all in this process; prints {@code LOGGED} and each plain-TCP warning it logged (on one line),
     * then {@code DONE}. Argument: two free ports for the masters' link ranges.
     */
    static final class PlainCluster {
        private PlainCluster() {
        }

        public static void main(String[] args) {
            PortRange ports = PortRange.parse(args[0]);
            List<AutoCloseable> started = new ArrayList<>();
            try (LogCapture logs = new LogCapture()) {
                // TLS first: it must not warn, nor use up the warning.
                ClusterMaster tls = ClusterMaster.start(MasterConfig.builder().port(0)
                        .portRange(new PortRange(ports.first(), ports.first())).build());
                started.add(tls);
                started.add(ClusterNode.start(NodeConfig.builder().name("tls-node").join(tls.joinInfo()).build()));
                for (int m = 0; m < 2; m++) {
                    int port = ports.first() + m;
                    ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0)
                            .portRange(new PortRange(port, port)).security(Security.PLAIN).build());
                    started.add(master);
                    for (int n = 0; n < (m == 0 ? 2 : 1); n++) {
                        started.add(ClusterNode.start(NodeConfig.builder().name("plain-" + m + "-" + n)
                                .join(master.joinInfo()).security(Security.PLAIN).build()));
                    }
                }
                for (String line : logs.lines()) {
                    if (line.contains(WARNING)) {
                        System.out.println("LOGGED " + line.replace(System.lineSeparator(), " ").strip());
                    }
                }
            } finally {
                for (AutoCloseable each : started.reversed()) {
                    try {
                        each.close();
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                }
            }
            System.out.println("DONE");
        }
    }
}
