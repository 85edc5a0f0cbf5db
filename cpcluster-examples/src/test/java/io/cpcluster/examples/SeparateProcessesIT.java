package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.JvmProcess;
import io.cpcluster.core.TestPorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master process and two node processes, started as README.md says (java -jar on the packaged
 * examples, in one directory, sharing the join.json the master writes), do real work over a
 * direct link.
 */
class SeparateProcessesIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path JAR = Path.of(System.getProperty("basedir", "."), "target", "cpcluster-examples.jar")
            .toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void aMasterAndTwoNodeProcessesCallOverADirectLinkWithJoinJson() throws Exception {
        String range = TestPorts.range(4).toString();
        try (JvmProcess master = JvmProcess.java(dir, Map.of(), List.of("-jar", JAR.toString(), "master",
                "--port", "0", "--range", range))) {
            String listening = master.awaitLine("CPCluster master listening on ", WAIT);
            Path join = dir.resolve("join.json");
            assertTrue(Files.exists(join), master.output());
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(join));
            // "127.0.0.1:PORT (TLS 1.3, key sha256:...)"
            String port = listening.substring(listening.indexOf(':') + 1, listening.indexOf(' '));
            String key = listening.substring(listening.indexOf("key ") + 4, listening.indexOf(')'));
            assertTrue(Files.readString(join).contains("\"port\":\"" + port + "\""), Files.readString(join));
            assertTrue(Files.readString(join).contains("\"fingerprint\":\"" + key + "\""), Files.readString(join));
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(dir.resolve("join.key.pem")), "the master's key is owner-only");

            try (JvmProcess worker = JvmProcess.java(dir, Map.of(), List.of("-jar", JAR.toString(), "node",
                    "--name", "worker"))) {
                worker.awaitLine("serving primes.count", WAIT);
                try (JvmProcess client = JvmProcess.java(dir, Map.of(), List.of("-jar", JAR.toString(), "node",
                        "--name", "client", "--count-primes", "2000000", "--chunk", "250000"))) {
                    assertEquals(0, client.awaitExit(WAIT), client.output());
                    String answer = client.awaitLine("primes below 2,000,000: ", WAIT);
                    assertTrue(answer.startsWith("148,933 (checked locally: right)"), client.output());
                    String share = client.awaitLine("  worker ", WAIT);
                    assertTrue(share.contains("8 chunks") && share.contains("direct link"), client.output());
                }
                worker.awaitLine("link closed: ", WAIT);
                assertEquals(143, worker.stop(WAIT), worker.output()); // 128 + SIGTERM, after the shutdown hook ran
            }
            master.awaitLine("link:   ", WAIT);
            assertTrue(master.output().contains(" client -> worker on 127.0.0.1:"), master.output());
            master.awaitLine("left:   worker", WAIT);
            assertEquals(143, master.stop(WAIT), master.output());
        }
    }

    @Test
    void aNodeWithoutJoinJsonSaysWhereToFindOne() throws Exception {
        try (JvmProcess lost = JvmProcess.java(dir, Map.of(), List.of("-jar", JAR.toString(), "node"))) {
            assertEquals(1, lost.awaitExit(WAIT));
            assertTrue(lost.output().contains("this node has no token to join with"), lost.output());
            assertTrue(lost.output().contains("CPCLUSTER_JOIN"), lost.output());
        }
    }
}
