package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input costs the sender its own connection and nothing else: the master closes it, keeps
 * serving the nodes already joined, lets new ones join, and holds no connection for it after.
 */
class BadInputTest {
    private final TestCluster cluster = new TestCluster(TestPorts.range(10),
            master -> master.authTimeout(Duration.ofMillis(300)));
    private ClusterNode a;
    private ClusterNode b;

    @BeforeEach
    void joinTwoNodes() {
        a = cluster.node("a");
        b = cluster.node("b", builder -> builder.handle("echo", String.class, s -> s));
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void garbageBytesCloseThatConnectionOnly() throws Exception {
        try (RawClient raw = new RawClient(cluster.master.address())) {
            raw.read(Control.Hello.class);
            byte[] garbage = new byte[4096];
            new Random(42).nextBytes(garbage);
            raw.sendRaw(garbage);
            raw.awaitClosed();
        }
        assertTheClusterStillWorks(1);
    }

    @Test
    void aTwoGibibyteLengthPrefixIsRefusedBeforeAnythingIsAllocated() throws Exception {
        try (RawClient raw = new RawClient(cluster.master.address())) {
            raw.read(Control.Hello.class);
            raw.sendRaw(new byte[] {(byte) 0x80, 0, 0, 0, 1, 2, 3});
            Control last = raw.awaitClosed();
            Control.Fault fault = assertInstanceOf(Control.Fault.class, last);
            assertEquals(Control.Fault.PROTOCOL, fault.code());
            assertTrue(fault.message().contains("2147483648 bytes is larger than the limit"), fault.message());
        }
        assertTheClusterStillWorks(1);
    }

    @Test
    void aRequestBeforeAuthenticationIsAProtocolError() throws Exception {
        try (RawClient raw = new RawClient(cluster.master.address())) {
            raw.read(Control.Hello.class);
            raw.send(new Control.LinkRequest(1, b.self().id().value()));
            Control.Fault fault = assertInstanceOf(Control.Fault.class, raw.awaitClosed());
            assertEquals(Control.Fault.PROTOCOL, fault.code());
            assertTrue(fault.message().contains("expected AUTH"), fault.message());
        }
        assertTheClusterStillWorks(1);
    }

    @Test
    void silencePastTheAuthTimeoutClosesTheConnection() throws Exception {
        try (RawClient raw = new RawClient(cluster.master.address())) {
            raw.read(Control.Hello.class);
            Control.Fault fault = assertInstanceOf(Control.Fault.class, raw.awaitClosed());
            assertEquals(Control.Fault.AUTH_TIMEOUT, fault.code());
        }
        assertTheClusterStillWorks(0);
    }

    @Test
    void aTruncatedFrameThenSilenceIsCutOffByTheAuthTimeout() throws Exception {
        try (RawClient raw = new RawClient(cluster.master.address())) {
            raw.read(Control.Hello.class);
            raw.sendRaw(new byte[] {0, 0, 0, 100, '{', '"'});
            raw.awaitClosed();
        }
        assertTheClusterStillWorks(0);
    }

    @Test
    void malformedJsonUnknownTypesAndWrongFieldsAreProtocolErrors() throws Exception {
        List<String> bad = List.of("{", "[1,2,3]", "null", "{\"type\":\"NOPE\"}", "{\"version\":1}",
                "{\"type\":\"AUTH\",\"version\":1}", "{\"type\":\"AUTH\",\"version\":\"one\",\"nodeId\":\"x\"}",
                "[".repeat(5000), "\u0000\u0001\u0002");
        for (String json : bad) {
            try (RawClient raw = new RawClient(cluster.master.address())) {
                raw.read(Control.Hello.class);
                raw.sendJson(json);
                Control.Fault fault = assertInstanceOf(Control.Fault.class, raw.awaitClosed(), json);
                assertEquals(Control.Fault.PROTOCOL, fault.code(), json);
            }
        }
        assertTheClusterStillWorks(bad.size());
    }

    @Test
    void anAuthenticatedNodeThatSendsGarbageIsDroppedAndItsPeersAreTold() throws Exception {
        String token = cluster.master.joinInfo().token();
        try (RawClient raw = new RawClient(cluster.master.address())) {
            Control.Hello hello = raw.read(Control.Hello.class);
            byte[] proof = Secrets.proof(token, Secrets.fromBase64(hello.nonce()));
            raw.send(new Control.Auth(1, "raw-node", "raw", Secrets.base64(proof), List.of(), null));
            raw.read(Control.AuthOk.class);
            raw.read(Control.NodeList.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.nodes().size() == 3);
            raw.send(new Control.Hello(1, "bm9uY2U="));
            Control.Fault fault = assertInstanceOf(Control.Fault.class, raw.awaitClosed());
            assertTrue(fault.message().contains("HELLO is not a message a node sends"), fault.message());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.nodes().size() == 2 && b.nodes().size() == 2);
        assertTheClusterStillWorks(1);
    }

    @Test
    void aSecondNodeClaimingAConnectedNodesIdIsRefused() throws Exception {
        String token = cluster.master.joinInfo().token();
        try (RawClient raw = new RawClient(cluster.master.address())) {
            Control.Hello hello = raw.read(Control.Hello.class);
            byte[] proof = Secrets.proof(token, Secrets.fromBase64(hello.nonce()));
            raw.send(new Control.Auth(1, a.self().id().value(), "impostor", Secrets.base64(proof), List.of(), null));
            Control.Fault fault = assertInstanceOf(Control.Fault.class, raw.awaitClosed());
            assertEquals(Control.Fault.DUPLICATE_NODE, fault.code());
        }
        assertEquals(2, cluster.master.nodes().size());
        assertTheClusterStillWorks(0);
    }

    @Test
    void anUnsupportedProtocolVersionIsRefusedWithTheRangeTheMasterSpeaks() throws Exception {
        try (RawClient raw = new RawClient(cluster.master.address())) {
            raw.read(Control.Hello.class);
            raw.send(new Control.Auth(99, "future-node", "future", Secrets.base64(new byte[32]), List.of(), null));
            Control.Fault fault = assertInstanceOf(Control.Fault.class, raw.awaitClosed());
            assertEquals(Control.Fault.UNSUPPORTED_VERSION, fault.code());
            assertTrue(fault.message().contains("versions 1 to 1"), fault.message());
        }
        assertTheClusterStillWorks(0);
    }

    /**
     * The joined nodes still link and call, a new node can join, and the master holds no
     * connection but theirs.
     */
    private void assertTheClusterStillWorks(long protocolErrors) {
        try (DirectLink link = a.connect(b.self().id())) {
            assertEquals("still here", link.call("echo", "still here", String.class).join());
        }
        ClusterNode late = cluster.node("late");
        assertEquals(3, late.nodes().size());
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.master.stats().connections() == 3);
        assertEquals(protocolErrors, cluster.master.stats().protocolErrors());
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.master.stats().portsInUseCount() == 0);
    }
}
