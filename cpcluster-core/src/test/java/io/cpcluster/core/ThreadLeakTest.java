package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.ReaderThreads;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Closing a master and its nodes leaves no thread of CPCluster's behind, virtual ones included. */
class ThreadLeakTest {
    @Test
    void closingEverythingEndsEveryThread() {
        Set<String> before = TestThreads.cpcluster();
        try (TestCluster cluster = new TestCluster()) {
            ClusterNode a = cluster.node("a", b -> b.linkReaders(ReaderThreads.VIRTUAL));
            ClusterNode b = cluster.node("b", builder -> builder.handle("echo", String.class, s -> s));
            ClusterNode c = cluster.node("c", builder -> builder.handle("echo", String.class, s -> s));
            DirectLink link = a.connect(b.self().id());
            assertEquals("x", link.call("echo", "x", String.class).join());
            link.send(new byte[] {1});
            assertEquals("y", a.submit("echo", "y", String.class).join());
            assertEquals("z", c.connect(b.self().id()).call("echo", "z", String.class).join());
            assertFalse(TestThreads.cpcluster().isEmpty());
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            Set<String> left = TestThreads.cpcluster();
            left.removeAll(before);
            return left.isEmpty();
        });
    }
}
