package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.NodeInfo;
import io.cpcluster.PortRange;
import io.cpcluster.spi.PortAllocator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, defect 4: "The master's lock covers slow work", such as {@link PortAllocator} calls.
 * An allocator is an SPI and may be slow (a database, a cloud API); while it works on one link,
 * the rest of the cluster must go on: nodes join, the master answers.
 *
 * <p>The allocator here hands out ports as the {@code range} allocator does, but its first
 * {@link PortAllocator#allocate} waits until the test ends.
 */
class MasterLockTest {
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch allocating = new CountDownLatch(1);
    private final TestCluster cluster = new TestCluster(TestPorts.range(4),
            b -> b.portAllocator(new SlowFirstAllocator(TestPorts.range(4))));
    private CompletableFuture<DirectLink> linking;

    /** Ports from a range, like {@code range}; the first allocation waits for the test to end. */
    private final class SlowFirstAllocator extends ForwardingPortAllocator {
        private final AtomicBoolean first = new AtomicBoolean(true);

        SlowFirstAllocator(PortRange range) {
            super(range);
        }

        @Override
        public int allocate(String host) {
            if (first.getAndSet(false)) {
                allocating.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.allocate(host);
        }
    }

    /** A asks for a link to b; the master's allocator is then busy with it. */
    @BeforeEach
    void aLinkIsBeingAllocated() throws Exception {
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        linking = a.connectAsync(b.self().id());
        assertTrue(allocating.await(10, TimeUnit.SECONDS), "the master asked the allocator for a port");
    }

    @AfterEach
    void close() throws Exception {
        // First let the allocator go: before issue 8, the master's close() waits for the lock it holds.
        release.countDown();
        background.shutdown();
        background.awaitTermination(15, TimeUnit.SECONDS);
        cluster.close();
    }

    /** In the code before issue 8, the new node's AUTH waits for the master's lock, held across allocate(). */
    @Test
    void aNodeJoinsWhileThePortAllocatorIsBusy() {
        CompletableFuture<ClusterNode> joining = CompletableFuture.supplyAsync(() -> cluster.node("c"), background);
        await("ClusterNode.start returns while the allocator is busy").atMost(Duration.ofSeconds(3))
                .until(joining::isDone);
        assertEquals("c", joining.join().self().name());
        assertEquals(3, cluster.master.nodes().size());
        assertTrue(!linking.isDone(), "the link still waits for its port");
    }

    /** In the code before issue 8, nodes() waits for the master's lock, held across allocate(). */
    @Test
    void theMasterListsItsNodesWhileThePortAllocatorIsBusy() {
        CompletableFuture<List<NodeInfo>> listing = CompletableFuture.supplyAsync(cluster.master::nodes, background);
        await("ClusterMaster.nodes() answers while the allocator is busy").atMost(Duration.ofSeconds(3))
                .until(listing::isDone);
        assertEquals(List.of("a", "b"), listing.join().stream().map(NodeInfo::name).toList());
    }
}
