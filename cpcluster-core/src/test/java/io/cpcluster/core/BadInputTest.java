package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.Secrets;
import java.io.IOException;
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

    /** What a raw client sends right after the master's HELLO. */
    @FunctionalInterface
    private interface Sending {
        void to(RawClient raw) throws IOException;
    }

    /**
     * Connects, reads HELLO, sends something, and waits until the master closes the connection.
     *
     * @return the last message the master sent before closing, or null
     */
    private Control afterHello(Sending sending) throws IOException {
        try (RawClient raw = new RawClient(cluster.master.address())) {
            raw.read(Control.Hello.class);
            sending.to(raw);
            return raw.awaitClosed();
        }
    }

    private static Control.Fault assertFault(String code, String containing, Control last) {
        Control.Fault fault = assertInstanceOf(Control.Fault.class, last);
        assertEquals(code, fault.code());
        assertTrue(fault.message().contains(containing), fault.message());
        return fault;
    }

    @Test
    void garbageBytesCloseThatConnectionOnly() throws Exception {
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);
        // Whatever the bytes say (a length too large, or JSON that is not), the master answers with an error.
        assertInstanceOf(Control.Fault.class, afterHello(raw -> raw.sendRaw(garbage)));
        assertTheClusterStillWorks(1);
    }

    @Test
    void aTwoGibibyteLengthPrefixIsRefusedBeforeAnythingIsAllocated() throws Exception {
        assertFault(Control.Fault.PROTOCOL, "2147483648 bytes is larger than the limit",
                afterHello(raw -> raw.sendRaw(new byte[] {(byte) 0x80, 0, 0, 0, 1, 2, 3})));
        assertTheClusterStillWorks(1);
    }

    @Test
    void aRequestBeforeAuthenticationIsAProtocolError() throws Exception {
        assertFault(Control.Fault.PROTOCOL, "expected AUTH",
                afterHello(raw -> raw.send(new Control.LinkRequest(1, b.self().id().value()))));
        assertTheClusterStillWorks(1);
    }

    @Test
    void silencePastTheAuthTimeoutClosesTheConnection() throws Exception {
        assertFault(Control.Fault.AUTH_TIMEOUT, "no AUTH within 300 ms", afterHello(raw -> { }));
        assertTheClusterStillWorks(0);
    }

    @Test
    void aTruncatedFrameThenSilenceIsCutOffByTheAuthTimeout() throws Exception {
        assertFault(Control.Fault.AUTH_TIMEOUT, "no AUTH within",
                afterHello(raw -> raw.sendRaw(new byte[] {0, 0, 0, 100, '{', '"'})));
        assertTheClusterStillWorks(0);
    }

    @Test
    void malformedJsonUnknownTypesAndWrongFieldsAreProtocolErrors() throws Exception {
        List<String> bad = List.of("{", "[1,2,3]", "null", "{\"type\":\"NOPE\"}", "{\"version\":1}",
                "{\"type\":\"AUTH\",\"version\":1}", "{\"type\":\"AUTH\",\"version\":\"one\",\"nodeId\":\"x\"}",
                "[".repeat(5000), "\u0000\u0001\u0002");
        for (String json : bad) {
            assertFault(Control.Fault.PROTOCOL, "malformed control message", afterHello(raw -> raw.sendJson(json)));
        }
        assertTheClusterStillWorks(bad.size());
    }

    @Test
    void anAuthenticatedNodeThatSendsGarbageIsDroppedAndItsPeersAreTold() throws Exception {
        String token = cluster.master.joinInfo().token();
        try (RawClient raw = new RawClient(cluster.master.address())) {
            Control.Hello hello = raw.read(Control.Hello.class);
            raw.send(new Control.Auth(Control.VERSION, "raw-node", "raw", raw.proof(token, hello), List.of(), null,
                    List.of()));
            raw.read(Control.AuthOk.class);
            raw.read(Control.NodeList.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.nodes().size() == 3);
            raw.send(new Control.Hello(Control.VERSION, "bm9uY2U=", Control.TLS));
            Control.Fault fault = assertInstanceOf(Control.Fault.class, raw.awaitClosed());
            assertTrue(fault.message().contains("HELLO is not a message a node sends"), fault.message());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.nodes().size() == 2 && b.nodes().size() == 2);
        assertTheClusterStillWorks(1);
    }

    @Test
    void aTokenHolderWithAnotherKeyCannotTakeAConnectedNodesId() throws Exception {
        String token = cluster.master.joinInfo().token();
        try (RawClient raw = new RawClient(cluster.master.address())) {
            Control.Hello hello = raw.read(Control.Hello.class);
            raw.send(new Control.Auth(Control.VERSION, a.self().id().value(), "impostor", raw.proof(token, hello),
                    List.of(), null, List.of()));
            Control.AuthFailed refused = raw.read(Control.AuthFailed.class);
            assertTrue(refused.reason().contains("another key"), refused.reason());
            raw.awaitClosed();
        }
        // Node a kept its id, its name and its connection: it never had to come back.
        assertEquals(a.self(), cluster.master.nodes().stream().filter(n -> n.id().equals(a.self().id()))
                .findFirst().orElseThrow());
        assertEquals(List.of(), cluster.events(a, io.cpcluster.MasterLost.class));
        assertEquals(2, cluster.master.nodes().size());
        assertTheClusterStillWorks(0);
    }

    @Test
    void aTokenHolderCannotTakeTheIdOfANodeThatLeftEither() throws Exception {
        String token = cluster.master.joinInfo().token();
        String gone = a.self().id().value();
        a.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.master.nodes().size() == 1);
        try (RawClient raw = new RawClient(cluster.master.address())) {
            Control.Hello hello = raw.read(Control.Hello.class);
            raw.send(new Control.Auth(Control.VERSION, gone, "impostor", raw.proof(token, hello), List.of(), null,
                    List.of()));
            Control.AuthFailed refused = raw.read(Control.AuthFailed.class);
            assertTrue(refused.reason().contains("belonged to a node with another key, which left"), refused.reason());
            raw.awaitClosed();
        }
        assertEquals(1, cluster.master.nodes().size());
    }

    @Test
    void anUnsupportedProtocolVersionIsRefusedWithTheRangeTheMasterSpeaks() throws Exception {
        assertFault(Control.Fault.UNSUPPORTED_VERSION, "versions " + Control.MIN_VERSION + " to " + Control.VERSION, afterHello(raw -> raw.send(
                new Control.Auth(99, "future-node", "future", Secrets.base64(new byte[32]), List.of(), null,
                        List.of()))));
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
