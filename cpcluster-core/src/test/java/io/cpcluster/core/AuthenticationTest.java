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
import java.util.concurrent.atomic.AtomicReference;
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
            String key = cluster.master.joinInfo().fingerprint().orElseThrow();
            NodeConfig intruder = NodeConfig.builder().name("intruder").master("127.0.0.1", proxy.port()).token(wrong)
                    .masterKey(key).build();
            AuthenticationException refused = assertThrows(AuthenticationException.class,
                    () -> ClusterNode.start(intruder));
            assertTrue(refused.getMessage().contains("refused this node's token proof"), refused.getMessage());
            assertTrue(refused.getMessage().contains("join.json"), refused.getMessage());
            assertEquals(0, cluster.master.nodes().size());
            assertEquals(1, cluster.master.stats().authFailures());
            assertEquals(0, cluster.master.stats().nodesAuthenticated());

            // The right token works through the same proxy, once the pause after the wrong proof
            // from this address is over, and does not cross the proxy either.
            try (ClusterNode member = startAfterThePause(NodeConfig.builder().name("member")
                    .master("127.0.0.1", proxy.port()).token(token).masterKey(key).build())) {
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
        AuthenticationException first = assertThrows(AuthenticationException.class, () -> ClusterNode.start(intruder));
        assertTrue(first.getMessage().contains("refused this node's token proof"), first.getMessage());
        // Tried again at once, from the same address: refused unchecked, and said why.
        AuthenticationException again = assertThrows(AuthenticationException.class, () -> ClusterNode.start(intruder));
        assertTrue(again.getMessage().contains("too many wrong token proofs from 127.0.0.1"), again.getMessage());
        assertEquals(1, cluster.master.stats().authFailures(), "only the first proof was checked");
        assertEquals(1, cluster.master.stats().authThrottled());

        ClusterNode member = startAfterThePause(cluster.master.joinInfo(), "member");
        assertEquals(java.util.List.of(member.self().id()),
                cluster.master.nodes().stream().map(NodeInfo::id).toList());
    }

    private ClusterNode startAfterThePause(io.cpcluster.JoinInfo join, String name) {
        ClusterNode node = startAfterThePause(NodeConfig.builder().name(name).join(join).build());
        cluster.closeLater(node);
        return node;
    }

    /**
     * Starts a node from an address that just sent a wrong proof: refused unchecked until the
     * pause is over (the master's default, 100 ms), then let in.
     */
    private static ClusterNode startAfterThePause(NodeConfig config) {
        AtomicReference<ClusterNode> started = new AtomicReference<>();
        await("the node joins once the pause is over").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    try {
                        started.set(ClusterNode.start(config));
                        return true;
                    } catch (AuthenticationException e) {
                        assertTrue(e.getMessage().contains("too many wrong token proofs"), e.getMessage());
                        return false;
                    }
                });
        return started.get();
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
