package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.PortRange;
import io.cpcluster.core.defaults.FileTokenStore;
import io.cpcluster.core.defaults.MemoryTokenStore;
import io.cpcluster.spi.PortAllocator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the SPIs tell the master, and what it tells them back: whether a token store survived a
 * restart, that it is closed with the master, and a port allocator that maps the port a node
 * binds to another one that the peer dials.
 */
class SpiLifecycleTest {
    private final Closing closing = new Closing();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        closing.closeAll();
    }

    /** A memory store with a token counts its closes. */
    private static final class CountingStore extends MemoryTokenStore {
        final AtomicInteger closed = new AtomicInteger();

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    /**
     * A store the application filled before the master started did not survive a restart: the
     * master brokers links at once. (It used to take "not empty" for "restarted" and hold every
     * link request for the rejoin grace, here a minute: connect would time out.)
     */
    @Test
    void aFilledStoreThatWasNotRestoredLetsTheMasterBrokerLinksAtOnceAndIsClosedWithTheMaster() {
        CountingStore store = new CountingStore();
        store.add(TestTokens.STRONG);
        assertFalse(store.restored());
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(4)).tokenStore(store).rejoinGrace(Duration.ofMinutes(1)).build()));
        NodeConfig.Builder node = NodeConfig.builder().join(master.joinInfo()).linkTimeout(Duration.ofSeconds(5));
        ClusterNode a = closing.later(ClusterNode.start(node.name("a").build()));
        ClusterNode b = closing.later(ClusterNode.start(node.name("b").handle("echo", String.class, s -> s).build()));
        try (DirectLink link = a.connect(b.self().id())) {
            assertEquals("at once", link.call("echo", "at once", String.class).join());
        }
        b.close();
        a.close();
        master.close();
        assertEquals(1, store.closed.get(), "the master closes its token store once");
    }

    @Test
    void theFileStoreIsRestoredOnlyWhenItsJoinFileHeldAToken() {
        Path join = dir.resolve("join.json");
        FileTokenStore fresh = new FileTokenStore(join);
        assertFalse(fresh.restored());
        ClusterMaster first = ClusterMaster.start(MasterConfig.builder().port(0).joinFile(join).build());
        first.close();
        assertTrue(new FileTokenStore(join).restored(), "the file the first master wrote holds its token");
    }

    /**
     * Behind a port mapping (NAT, a container's published port), the acceptor binds one port and
     * the initiator dials another. A proxy stands for the mapping: the allocator hands out the
     * bound port and says to dial the proxy's.
     */
    @Test
    void aNodeDialsThePortTheAllocatorMapsTheBoundPortTo() throws Exception {
        PortRange range = TestPorts.range(1);
        int bound = range.first();
        TestProxy mapping = closing.later(new TestProxy(new java.net.InetSocketAddress("127.0.0.1", bound)));
        PortAllocator mapped = new ForwardingPortAllocator(range) {
            @Override
            public int dialPort(String host, int bindPort) {
                return bindPort == bound ? mapping.port() : bindPort;
            }
        };
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0).portRange(range)
                .portAllocator(mapped).build()));
        ClusterNode a = closing.later(ClusterNode.start(NodeConfig.builder().name("a").join(master.joinInfo()).build()));
        ClusterNode b = closing.later(ClusterNode.start(NodeConfig.builder().name("b").join(master.joinInfo())
                .handle("echo", String.class, s -> s).build()));
        DirectLink link = a.connect(b.self().id());
        assertEquals("through the mapping", link.call("echo", "through the mapping", String.class).join());
        // The link's bytes crossed the mapping, encrypted: its call is not to be read there.
        String crossed = new String(mapping.recorded(), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(crossed.length() > 100, "the link went through the mapped port");
        assertFalse(crossed.contains("through the mapping"), "the call crossed the mapping in TLS");
        // Both ends, and the master's book, know the link by the port the acceptor bound.
        assertEquals(bound, link.port());
        assertEquals(bound, TestCluster.await(() -> b.link(link.id()).orElse(null)).port());
        assertEquals(Map.of("127.0.0.1", Set.of(bound)), master.stats().portsInUse());
        link.close();
    }
}
