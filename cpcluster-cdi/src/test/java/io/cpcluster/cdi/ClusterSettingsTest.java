package io.cpcluster.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.JoinInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.PortRange;
import io.cpcluster.ReaderThreads;
import io.cpcluster.core.TestTokens;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSettingsTest {
    @TempDir
    Path dir;

    private ClassLoader withFile(String content) throws Exception {
        Path meta = Files.createDirectories(dir.resolve("META-INF"));
        Files.writeString(meta.resolve("cpcluster.properties"), content);
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
    }

    @Test
    void theMapBeatsSystemPropertiesWhichBeatTheEnvironmentWhichBeatsTheFile() throws Exception {
        ClassLoader file = withFile("""
                cpcluster.node.name=from-file
                cpcluster.node.link-timeout=7s
                cpcluster.node.connect-timeout=3s
                cpcluster.node.bind-host=10.0.0.4
                """);
        Properties system = new Properties();
        system.setProperty("cpcluster.node.link-timeout", "8s");
        system.setProperty("cpcluster.node.connect-timeout", "4s");
        system.setProperty("unrelated.key", "ignored");
        Map<String, String> environment = Map.of("CPCLUSTER_NODE_CONNECT_TIMEOUT", "5s",
                "CPCLUSTER_NODE_BIND_HOST", "10.0.0.5", "CPCLUSTER_TOKEN", TestTokens.STRONG);
        ClusterSettings settings = ClusterSettings.load(Map.of("cpcluster.node.link-timeout", "9s"), system,
                environment, file);

        NodeConfig node = settings.node(Optional.empty()).build();
        assertEquals(List.of(), settings.problems());
        assertEquals(Duration.ofSeconds(9), node.linkTimeout());
        assertEquals(Duration.ofSeconds(4), node.connectTimeout());
        assertEquals(Optional.of("10.0.0.5"), node.bindHost());
        assertEquals("from-file", node.name());
        assertEquals(Optional.of(TestTokens.STRONG), node.token());
    }

    @Test
    void everyKeyReachesItsSetting() throws Exception {
        Map<String, String> all = Map.ofEntries(
                Map.entry("cpcluster.masters", "m1:1, m2:2"),
                Map.entry("cpcluster.transport", "tcp"),
                Map.entry("cpcluster.security", "PLAIN"),
                Map.entry("cpcluster.master-key", "SHA256:" + "AB".repeat(32)),
                Map.entry("cpcluster.trusted-certificates", "/etc/ca.pem"),
                Map.entry("cpcluster.node.key-file", "/etc/node.key"),
                Map.entry("cpcluster.node.certificate-file", "/etc/node.crt"),
                Map.entry("cpcluster.master.key-file", "/etc/master.pem"),
                Map.entry("cpcluster.master.certificate-file", "/etc/master.pem"),
                Map.entry("cpcluster.node.advertised-host", "n.example"),
                Map.entry("cpcluster.node.link-readers", "virtual"),
                Map.entry("cpcluster.node.handler-threads", "serial"),
                Map.entry("cpcluster.node.max-payload-size", "1048576"),
                Map.entry("cpcluster.node.call-timeout", "90s"),
                Map.entry("cpcluster.node.max-calls-in-flight", "64"),
                Map.entry("cpcluster.node.heartbeat", "200ms/2s"),
                Map.entry("cpcluster.node.link-heartbeat", "300ms / 3s"),
                Map.entry("cpcluster.node.reconnect-delay", "50ms/PT10S"),
                Map.entry("cpcluster.node.close-timeout", "1s"),
                Map.entry("cpcluster.master.heartbeat-timeout", "7s"),
                Map.entry("cpcluster.master.rejoin-grace", "3s"),
                Map.entry("cpcluster.master.enabled", "true"),
                Map.entry("cpcluster.master.host", "0.0.0.0"),
                Map.entry("cpcluster.master.port", "56000"),
                Map.entry("cpcluster.master.port-range", "57001-57010"),
                Map.entry("cpcluster.master.advertised-host", "m.example"),
                Map.entry("cpcluster.master.join-file", "/tmp/j.json"),
                Map.entry("cpcluster.master.auth-timeout", "PT2S"),
                Map.entry("cpcluster.master.ticket-timeout", "500ms"),
                Map.entry("cpcluster.node.write-timeout", "4s"),
                Map.entry("cpcluster.node.max-call-bytes-in-flight", "2097152"),
                Map.entry("cpcluster.node.max-queued-message-bytes", "3145728"),
                Map.entry("cpcluster.node.max-link-handshakes", "16"),
                Map.entry("cpcluster.master.auth-failure-delay", "250ms"),
                Map.entry("cpcluster.master.max-unauthenticated", "100"),
                Map.entry("cpcluster.master.max-unauthenticated-per-address", "10"),
                Map.entry("cpcluster.master.write-timeout", "6s"),
                Map.entry("cpcluster.master.max-outbox-bytes", "1048576"),
                Map.entry("cpcluster.master.max-link-requests-per-node", "8"),
                Map.entry("cpcluster.master.max-links-per-node", "9"),
                Map.entry("cpcluster.master.max-tasks-per-node", "12"),
                Map.entry("cpcluster.master.task-update-interval", "0s"),
                Map.entry("cpcluster.node.membership", "tasks: square, echo"),
                Map.entry("cpcluster.master.membership-interval", "20ms"));
        ClusterSettings settings = ClusterSettings.load(all, new Properties(), Map.of(), withFile(""));
        NodeConfig node = settings.node(Optional.empty()).build();
        MasterConfig master = settings.master().build();
        assertEquals(List.of(), settings.problems());
        assertTrue(settings.masterEnabled());
        assertEquals(List.of("m1:1", "m2:2"), node.masters().stream().map(a -> a.getHostString() + ":" + a.getPort())
                .toList());
        assertEquals(io.cpcluster.Security.PLAIN, node.security());
        assertEquals(io.cpcluster.Security.PLAIN, master.security());
        assertEquals(Optional.of("sha256:" + "ab".repeat(32)), node.masterKey());
        assertEquals(Optional.of(java.nio.file.Path.of("/etc/ca.pem")), node.trustedCertificates());
        assertEquals(Optional.of(java.nio.file.Path.of("/etc/ca.pem")), master.trustedCertificates());
        assertEquals(Optional.of(new io.cpcluster.KeyFiles(java.nio.file.Path.of("/etc/node.key"),
                java.nio.file.Path.of("/etc/node.crt"))), node.keyFiles());
        assertEquals(Optional.of(new io.cpcluster.KeyFiles(java.nio.file.Path.of("/etc/master.pem"),
                java.nio.file.Path.of("/etc/master.pem"))), master.keyFiles());
        assertEquals(ReaderThreads.VIRTUAL, node.linkReaders());
        assertEquals(io.cpcluster.HandlerThreads.SERIAL, node.handlerThreads());
        assertEquals(1048576, node.maxPayloadSize());
        assertEquals(java.time.Duration.ofSeconds(90), node.callTimeout());
        assertEquals(64, node.maxCallsInFlight());
        assertEquals(Duration.ofMillis(200), node.heartbeatInterval());
        assertEquals(Duration.ofSeconds(2), node.heartbeatTimeout());
        assertEquals(Duration.ofMillis(300), node.linkHeartbeatInterval());
        assertEquals(Duration.ofSeconds(3), node.linkHeartbeatTimeout());
        assertEquals(Duration.ofMillis(50), node.reconnectDelay());
        assertEquals(Duration.ofSeconds(10), node.reconnectMaxDelay());
        assertEquals(Duration.ofSeconds(1), node.closeTimeout());
        assertEquals(Duration.ofSeconds(7), master.heartbeatTimeout());
        assertEquals(Duration.ofSeconds(3), master.rejoinGrace());
        assertEquals(Optional.of("n.example"), node.advertisedHost());
        assertEquals("0.0.0.0", master.address().getHostString());
        assertEquals(56000, master.address().getPort());
        assertEquals(new PortRange(57001, 57010), master.portRange());
        assertEquals(Optional.of("m.example"), master.advertisedHost());
        assertEquals(Optional.of(Path.of("/tmp/j.json")), master.joinFile());
        assertEquals(Duration.ofSeconds(2), master.authTimeout());
        assertEquals(Duration.ofMillis(500), master.ticketTimeout());
        assertEquals(Duration.ofSeconds(4), node.writeTimeout());
        assertEquals(2097152, node.maxCallBytesInFlight());
        assertEquals(3145728, node.maxQueuedMessageBytes());
        assertEquals(16, node.maxLinkHandshakes());
        assertEquals(Duration.ofMillis(250), master.authFailureDelay());
        assertEquals(100, master.maxUnauthenticated());
        assertEquals(10, master.maxUnauthenticatedPerAddress());
        assertEquals(Duration.ofSeconds(6), master.writeTimeout());
        assertEquals(1048576, master.maxOutboxBytes());
        assertEquals(8, master.maxLinkRequestsPerNode());
        assertEquals(9, master.maxLinksPerNode());
        assertEquals(12, master.maxTasksPerNode());
        assertEquals(Duration.ZERO, master.taskUpdateInterval());
        assertEquals(io.cpcluster.MembershipView.serving("echo", "square"), node.membership());
        assertEquals(Duration.ofMillis(20), master.membershipInterval());
    }

    @Test
    void aLocalMasterIsJoinedUnlessTheNodeIsToldOtherwise() throws Exception {
        JoinInfo local = new JoinInfo(TestTokens.STRONG, "127.0.0.1", 5555);
        NodeConfig joins = ClusterSettings.load(Map.of(), new Properties(), Map.of(), withFile(""))
                .node(Optional.of(local)).build();
        assertEquals(5555, joins.masters().getFirst().getPort());
        NodeConfig elsewhere = ClusterSettings.load(Map.of("cpcluster.masters", "far:1"), new Properties(), Map.of(),
                withFile("")).node(Optional.of(local)).build();
        assertEquals("far", elsewhere.masters().getFirst().getHostString());
    }

    @Test
    void badValuesAndUnknownKeysAreProblemsThatNameTheKeyAndSourceButNeverTheToken() throws Exception {
        Properties system = new Properties();
        system.setProperty("cpcluster.node.link-readers", "green");
        system.setProperty("cpcluster.node.key-file", "node.key.pem");
        system.setProperty("cpcluster.security", "maybe");
        ClusterSettings settings = ClusterSettings.load(Map.of("cpcluster.token", "tiny-token",
                "cpcluster.node.heartbeat", "5s", "cpcluster.node.link-heartbeat", "5s/1s"), system,
                Map.of(), withFile("cpcluster.master.port=huge\ncpcluster.master.prot=1\n"));
        settings.node(Optional.empty());
        settings.master();
        String problems = String.join("\n", settings.problems());
        assertTrue(problems.contains("cpcluster.node.link-readers = 'green' (system property) must be platform or"
                + " virtual"), problems);
        assertTrue(problems.contains("cpcluster.master.port = 'huge' ("), problems);
        assertTrue(problems.contains("unknown configuration key cpcluster.master.prot ("), problems);
        assertTrue(problems.contains("cpcluster.token = (hidden) (the ClusterExtension's map): the token is too weak"),
                problems);
        assertTrue(problems.contains("cpcluster.node.heartbeat = '5s' (the ClusterExtension's map) must be two durations"
                + " such as 1s/5s"), problems);
        assertTrue(problems.contains("cpcluster.node.link-heartbeat = '5s/1s' (the ClusterExtension's map): "), problems);
        assertTrue(problems.contains("cpcluster.node.key-file = 'node.key.pem' (system property) needs"
                + " cpcluster.node.certificate-file too"), problems);
        assertTrue(problems.contains("cpcluster.security = 'maybe' (system property) must be tls or plain"), problems);
        assertFalse(problems.contains("tiny-token"), problems);
        assertEquals("CPCLUSTER_NODE_LINK_READERS", ClusterSettings.variable("cpcluster.node.link-readers"));
    }

    @Test
    void theReadmeDocumentsEveryKey() throws Exception {
        Path root = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        for (String key : ClusterSettings.KEYS.keySet()) {
            assertTrue(readme.contains("| `" + key + "`"), "README.md's CDI table lacks " + key);
        }
    }
}
