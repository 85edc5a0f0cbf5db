package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosed;
import io.cpcluster.PortRange;
import io.cpcluster.Security;
import io.cpcluster.core.tls.Keys;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.Secrets;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The accepting end of a link takes exactly one connection: the one that proves the ticket.
 * Anyone else is refused while it keeps waiting, and if no one proves it in time, the port
 * goes back to the master.
 */
class LinkHandshakeTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final PortRange range = TestPorts.range(3);
    private final TestCluster cluster = new TestCluster(range,
            master -> master.ticketTimeout(Duration.ofMillis(1500)));

    @AfterEach
    void close() {
        cluster.close();
    }

    private static boolean inRange(PortRange range, InetSocketAddress address) {
        return range.contains(address.getPort());
    }

    /**
     * Over TLS, an impostor is refused for its key, before it sees the link's nonce; a client that
     * speaks no TLS at all is cut off in the TLS handshake. The real initiator still gets in.
     */
    @Test
    void aWrongKeyIsRefusedAndTheAcceptorWaitsForTheRealInitiator() throws Exception {
        TappedTransport slow = new TappedTransport(address -> inRange(range, address));
        ClusterNode a = cluster.node("a", b -> b.transport(slow));
        ClusterNode b = cluster.node("b", builder -> builder.handle("echo", String.class, s -> s));

        CompletableFuture<DirectLink> pending = a.connectAsync(b.self().id());
        slow.waitingAtGate.await();
        int port = cluster.master.stats().portsInUse().get("127.0.0.1").first();
        InetSocketAddress acceptor = new InetSocketAddress("127.0.0.1", port);

        for (int attempt = 0; attempt < 3; attempt++) {
            try (RawClient impostor = RawClient.link(acceptor, Keys.generate("impostor"))) {
                Control.LinkDenied denied = impostor.read(Control.LinkDenied.class);
                assertEquals(Control.LinkDenied.WRONG_KEY, denied.code(), "the denial says which check failed");
                assertTrue(denied.reason().contains("not the one the master vouched for"), denied.reason());
                assertEquals(null, impostor.read());
            }
        }
        try (RawClient plainNode = RawClient.link(acceptor, null)) {
            plainNode.send(new Control.LinkAuth(Control.VERSION, "3f2a9c0d11e4b7a5", a.self().id().value(),
                    Secrets.base64(new byte[32]), 1 << 20, 0));
            plainNode.awaitClosed();
        }
        theRealInitiatorStillGetsIn(cluster, slow, pending, port);
    }

    /** In plain TCP, where the ticket's proof is all there is, a wrong proof is refused. */
    @Test
    void inPlainTcpAWrongProofIsRefusedAndTheAcceptorWaitsForTheRealInitiator() throws Exception {
        PortRange plainRange = TestPorts.range(2);
        try (TestCluster plain = new TestCluster(plainRange, master -> master.security(Security.PLAIN))) {
            TappedTransport slow = new TappedTransport(address -> inRange(plainRange, address));
            ClusterNode a = plain.node("a", b -> b.transport(slow));
            ClusterNode b = plain.node("b", builder -> builder.handle("echo", String.class, s -> s));

            CompletableFuture<DirectLink> pending = a.connectAsync(b.self().id());
            slow.waitingAtGate.await();
            int port = plain.master.stats().portsInUse().get("127.0.0.1").first();
            for (int attempt = 0; attempt < 3; attempt++) {
                try (RawClient impostor = new RawClient(new InetSocketAddress("127.0.0.1", port))) {
                    Control.LinkHello hello = impostor.read(Control.LinkHello.class);
                    impostor.send(new Control.LinkAuth(Control.VERSION, hello.linkId(), a.self().id().value(),
                            Secrets.base64(Secrets.proof(Secrets.newSecret(), Secrets.fromBase64(hello.nonce()))),
                            1 << 20, 0));
                    Control.LinkDenied denied = impostor.read(Control.LinkDenied.class);
                    assertTrue(denied.reason().contains("wrong ticket proof"), denied.reason());
                    assertEquals(Control.LinkDenied.WRONG_PROOF, denied.code(), "the denial says which check failed");
                    assertEquals(null, impostor.read());
                }
            }
            try (RawClient garbage = new RawClient(new InetSocketAddress("127.0.0.1", port))) {
                garbage.read(Control.LinkHello.class);
                garbage.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
                garbage.awaitClosed();
            }
            theRealInitiatorStillGetsIn(plain, slow, pending, port);
        }
    }

    private static void theRealInitiatorStillGetsIn(TestCluster cluster, TappedTransport slow,
                                                    CompletableFuture<DirectLink> pending, int port) throws Exception {
        slow.open();
        DirectLink link = pending.get();
        assertEquals(port, link.port());
        assertEquals("through", link.call("echo", "through", String.class).join());
        link.close();
        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
    }

    @Test
    void anInitiatorThatNeverComesLetsTheTicketExpireAndThePortGoBack() throws Exception {
        TappedTransport never = new TappedTransport(address -> inRange(range, address));
        ClusterNode a = cluster.node("a", b -> b.transport(never).linkTimeout(Duration.ofSeconds(30)));
        ClusterNode b = cluster.node("b");

        CompletableFuture<DirectLink> pending = a.connectAsync(b.self().id());
        never.waitingAtGate.await();
        assertEquals(1, cluster.master.stats().portsInUseCount());

        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
        CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                pending::join);
        ClusterException cause = assertInstanceOf(ClusterException.class, failure.getCause());
        assertTrue(cause.getMessage().contains("did not connect within 1500 ms"), cause.getMessage());
        never.open();
        assertTrue(b.links().isEmpty());
        assertTrue(a.links().isEmpty());
    }

    @Test
    void aPeerThatSendsGarbageOnAnOpenLinkLosesTheLinkAndNothingElse() throws Exception {
        TappedTransport tapped = new TappedTransport();
        ClusterNode a = cluster.node("a", b -> b.transport(tapped));
        ClusterNode b = cluster.node("b", builder -> builder.handle("echo", String.class, s -> s));
        DirectLink link = a.connect(b.self().id());
        await().atMost(WAIT).until(() -> b.links().size() == 1);

        var raw = tapped.dialed.stream().filter(c -> inRange(range, c.remoteAddress())).findFirst().orElseThrow();
        raw.output().write(new byte[] {0, 0, 0, 12, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        raw.output().flush();

        await().atMost(WAIT).until(() -> !link.isOpen() && b.links().isEmpty());
        List<LinkClosed> closed = cluster.events(b, LinkClosed.class);
        await().atMost(WAIT).until(() -> cluster.events(b, LinkClosed.class).size() == 1);
        assertTrue(cluster.events(b, LinkClosed.class).getFirst().reason().contains("unknown link frame kind 99"),
                closed.toString());
        await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);

        try (DirectLink again = a.connect(b.self().id())) {
            assertEquals("fine", again.call("echo", "fine", String.class).join());
        }
    }
}
