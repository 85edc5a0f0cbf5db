package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.JoinInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.core.defaults.FileTokenStore;
import io.cpcluster.core.defaults.JoinFiles;
import io.cpcluster.core.node.JoinSettings;
import io.cpcluster.core.wire.Secrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinFileTest {
    @TempDir
    Path dir;

    @Test
    void theMasterWritesJoinJsonOwnerOnlyWithThePortAsAString() throws Exception {
        Path file = dir.resolve("join.json");
        try (ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(2))
                .joinFile(file).build())) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(file));
            String json = Files.readString(file);
            assertTrue(json.contains("\"port\":\"" + master.address().getPort() + "\""), json);
            assertTrue(json.contains("\"ip\":\"127.0.0.1\""), json);
            assertEquals(master.joinInfo(), JoinFiles.read(file));
            assertEquals(64, master.joinInfo().token().length());
        }
    }

    @Test
    void nodesReadThePortAsAStringOrANumber() throws Exception {
        try (ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(2))
                .build())) {
            JoinInfo join = master.joinInfo();
            String key = join.fingerprint().orElseThrow();
            Path asString = TestTokens.writePrivate(dir.resolve("string.json"), "{\"token\": \"" + join.token()
                    + "\", \"ip\": \"127.0.0.1\", \"port\": \"" + join.port() + "\", \"fingerprint\": \"" + key
                    + "\"}");
            Path asNumber = TestTokens.writePrivate(dir.resolve("number.json"), "{\"port\": " + join.port()
                    + ", \"ip\": \"127.0.0.1\", \"fingerprint\": \"" + key.toUpperCase(java.util.Locale.ROOT)
                    .replace("SHA256:", "sha256:") + "\", \"token\": \"" + join.token() + "\"}");
            for (Path file : List.of(asString, asNumber)) {
                try (ClusterNode node = ClusterNode.start(NodeConfig.builder().name("n").joinFile(file).build())) {
                    assertEquals(1, master.nodes().size());
                    assertEquals(node.self().id(), master.nodes().getFirst().id());
                }
            }
        }
    }

    @Test
    void aRestartedMasterReusesTheTokenInItsJoinFile() throws Exception {
        Path file = dir.resolve("join.json");
        String first;
        MasterConfig config = MasterConfig.builder().port(0).portRange(TestPorts.range(2)).joinFile(file).build();
        try (ClusterMaster master = ClusterMaster.start(config)) {
            first = master.joinInfo().token();
        }
        try (ClusterMaster master = ClusterMaster.start(config)) {
            assertEquals(first, master.joinInfo().token());
            try (ClusterNode node = ClusterNode.start(NodeConfig.builder().name("n").joinFile(file).build())) {
                assertEquals(List.of(node.self()), master.nodes());
            }
        }
    }

    @Test
    void aConfiguredTokenWinsAndIsWrittenToTheJoinFile() throws Exception {
        Path file = dir.resolve("join.json");
        String token = TestTokens.STRONG;
        try (ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(2))
                .joinFile(file).token(token).build())) {
            assertEquals(token, JoinFiles.read(file).token());
            assertEquals(token, master.joinInfo().token());
        }
    }

    @Test
    void revokingTheFilesTokenRemovesItFromTheFile() throws Exception {
        Path file = dir.resolve("join.json");
        JoinFiles.write(file, new JoinInfo(TestTokens.STRONG, "127.0.0.1", 55000));
        FileTokenStore store = new FileTokenStore(file);
        assertEquals(List.of(TestTokens.STRONG), store.tokens());
        store.revoke(TestTokens.STRONG);
        assertTrue(store.tokens().isEmpty());
        assertTrue(JoinFiles.readToken(file).isEmpty());
        assertTrue(new FileTokenStore(file).tokens().isEmpty(), "a restarted master does not bring it back");
    }

    @Test
    void theEnvironmentAndTheJoinFileFillWhatTheConfigLeavesOut() throws Exception {
        String inFile = Secrets.newSecret();
        String inEnvironment = Secrets.newSecret();
        String inConfig = Secrets.newSecret();
        Path file = dir.resolve("elsewhere.json");
        String key = "sha256:" + "ab".repeat(32);
        JoinFiles.write(file, new JoinInfo(inFile, "10.1.2.3", 56000, java.util.Optional.of(key)));
        NodeConfig bare = NodeConfig.builder().name("n").build();

        JoinSettings fromFile = JoinSettings.resolve(bare, Map.of("CPCLUSTER_JOIN", file.toString()));
        assertEquals(inFile, fromFile.token());
        assertEquals("10.1.2.3", fromFile.masters().getFirst().getHostString());
        assertEquals(56000, fromFile.masters().getFirst().getPort());
        assertEquals(java.util.Optional.of(key), fromFile.masterKey(), "the master's key is pinned from the file");

        JoinSettings tokenFromEnvironment = JoinSettings.resolve(bare,
                Map.of("CPCLUSTER_JOIN", file.toString(), "CPCLUSTER_TOKEN", inEnvironment));
        assertEquals(inEnvironment, tokenFromEnvironment.token());
        assertEquals(56000, tokenFromEnvironment.masters().getFirst().getPort());
        assertFalse(tokenFromEnvironment.toString().contains(inEnvironment));

        JoinSettings configured = JoinSettings.resolve(NodeConfig.builder().name("n").token(inConfig)
                .master("127.0.0.1", 1234).joinFile(file).build(), Map.of("CPCLUSTER_TOKEN", inEnvironment));
        assertEquals(inConfig, configured.token());
        assertEquals(1234, configured.masters().getFirst().getPort());

        String otherKey = "sha256:" + "cd".repeat(32);
        JoinSettings keyFromEnvironment = JoinSettings.resolve(bare,
                Map.of("CPCLUSTER_JOIN", file.toString(), "CPCLUSTER_MASTER_KEY", otherKey.toUpperCase()));
        assertEquals(java.util.Optional.of(otherKey), keyFromEnvironment.masterKey(), "the environment goes first");
        JoinSettings plain = JoinSettings.resolve(NodeConfig.builder().name("n").security(io.cpcluster.Security.PLAIN)
                .build(), Map.of("CPCLUSTER_JOIN", file.toString()));
        assertEquals(java.util.Optional.empty(), plain.masterKey(), "a plain node pins nothing");
    }

    @Test
    void missingOrBrokenJoinFilesSayWhatIsWrong() throws Exception {
        NodeConfig bare = NodeConfig.builder().name("n").build();
        Path missing = dir.resolve("missing.json");
        ClusterException noFile = assertThrows(ClusterException.class,
                () -> JoinSettings.resolve(bare, Map.of("CPCLUSTER_JOIN", missing.toString())));
        assertTrue(noFile.getMessage().contains("does not exist"), noFile.getMessage());

        Path broken = TestTokens.writePrivate(dir.resolve("broken.json"), "{\"token\": \"" + TestTokens.STRONG
                + "\", \"ip\": \"127.0.0.1\", \"port\": \"lots\"}");
        ClusterException badPort = assertThrows(ClusterException.class, () -> JoinFiles.read(broken));
        assertTrue(badPort.getMessage().contains("'port' must be a whole number"), badPort.getMessage());
        assertFalse(badPort.getMessage().contains(TestTokens.STRONG));

        Files.writeString(broken, "not json at all");
        assertTrue(assertThrows(ClusterException.class, () -> JoinFiles.read(broken)).getMessage()
                .contains("is not a JSON object"));

        Files.writeString(broken, "{\"ip\": \"127.0.0.1\", \"port\": 1}");
        assertTrue(assertThrows(ClusterException.class, () -> JoinFiles.read(broken)).getMessage()
                .contains("has no 'token'"));

        ClusterException nothing = assertThrows(ClusterException.class,
                () -> JoinSettings.resolve(bare, Map.of("CPCLUSTER_JOIN", "")));
        assertTrue(nothing.getMessage().contains("CPCLUSTER_TOKEN"), nothing.getMessage());
    }
}
