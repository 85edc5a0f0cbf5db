package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import io.cpcluster.Security;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.Secrets;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Transport SPI's handshake and peer identity, through a transport with a handshake of its
 * own: the handshake runs on the connection's thread (a silent client holds up no one), and a
 * node id is bound to the identity it joined with. The transport proves identities of its own
 * and cannot carry TLS, so the cluster runs in plain TCP (TlsTest binds ids to TLS keys).
 */
class TransportHandshakeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final Closing closing = new Closing();
    private final ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
            .portRange(TestPorts.range(4)).authTimeout(Duration.ofSeconds(1))
            .transport(new IdentityTransport("master")).security(Security.PLAIN).build()));

    @AfterEach
    void close() throws Exception {
        closing.closeAll();
    }

    private ClusterNode node(String name) {
        return closing.later(ClusterNode.start(NodeConfig.builder().name(name).join(master.joinInfo())
                .transport(new IdentityTransport(name)).security(Security.PLAIN).handle("echo", String.class, s -> s).build()));
    }

    @Test
    void aClientSilentInTheTransportsHandshakeHoldsUpNoOneAndIsCutOffByTheAuthTimeout() throws Exception {
        try (Socket silent = new Socket(master.address().getAddress(), master.address().getPort())) {
            // It connects and says nothing: the master's side of the handshake waits for its line.
            ClusterNode alice = node("alice");
            ClusterNode bob = node("bob");
            try (DirectLink link = alice.connect(bob.self().id())) {
                assertEquals("hi", link.call("echo", "hi", String.class).join(), "links dial through the transport too");
            }
            silent.setSoTimeout((int) WAIT.toMillis());
            assertEquals(-1, silent.getInputStream().read(), "the master closed the silent connection");
        }
        assertEquals(List.of("alice", "bob"), master.nodes().stream().map(NodeInfo::name).toList());
    }

    @Test
    void aNodeIdIsBoundToTheTransportIdentityItJoinedWith() throws Exception {
        ClusterNode alice = node("alice");
        String id = alice.self().id().value();
        try (RawClient mallory = new RawClient(master.address())) {
            mallory.sendRaw(IdentityTransport.line("mallory"));
            Control.AuthFailed refused = assertInstanceOf(Control.AuthFailed.class, authenticate(mallory, id));
            assertTrue(refused.reason().contains("held by a connection with another key (transport identity)"),
                    refused.reason());
            mallory.awaitClosed();
        }
        assertEquals(List.of("alice"), master.nodes().stream().map(NodeInfo::name).toList());
        assertEquals(alice.self(), master.nodes().getFirst(), "alice keeps her id and her connection");
        // The same identity may take its id over, as a node coming back before the master noticed.
        try (RawClient again = new RawClient(master.address())) {
            again.sendRaw(IdentityTransport.line("alice"));
            Control.AuthOk ok = assertInstanceOf(Control.AuthOk.class, authenticate(again, id));
            assertEquals("alice-again", ok.node().name());
        }
        // alice finds her connection replaced and takes her id back, with her own identity.
        await().atMost(WAIT).until(() -> master.nodes().stream().map(NodeInfo::name).toList(),
                org.hamcrest.Matchers.equalTo(List.of("alice")));
    }

    /** Authenticates a raw client as the given node id, with the master's token; returns the answer. */
    private Control authenticate(RawClient raw, String id) throws Exception {
        Control.Hello hello = raw.read(Control.Hello.class);
        raw.send(new Control.Auth(Control.VERSION, id, "alice-again", Secrets.base64(Secrets.proof(
                master.joinInfo().token(), Secrets.fromBase64(hello.nonce()))), List.of(), null, List.of()));
        return raw.read();
    }
}
