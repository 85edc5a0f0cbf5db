package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosed;
import io.cpcluster.LinkId;
import io.cpcluster.LinkOpened;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Events arrive in the order they happened: a link that closes at once is still reported open
 * before it is reported closed, on the node and on the master.
 */
@Timeout(120)
class EventOrderTest {
    private final TestCluster cluster = new TestCluster(TestPorts.range(40), b -> b);

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void aLinkIsNeverReportedClosedBeforeItIsReportedOpen() {
        ClusterNode acceptor = cluster.node("acceptor");
        ClusterNode initiator = cluster.node("initiator");
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        List<String> wrong = new ArrayList<>();
        int rounds = 0;
        while (System.nanoTime() < until && wrong.isEmpty()) {
            for (int i = 0; i < 50; i++) {
                DirectLink link = initiator.connect(acceptor.self().id());
                link.close();
                rounds++;
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> acceptor.links().isEmpty()
                    && cluster.events(acceptor, LinkClosed.class).size() == cluster.events(acceptor, LinkOpened.class).size());
            wrong.addAll(outOfOrder("acceptor", cluster.events(acceptor)));
            wrong.addAll(outOfOrder("master", cluster.masterEvents));
        }
        assertEquals(List.of(), wrong, "links reported closed before they were reported open, in " + rounds + " rounds");
    }

    private static List<String> outOfOrder(String who, List<ClusterEvent> events) {
        Set<LinkId> opened = new HashSet<>();
        List<String> wrong = new ArrayList<>();
        for (ClusterEvent event : events) {
            if (event instanceof LinkOpened o) {
                opened.add(o.link().id());
            } else if (event instanceof LinkClosed c && !opened.contains(c.link().id())) {
                wrong.add(who + ": LinkClosed before LinkOpened for " + c.link().id());
            }
        }
        return wrong;
    }
}
