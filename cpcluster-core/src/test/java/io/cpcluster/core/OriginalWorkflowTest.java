package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkOpened;
import io.cpcluster.NodeInfo;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the Rust prototype promised and never did: nodes join, link directly, and call each other. */
class OriginalWorkflowTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void threeNodesJoinListEachOtherLinkAndCallATask() {
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b", builder -> builder.handle("greet", String.class, name -> "hello " + name));
        ClusterNode c = cluster.node("c");

        Set<String> all = Set.of("a", "b", "c");
        for (ClusterNode node : new ClusterNode[] {a, b, c}) {
            await().atMost(Duration.ofSeconds(10)).until(() -> names(node).equals(all));
        }
        assertEquals(all, cluster.master.nodes().stream().map(NodeInfo::name).collect(Collectors.toSet()));
        assertEquals(Set.of("greet"), a.nodes().stream().filter(n -> n.name().equals("b")).findFirst().orElseThrow()
                .tasks());

        try (DirectLink link = a.connect(b.self().id())) {
            assertEquals(b.self().id(), link.peer().id());
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.events(a, LinkOpened.class).size() == 1
                    && cluster.events(b, LinkOpened.class).size() == 1);
            assertEquals(link.id(), cluster.events(b, LinkOpened.class).getFirst().link().id());
            assertEquals(link.id(), cluster.events(a, LinkOpened.class).getFirst().link().id());

            assertEquals("hello a", link.call("greet", "a", String.class).join());

            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.master.links().size() == 1);
            assertEquals(link.id(), cluster.master.links().getFirst().id());
            assertEquals(Set.of(link.port()), cluster.master.stats().portsInUse().get("127.0.0.1"));
            assertTrue(b.links().stream().anyMatch(l -> l.id().equals(link.id())));
        }
    }

    private static Set<String> names(ClusterNode node) {
        return node.nodes().stream().map(NodeInfo::name).collect(Collectors.toSet());
    }
}
