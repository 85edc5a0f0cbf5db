package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.AuthenticationException;
import io.cpcluster.ClusterNode;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import io.cpcluster.core.wire.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuthenticationTest {
    private final LogCapture logs = new LogCapture();
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
        logs.close();
    }

    @Test
    void aWrongTokenIsRefusedRegistersNothingAndNoTokenCrossesTheWireOrReachesALog() throws Exception {
        String token = cluster.master.joinInfo().token();
        String wrong = Secrets.newSecret();
        try (TestProxy proxy = new TestProxy(cluster.master.address())) {
            NodeConfig intruder = NodeConfig.builder().name("intruder").master("127.0.0.1", proxy.port()).token(wrong)
                    .build();
            AuthenticationException refused = assertThrows(AuthenticationException.class,
                    () -> ClusterNode.start(intruder));
            assertTrue(refused.getMessage().contains("refused this node's token proof"), refused.getMessage());
            assertTrue(refused.getMessage().contains("join.json"), refused.getMessage());
            assertEquals(0, cluster.master.nodes().size());
            assertEquals(1, cluster.master.stats().authFailures());
            assertEquals(0, cluster.master.stats().nodesAuthenticated());

            // The right token works through the same proxy, and does not cross it either.
            try (ClusterNode member = ClusterNode.start(NodeConfig.builder().name("member")
                    .master("127.0.0.1", proxy.port()).token(token).build())) {
                assertEquals("member", cluster.master.nodes().getFirst().name());
                assertFalse(member.toString().contains(token));
            }

            byte[] wire = proxy.recorded();
            assertTrue(wire.length > 0);
            for (String secret : new String[] {token, wrong}) {
                assertFalse(contains(wire, secret.getBytes(StandardCharsets.UTF_8)), "a token crossed the wire");
                assertFalse(contains(wire, HexFormat.of().parseHex(secret)), "a token's bytes crossed the wire");
                assertFalse(intruder.toString().contains(secret));
                assertFalse(cluster.master.joinInfo().toString().contains(secret));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.master.nodes().isEmpty());
        assertTrue(logs.lines().stream().anyMatch(line -> line.contains("intruder") && line.contains("wrong")),
                "the refusal is logged");
        for (String line : logs.lines()) {
            assertFalse(line.contains(token), "the token reached a log line: " + line);
            assertFalse(line.contains(wrong), "the wrong token reached a log line: " + line);
        }
    }

    @Test
    void repeatedFailuresAreAllRefusedAndTheRightTokenStillWorks() {
        NodeConfig intruder = NodeConfig.builder().name("intruder").join(cluster.master.joinInfo())
                .token(Secrets.newSecret()).build();
        for (int attempt = 0; attempt < 3; attempt++) {
            assertThrows(AuthenticationException.class, () -> ClusterNode.start(intruder));
        }
        assertEquals(3, cluster.master.stats().authFailures());
        ClusterNode member = cluster.node("member");
        assertEquals(java.util.List.of(member.self().id()),
                cluster.master.nodes().stream().map(NodeInfo::id).toList());
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
