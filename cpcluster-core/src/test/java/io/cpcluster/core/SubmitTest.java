package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.NoSuchNodeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SubmitTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void aThousandTasksAreSpreadOverThreeServingNodes() {
        Map<String, AtomicInteger> shares = new ConcurrentHashMap<>();
        for (String name : List.of("w1", "w2", "w3")) {
            AtomicInteger share = shares.computeIfAbsent(name, n -> new AtomicInteger());
            cluster.node(name, b -> b.handle("square", Long.class, x -> {
                share.incrementAndGet();
                return x * x;
            }));
        }
        ClusterNode client = cluster.node("client");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.nodes().size() == 4);

        List<CompletableFuture<Long>> results = new ArrayList<>();
        for (long i = 0; i < 1000; i++) {
            results.add(client.submit("square", i, Long.class));
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals((long) i * i, results.get(i).join());
        }
        assertEquals(1000, shares.values().stream().mapToInt(AtomicInteger::get).sum());
        shares.forEach((name, share) -> assertTrue(share.get() >= 100, name + " did " + share.get() + " of 1000"));
        assertEquals(3, client.links().size(), "one link per serving node, reused");
    }

    @Test
    void tasksSubmittedOneAtATimeAreTakenInTurn() {
        Map<String, AtomicInteger> shares = new ConcurrentHashMap<>();
        for (String name : List.of("w1", "w2", "w3")) {
            AtomicInteger share = shares.computeIfAbsent(name, n -> new AtomicInteger());
            cluster.node(name, b -> b.handle("one", Integer.class, x -> share.incrementAndGet()));
        }
        ClusterNode client = cluster.node("client");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.nodes().size() == 4);
        for (int i = 0; i < 30; i++) {
            client.submit("one", i, Integer.class).join();
        }
        shares.forEach((name, share) -> assertEquals(10, share.get(), name));
    }

    @Test
    void noOtherNodeServingTheTaskIsNoSuchNodeException() {
        ClusterNode client = cluster.node("client", b -> b.handle("local", String.class, s -> s));
        cluster.node("other", b -> b.handle("elsewhere", String.class, s -> s));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.nodes().size() == 2);
        CompletionException failure = assertThrows(CompletionException.class,
                () -> client.submit("local", "x", String.class).join());
        NoSuchNodeException missing = assertInstanceOf(NoSuchNodeException.class, failure.getCause());
        assertTrue(missing.getMessage().contains("no other node serves task 'local'"), missing.getMessage());
        assertTrue(missing.getMessage().contains("serves [elsewhere]"), missing.getMessage());
    }

    @Test
    void whenTheLinkDiesBeforeTheAnswerTheTaskRunsOnAnotherNode() throws Exception {
        CountDownLatch taken = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        ClusterNode stuck = cluster.node("stuck", b -> b.closeTimeout(Duration.ofMillis(200))
                .handle("work", Integer.class, x -> {
            taken.countDown();
            never.await();
            return -1;
        }));
        ClusterNode spare = cluster.node("spare");
        ClusterNode client = cluster.node("client");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.nodes().size() == 3);

        CompletableFuture<Integer> result = client.submit("work", 21, Integer.class);
        taken.await();
        spare.handle("work", Integer.class, x -> x * 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.nodes().stream()
                .anyMatch(n -> n.name().equals("spare") && n.serves("work")));

        stuck.close();
        assertEquals(42, result.get());
        never.countDown();
    }
}
