package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeLeft;
import io.cpcluster.core.wire.Control;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node that stops reading what the master writes: the master lets a bounded number of bytes
 * pile up for it, and writes to it for a bounded time, then drops it; the nodes that read stay.
 * The traffic is another node's task lists, each announced to everyone at once (the master
 * gathers no news: {@code membershipInterval} zero).
 */
class SlowNodeTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private TestCluster cluster;

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void aNodeThatReadsNothingIsDroppedAfterTheWriteTimeout() throws Exception {
        String reason = dropDeafNode(b -> b.writeTimeout(Duration.ofSeconds(1)).maxOutboxBytes(256 * 1024 * 1024));
        assertTrue(reason.contains("read nothing the master wrote") && reason.contains("writeTimeout"), reason);
    }

    @Test
    void aNodeThatLetsTooManyBytesPileUpIsDropped() throws Exception {
        String reason = dropDeafNode(b -> b.writeTimeout(Duration.ofMinutes(1))
                .maxOutboxBytes(MasterConfig.MIN_OUTBOX_BYTES));
        assertTrue(reason.contains("unread") && reason.contains("bytes"), reason);
    }

    /** Joins a node that never reads again, floods everyone with task lists, and returns why it was dropped. */
    private String dropDeafNode(UnaryOperator<MasterConfig.Builder> settings) throws IOException {
        cluster = new TestCluster(TestPorts.range(4), b -> settings.apply(b.taskUpdateInterval(Duration.ZERO)
                .membershipInterval(Duration.ZERO)));
        ClusterNode reader = cluster.node("reader");
        String token = cluster.master.joinInfo().token();
        try (RawClient deaf = new RawClient(cluster.master.address());
             RawClient chatty = new RawClient(cluster.master.address())) {
            deaf.join(token, "deaf", List.of(), null, List.of());
            chatty.join(token, "chatty", List.of(), null, List.of());
            for (int update = 0; update < 400 && !dropped("deaf"); update++) {
                List<String> tasks = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    tasks.add("task-" + update + "-" + i + "-" + "x".repeat(230));
                }
                chatty.send(new Control.Tasks(tasks));
                // Paced by the node that reads: it is never more than one update behind, so its
                // small outbox never fills, while the deaf node's does. (Unpaced, a moment's
                // pause of the reader's thread could get it dropped too.)
                String first = tasks.getFirst();
                await("the reader sees update " + update).atMost(WAIT).pollInterval(Duration.ofMillis(1))
                        .until(() -> dropped("deaf") || reader.nodes().stream()
                                .anyMatch(n -> n.name().equals("chatty") && n.tasks().contains(first)));
            }
            await("the node that reads nothing is dropped").atMost(WAIT).until(() -> dropped("deaf"));
            assertTrue(cluster.master.nodes().stream().anyMatch(n -> n.id().equals(reader.self().id())),
                    "the node that reads stays");
            return cluster.masterEvents(NodeLeft.class).stream().filter(left -> left.node().id().value().equals("deaf"))
                    .findFirst().orElseThrow().reason();
        }
    }

    private boolean dropped(String id) {
        return cluster.masterEvents(NodeLeft.class).stream().anyMatch(left -> left.node().id().value().equals(id));
    }
}
