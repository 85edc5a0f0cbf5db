package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosedException;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * About a minute of churn with a fixed seed: nodes open and close links, submit tasks and call
 * each other while node processes are killed and started again. At the end no port is held, every
 * task came back once with the right answer, and no thread is left.
 */
class ChurnTest {
    private static final long SEED = 20261127L;
    private static final Duration CHURN = Duration.ofSeconds(45);
    private static final Duration BEAT = Duration.ofMillis(200);

    /** An answer the churn waits for: what was asked, and the future. */
    private record Pending(long input, CompletableFuture<Long> answer, boolean submitted) {
    }

    @Test
    void aMinuteOfChurnLeaksNoPortLosesNoAnswerAndLeavesNoThread() throws Exception {
        Set<String> threadsBefore = TestThreads.cpcluster();
        Random random = new Random(SEED);
        List<Pending> pending = new ArrayList<>();
        int kills = 0;
        int linksOpened = 0;
        try (ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(60))
                .heartbeatTimeout(BEAT.multipliedBy(5)).build())) {
            List<ClusterNode> nodes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                nodes.add(ClusterNode.start(NodeConfig.builder().name("n" + i).join(master.joinInfo())
                        .heartbeat(BEAT, BEAT.multipliedBy(5)).linkHeartbeat(BEAT, BEAT.multipliedBy(5))
                        .closeTimeout(Duration.ofMillis(500))
                        .handle("square", Long.class, x -> x * x).build()));
            }
            JvmProcess[] processes = new JvmProcess[2];
            List<DirectLink> links = new ArrayList<>();
            long deadline = System.nanoTime() + CHURN.toNanos();
            long input = 0;
            while (System.nanoTime() < deadline) {
                ClusterNode from = nodes.get(random.nextInt(nodes.size()));
                switch (random.nextInt(10)) {
                    case 0, 1 -> {
                        List<NodeInfo> others = from.nodes().stream()
                                .filter(n -> !n.id().equals(from.self().id())).toList();
                        if (!others.isEmpty()) {
                            try {
                                links.add(from.connect(others.get(random.nextInt(others.size())).id()));
                                linksOpened++;
                            } catch (ClusterException e) {
                                // the peer may have died since: that is churn
                            }
                        }
                    }
                    case 2 -> {
                        if (!links.isEmpty()) {
                            links.remove(random.nextInt(links.size())).close();
                        }
                    }
                    case 3, 4, 5 -> {
                        for (int i = 0; i < 20; i++) {
                            long x = input++;
                            pending.add(new Pending(x, from.submit("square", x, Long.class), true));
                        }
                    }
                    case 6, 7 -> {
                        if (!links.isEmpty()) {
                            long x = input++;
                            DirectLink link = links.get(random.nextInt(links.size()));
                            pending.add(new Pending(x, link.call("square", x, Long.class), false));
                        }
                    }
                    case 8 -> {
                        int which = random.nextInt(processes.length);
                        if (processes[which] != null) {
                            processes[which].kill();
                            processes[which].close();
                            processes[which] = null;
                            kills++;
                        }
                    }
                    default -> {
                        int which = random.nextInt(processes.length);
                        if (processes[which] == null) {
                            processes[which] = JvmProcess.main(NodeProcess.class,
                                    NodeProcess.environment(master.joinInfo()),
                                    "master=127.0.0.1:" + master.address().getPort(), "name=p" + which,
                                    "heartbeat=" + BEAT.toMillis());
                            processes[which].awaitLine("READY ", Duration.ofSeconds(30));
                        }
                    }
                }
            }

            // Every submitted task comes back with its own right answer; a call over a link that
            // died fails with LinkClosedException; nothing hangs.
            for (Pending each : pending) {
                try {
                    assertEquals(each.input() * each.input(), each.answer().get(30, TimeUnit.SECONDS),
                            "the square of " + each.input());
                } catch (ExecutionException e) {
                    assertTrue(!each.submitted(), "submitted task " + each.input() + " failed: " + e.getCause());
                    assertInstanceOf(LinkClosedException.class, e.getCause(), "call " + each.input());
                }
            }
            for (JvmProcess process : processes) {
                if (process != null) {
                    process.close();
                }
            }
            // The port book is exactly the set of links still open (those the churn opened and
            // those submit keeps to serving peers); closing them all gives every port back.
            await().atMost(Duration.ofSeconds(30)).until(() -> master.stats().pendingLinks() == 0
                    && master.nodes().size() == 3 && master.stats().portsInUseCount() == master.links().size());
            nodes.forEach(node -> node.links().forEach(DirectLink::close));
            await().atMost(Duration.ofSeconds(30)).until(() -> master.stats().portsInUseCount() == 0
                    && master.links().isEmpty());
            nodes.forEach(ClusterNode::close);
        }
        assertTrue(kills > 0 && linksOpened > 20 && pending.size() > 500,
                "the churn did little: " + kills + " kills, " + linksOpened + " links, " + pending.size() + " answers");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Set<String> left = TestThreads.cpcluster();
            left.removeAll(threadsBefore);
            return left.isEmpty();
        });
    }
}
