package io.cpcluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ListenerAndServicesTest {
    private static final NodeInfo NODE = new NodeInfo(NodeId.of("n"), "n", "h", Set.of(), Instant.EPOCH);
    private static final LinkInfo LINK = new LinkInfo(LinkId.of("l"), NodeId.of("a"), NodeId.of("b"), "h", 1,
            Instant.EPOCH);
    private static final InetSocketAddress MASTER = InetSocketAddress.createUnresolved("m", 1);

    @Test
    void aListenerReceivesEachEventInItsOwnMethod() {
        List<String> seen = new ArrayList<>();
        ClusterListener listener = new ClusterListener() {
            @Override
            public void onNodeJoined(NodeJoined event) {
                seen.add("joined");
            }

            @Override
            public void onNodeLeft(NodeLeft event) {
                seen.add("left " + event.reason());
            }

            @Override
            public void onLinkOpened(LinkOpened event) {
                seen.add("opened");
            }

            @Override
            public void onLinkClosed(LinkClosed event) {
                seen.add("closed " + event.reason());
            }

            @Override
            public void onMasterLost(MasterLost event) {
                seen.add("lost");
            }

            @Override
            public void onMasterReconnected(MasterReconnected event) {
                seen.add("back");
            }
        };
        List<ClusterEvent> events = List.of(new NodeJoined(NODE), new NodeLeft(NODE, "bye"), new LinkOpened(LINK),
                new LinkClosed(LINK, "done"), new MasterLost(MASTER, "gone"), new MasterReconnected(MASTER));
        events.forEach(listener::onEvent);
        assertEquals(List.of("joined", "left bye", "opened", "closed done", "lost", "back"), seen);

        List<ClusterEvent> all = new ArrayList<>();
        ClusterListener everything = ClusterListener.of(all::add);
        events.forEach(everything::onEvent);
        assertEquals(events, all);
    }

    @Test
    void withoutAnImplementationTheErrorNamesTheArtifactToAdd() {
        ClusterException missing = assertThrows(ClusterException.class, Services::provider);
        assertTrue(missing.getMessage().contains("add io.cpcluster:cpcluster-core"), missing.getMessage());
        ClusterException noTransport = assertThrows(ClusterException.class, () -> Services.transport("tcp"));
        assertTrue(noTransport.getMessage().contains("no transport named 'tcp' was found (found: none)"),
                noTransport.getMessage());
    }

    @Test
    void configurationsRefuseBadValuesWithTheirName() {
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> MasterConfig.builder().port(70000));
        assertEquals("port must be between 0 and 65535, not 70000", port.getMessage());
        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.builder().linkTimeout(java.time.Duration.ZERO));
        assertEquals("linkTimeout must be positive, not PT0S", timeout.getMessage());
        IllegalArgumentException token = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.builder().token("short"));
        assertTrue(token.getMessage().contains("the token is too weak"), token.getMessage());
        assertTrue(token.getMessage().contains("a token needs 128 or more"), token.getMessage());
        assertTrue(!token.getMessage().contains("short"), "the token is not echoed");
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.builder().name("a\nb"));
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.builder().maxPayloadSize(1024));
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.builder().callTimeout(java.time.Duration.ZERO));
        IllegalArgumentException callTimeout = assertThrows(IllegalArgumentException.class,
                () -> CallOptions.timeout(java.time.Duration.ofMillis(-1)));
        assertEquals("timeout must be positive, not PT-0.001S", callTimeout.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SubmitOptions.IDEMPOTENT.withTimeout(java.time.Duration.ZERO));
        assertEquals(java.util.Optional.of(java.time.Duration.ofSeconds(3)),
                SubmitOptions.NOT_IDEMPOTENT.withTimeout(java.time.Duration.ofSeconds(3)).timeout());
        assertEquals(false, SubmitOptions.NOT_IDEMPOTENT.withTimeout(java.time.Duration.ofSeconds(3)).idempotent());
    }
}
