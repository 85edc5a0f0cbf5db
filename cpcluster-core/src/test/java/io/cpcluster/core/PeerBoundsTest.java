package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.PortRange;
import io.cpcluster.core.wire.Bytes;
import io.cpcluster.core.wire.LinkFrame;
import io.cpcluster.core.wire.Payloads;
import io.cpcluster.spi.Transport;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a peer that breaks the link's rules on calls gets: raw frames written into an open link
 * (through a transport that keeps its dialed connections), as a buggy or hostile implementation
 * would send them.
 */
class PeerBoundsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final PortRange range = TestPorts.range(4);
    private final TestCluster cluster = new TestCluster(range, b -> b);
    private final TappedTransport tapped = new TappedTransport();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger ran = new AtomicInteger();
    private ClusterNode server;
    private DirectLink link;
    private Transport.Connection raw;

    @AfterEach
    void close() {
        release.countDown();
        cluster.close();
    }

    /** A server with room for two calls, a client that dials it through the tapped transport. */
    private void link() {
        server = cluster.node("server", b -> b.maxCallsInFlight(2).handle("gate", Integer.class, x -> {
            ran.incrementAndGet();
            release.await(30, TimeUnit.SECONDS);
            return x;
        }));
        // No keep-alive may cut into the frames the test writes by hand.
        ClusterNode client = cluster.node("client", b -> b.transport(tapped)
                .linkHeartbeat(Duration.ofSeconds(30), Duration.ofSeconds(60)));
        link = client.connect(server.self().id());
        raw = tapped.dialed.stream().filter(c -> range.contains(c.remoteAddress().getPort())).findFirst()
                .orElseThrow();
    }

    /** Writes a CALL of "gate" with this correlation id, as the client's link would, but by hand. */
    private void rawCall(long correlation) throws Exception {
        Payloads.Encoded input = Payloads.encode(1);
        byte[] header = LinkFrame.header(LinkFrame.CALL, input.flags(), correlation, LinkFrame.taskName("gate"));
        byte[] length = new byte[4];
        Bytes.putInt(length, 0, header.length + input.bytes().length);
        OutputStream out = raw.output();
        out.write(length);
        out.write(header);
        out.write(input.bytes());
        out.flush();
    }

    @Test
    void aCallReusingTheIdOfACallStillRunningBreaksTheProtocolAndCostsThatLinkOnly() throws Exception {
        link();
        rawCall(1_000_000);
        await().atMost(WAIT).until(() -> ran.get() == 1);
        rawCall(1_000_000);
        await().atMost(WAIT).until(() -> !link.isOpen());
        assertEquals(1, ran.get(), "the second call with the same id did not run");
        await().atMost(WAIT).until(() -> server.stats().peerCallsRunning() == 0 && server.links().isEmpty());
        assertEquals(2, cluster.master.nodes().size(), "both nodes are still in the cluster");
    }

    @Test
    void callsPastTheRoomTheServerAnnouncedAreRefusedAtOnceAndTheLinkCarriesOn() throws Exception {
        link();
        rawCall(1_000_001);
        rawCall(1_000_002);
        await().atMost(WAIT).until(() -> ran.get() == 2);
        // A third, which a well-behaved client would have kept waiting: refused, never run.
        rawCall(1_000_003);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> ran.get() == 2 && link.isOpen());
        release.countDown();
        await().atMost(WAIT).until(() -> server.stats().peerCallsRunning() == 0);
        assertEquals(5, link.call("gate", 5, Integer.class).get(10, TimeUnit.SECONDS));
        assertTrue(link.isOpen());
    }
}
