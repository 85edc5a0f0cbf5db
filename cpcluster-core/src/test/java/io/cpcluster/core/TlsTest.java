package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.AuthenticationException;
import io.cpcluster.ClusterException;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.JoinInfo;
import io.cpcluster.KeyFiles;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.PortRange;
import io.cpcluster.Security;
import io.cpcluster.core.defaults.JoinFiles;
import io.cpcluster.core.tcp.TcpTransport;
import io.cpcluster.core.tls.Keys;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.Transport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, TLS by default. What crosses the wire between a node and the master, and on a direct
 * link, is TLS but for the master's plain {@code HELLO}; a node checks the master's key against
 * its pin and an initiator the acceptor's against the key the master vouched for, before either
 * sends a byte; a token proof is bound to the nonce and to both keys, so a captured or relayed one
 * is worthless; the master keeps its key beside its join file across restarts; a node and a
 * master that disagree on TLS fail at once, saying which setting to change; and a node's own key
 * pair is the one the cluster knows it by. Everything runs on loopback.
 */
class TlsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** A JSON frame's type, as every control message starts: {@code {"type":"HELLO",...}}. */
    private static final String TYPE = "{\"type\":\"";
    /** 32 hex digits in a row: half a token or a ticket, a fingerprint's digits, or a key's. */
    private static final Pattern HEX_RUN = Pattern.compile("[0-9a-fA-F]{32}");

    private final Closing closing = new Closing();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        closing.closeAll();
    }

    @Test
    void nothingButThePlainHelloCanBeReadOnTheMasterConnectionOrADirectLink() throws Exception {
        PortRange range = TestPorts.range(1);
        int bound = range.first();
        TestProxy onLink = closing.later(new TestProxy(new InetSocketAddress("127.0.0.1", bound)));
        PortAllocator throughTheProxy = new ForwardingPortAllocator(range) {
            @Override
            public int dialPort(String host, int bindPort) {
                return bindPort == bound ? onLink.port() : bindPort;
            }
        };
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0).portRange(range)
                .portAllocator(throughTheProxy).build()));
        TestProxy onMaster = closing.later(new TestProxy(master.address()));
        JoinInfo join = master.joinInfo();
        String task = "confidential-task-q7w";
        String payload = "payload-only-the-peers-may-read-5k2";
        String message = "message-only-the-peers-may-read-9x4";
        List<String> received = new CopyOnWriteArrayList<>();

        ClusterNode caller = closing.later(ClusterNode.start(throughProxy("caller-node-m3j", join, onMaster).build()));
        ClusterNode worker = closing.later(ClusterNode.start(throughProxy("worker-node-p8v", join, onMaster)
                .handle(task, String.class, input -> "done: " + input).build()));
        await().atMost(WAIT).until(() -> caller.nodes().size() == 2);

        DirectLink link = caller.connect(worker.self().id());
        assertEquals("done: " + payload, link.call(task, payload, String.class).join());
        DirectLink accepted = TestCluster.await(() -> worker.link(link.id()).orElse(null));
        accepted.onMessage(bytes -> received.add(new String(bytes, StandardCharsets.UTF_8)));
        link.send(message.getBytes(StandardCharsets.UTF_8));
        await().atMost(WAIT).until(() -> received.equals(List.of(message)));
        link.close();
        await().atMost(WAIT).until(() -> master.stats().portsInUseCount() == 0);
        caller.close();
        worker.close();
        await().atMost(WAIT).until(() -> master.nodes().isEmpty());

        String token = join.token();
        List<String> secrets = List.of(token, new String(HexFormat.of().parseHex(token), StandardCharsets.ISO_8859_1),
                task, payload, message, "caller-node-m3j", "worker-node-p8v", caller.self().id().value(),
                worker.self().id().value(), "\"ticket\"", "\"proof\"", "\"nonce\"", "\"AUTH\"", "\"NODES\"",
                "\"LINK_", "\"PING\"");

        String toMaster = new String(onMaster.recorded(), StandardCharsets.ISO_8859_1);
        assertTrue(toMaster.length() > 1000, "the nodes talked to the master through the proxy: " + toMaster.length());
        // Each connection's HELLO is in plain, as it must be: its type, version, nonce and security.
        int hellos = count(toMaster, TYPE + "HELLO\",\"version\":" + Control.VERSION + ",\"nonce\":\"");
        assertTrue(hellos >= 2, "both nodes got a HELLO in plain");
        assertEquals(hellos, count(toMaster, "\",\"security\":\"tls\"}"), "each HELLO says tls");
        assertEquals(hellos, count(toMaster, TYPE), "the HELLOs are the only frames to be read");
        // The HELLOs' nonces are no secret: take them out, and nothing else may be legible.
        String withoutHellos = toMaster.replaceAll(Pattern.quote(TYPE) + "HELLO[^}]*}", "");
        assertNoSecret(withoutHellos, secrets);

        String onTheLink = new String(onLink.recorded(), StandardCharsets.ISO_8859_1);
        assertTrue(onTheLink.length() > 500, "the link went through its proxy: " + onTheLink.length());
        assertEquals(0, count(onTheLink, TYPE), "a link is TLS from its first byte: not even a LINK_HELLO in plain");
        assertNoSecret(onTheLink, secrets);
    }

    private static NodeConfig.Builder throughProxy(String name, JoinInfo join, TestProxy proxy) {
        return NodeConfig.builder().name(name).master("127.0.0.1", proxy.port()).token(join.token())
                .masterKey(join.fingerprint().orElseThrow());
    }

    private static void assertNoSecret(String wire, List<String> secrets) {
        for (String secret : secrets) {
            assertFalse(wire.contains(secret), "'" + secret + "' crossed the wire legibly");
        }
        assertFalse(HEX_RUN.matcher(wire).find(), "a run of hex digits (a token, a ticket, a key) crossed the wire");
    }

    @Test
    void aNodeRefusesAMasterWithAnotherKeyThanJoinJsonNamesAndSendsItNothing() throws Exception {
        ClusterMaster real = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(1)).build()));
        String token = real.joinInfo().token();
        String pinned = real.joinInfo().fingerprint().orElseThrow();
        // An impostor that knows the token: had the node sent its AUTH, it would have been let in.
        ClusterMaster impostor = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(1)).token(token).build()));
        String impostorKey = impostor.joinInfo().fingerprint().orElseThrow();
        assertNotEquals(pinned, impostorKey);
        TestProxy proxy = closing.later(new TestProxy(impostor.address()));
        Path file = dir.resolve("join.json");
        JoinFiles.write(file, new JoinInfo(token, "127.0.0.1", proxy.port(), Optional.of(pinned)));

        String name = "pinning-node-r4t";
        AuthenticationException refused = assertThrows(AuthenticationException.class,
                () -> ClusterNode.start(NodeConfig.builder().name(name).joinFile(file).build()));
        assertTrue(refused.getMessage().startsWith("the master at 127.0.0.1:" + proxy.port() + " is not the one"
                + " join.json names: its key is " + impostorKey + ", and this node pins " + pinned),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("Nothing was sent to it."), refused.getMessage());
        assertFalse(refused.getMessage().contains(token), refused.getMessage());

        assertEquals(List.of(), impostor.nodes());
        assertEquals(0, impostor.stats().nodesAuthenticated());
        assertEquals(0, impostor.stats().authFailures(), "no proof reached the impostor, right or wrong");
        String wire = new String(proxy.recorded(), StandardCharsets.ISO_8859_1);
        assertTrue(wire.length() > 100, "the node met the impostor: its HELLO and the TLS handshake");
        assertEquals(1, count(wire, TYPE + "HELLO\""));
        assertEquals(1, count(wire, TYPE), "no frame but the HELLO is to be read");
        assertNoSecret(wire.replaceAll(Pattern.quote(TYPE) + "HELLO[^}]*}", ""), List.of(token,
                new String(HexFormat.of().parseHex(token), StandardCharsets.ISO_8859_1), name, "\"AUTH\""));

        // The same join file, naming the real master's port, lets the node in: only the key was wrong.
        JoinFiles.write(file, new JoinInfo(token, "127.0.0.1", real.address().getPort(), Optional.of(pinned)));
        ClusterNode node = closing.later(ClusterNode.start(NodeConfig.builder().name(name).joinFile(file).build()));
        assertEquals(List.of(node.self()), real.nodes());
        assertEquals(List.of(), impostor.nodes());
    }

    @Test
    void anInitiatorRefusesALinkPeerWithAnotherKeyThanTheMasterVouchedForAndThePortGoesBack() throws Exception {
        PortRange range = TestPorts.range(2);
        TestCluster cluster = closing.later(new TestCluster(range, master -> master));
        try (ImpostorServer impostor = new ImpostorServer()) {
            Redirecting redirecting = new Redirecting(range, impostor.address());
            ClusterNode a = cluster.node("a", b -> b.transport(redirecting));
            ClusterNode b = cluster.node("b", builder -> builder.handle("echo", String.class, s -> s));
            String vouched = b.self().fingerprint().orElseThrow();

            AuthenticationException refused = assertThrows(AuthenticationException.class,
                    () -> a.connect(b.self().id()));
            int port = redirecting.redirected.getFirst().getPort();
            assertTrue(range.contains(port));
            assertEquals("the node at 127.0.0.1:" + port + " is not " + b.self().label() + ": its key is "
                    + impostor.tls.fingerprint() + ", and the master vouched for " + vouched
                    + ". Nothing was sent to it; something else answers at that port", refused.getMessage());
            await().atMost(WAIT).until(() -> impostor.ended.get() == impostor.accepted.get());
            assertTrue(impostor.accepted.get() >= 1, "the initiator met the impostor");
            assertEquals(0, impostor.received.get(), "the impostor was sent no byte through TLS: no LINK_AUTH");

            await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
            await().atMost(WAIT).until(() -> cluster.master.links().isEmpty() && b.links().isEmpty());
            assertEquals(List.of(), a.links());

            // The real acceptor, reached at last, is let through: the refusal was for the key alone.
            redirecting.off();
            try (DirectLink link = a.connect(b.self().id())) {
                assertEquals(Optional.of(vouched), link.peer().fingerprint());
                assertEquals("the real one", link.call("echo", "the real one", String.class).join());
            }
            await().atMost(WAIT).until(() -> cluster.master.stats().portsInUseCount() == 0);
        }
    }

    @Test
    void aProofIsWorthlessOnAnyOtherConnectionOrBoundToOtherKeys() throws Exception {
        // Wrong proofs are checked one after another here, not paused between.
        TestCluster cluster = closing.later(new TestCluster(TestPorts.range(1),
                master -> master.authFailureDelay(Duration.ZERO)));
        ClusterMaster master = cluster.master;
        String token = master.joinInfo().token();
        String masterKey = master.joinInfo().fingerprint().orElseThrow();

        String captured;
        try (RawClient first = new RawClient(master.address())) {
            Control.Hello hello = first.read(Control.Hello.class);
            captured = first.proof(token, hello);
            first.send(auth("first-node", captured));
            first.read(Control.AuthOk.class);
            assertEquals(List.of("first-node"), master.nodes().stream().map(NodeInfo::name).toList());
        }
        await().atMost(WAIT).until(() -> master.nodes().isEmpty());

        // The same proof on a new connection (a new nonce, and a key of its own): refused.
        try (RawClient replaying = RawClient.withKeys(master.address(), Keys.generate("replayer"))) {
            replaying.read(Control.Hello.class);
            assertRefused(replaying, auth("replaying-node", captured));
        }
        // Proofs for the right nonce, but bound to other keys than this connection's: refused too.
        String otherKey = Keys.generate("someone else").fingerprint();
        try (RawClient client = new RawClient(master.address())) {
            byte[] nonce = Secrets.fromBase64(client.read(Control.Hello.class).nonce());
            assertRefused(client, auth("other-client-key", proof(token, Secrets.bound(nonce, masterKey, otherKey))));
        }
        try (RawClient client = new RawClient(master.address())) {
            byte[] nonce = Secrets.fromBase64(client.read(Control.Hello.class).nonce());
            // As a relaying man in the middle with a key of its own would get it.
            assertRefused(client, auth("other-master-key", proof(token,
                    Secrets.bound(nonce, otherKey, client.keys().fingerprint()))));
        }
        try (RawClient client = new RawClient(master.address())) {
            byte[] nonce = Secrets.fromBase64(client.read(Control.Hello.class).nonce());
            assertRefused(client, auth("bound-to-no-key", proof(token, nonce)));
        }
        assertEquals(4, master.stats().authFailures());
        assertEquals(1, master.stats().nodesAuthenticated());
        assertEquals(List.of(), master.nodes());

        // The right proof, on its own connection, still gets in.
        try (RawClient last = new RawClient(master.address())) {
            Control.Hello hello = last.read(Control.Hello.class);
            last.send(auth("last-node", last.proof(token, hello)));
            last.read(Control.AuthOk.class);
            assertEquals(List.of("last-node"), master.nodes().stream().map(NodeInfo::name).toList());
        }
    }

    private static Control.Auth auth(String name, String proof) {
        return new Control.Auth(Control.VERSION, NodeId.random().value(), name, proof, List.of(), null, List.of());
    }

    private static String proof(String token, byte[] message) {
        return Secrets.base64(Secrets.proof(token, message));
    }

    private static void assertRefused(RawClient client, Control.Auth auth) throws IOException {
        client.send(auth);
        Control.AuthFailed failed = client.read(Control.AuthFailed.class);
        assertTrue(failed.reason().contains("refused this node's token proof"), failed.reason());
        assertNull(client.awaitClosed());
    }

    @Test
    void aRestartedMasterKeepsItsKeyInAnOwnerOnlyFileBesideItsJoinFile() throws Exception {
        Path file = dir.resolve("join.json");
        Path keyFile = dir.resolve("join.key.pem");
        MasterConfig config = MasterConfig.builder().port(0).portRange(TestPorts.range(1)).joinFile(file).build();

        String key;
        byte[] keyText;
        try (ClusterMaster first = ClusterMaster.start(config)) {
            key = first.joinInfo().fingerprint().orElseThrow();
            assertTrue(key.matches("sha256:[0-9a-f]{64}"), key);
            assertEquals(Optional.of(key), JoinFiles.read(file).fingerprint());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
            keyText = Files.readAllBytes(keyFile);
            String pem = new String(keyText, StandardCharsets.US_ASCII);
            assertTrue(pem.contains("PRIVATE KEY-----") && pem.contains("BEGIN CERTIFICATE-----"), "a PEM key pair");
            assertEquals(key, Keys.read(pem, pem, keyFile.toString()).fingerprint(), "the file holds the master's key");
            assertFalse(Files.readString(file).contains("PRIVATE"), "join.json holds no key");
            joinsFromTheFile(first, file);
        }
        Set<String> files = names(dir);
        assertTrue(files.containsAll(Set.of("join.json", "join.key.pem")), files.toString());

        try (ClusterMaster again = ClusterMaster.start(config)) {
            assertEquals(Optional.of(key), again.joinInfo().fingerprint(), "the restarted master has the same key");
            assertEquals(Optional.of(key), JoinFiles.read(file).fingerprint());
            assertArrayEquals(keyText, Files.readAllBytes(keyFile), "the key file is read, not written again");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
            joinsFromTheFile(again, file);
            assertEquals(files, names(dir), "no new file");
        }

        // Without a join file a master makes a new key at each start.
        MasterConfig fileless = MasterConfig.builder().port(0).portRange(TestPorts.range(1)).build();
        String once;
        try (ClusterMaster master = ClusterMaster.start(fileless)) {
            once = master.joinInfo().fingerprint().orElseThrow();
        }
        try (ClusterMaster master = ClusterMaster.start(fileless)) {
            assertNotEquals(once, master.joinInfo().fingerprint().orElseThrow());
            assertNotEquals(key, master.joinInfo().fingerprint().orElseThrow());
        }
    }

    private static void joinsFromTheFile(ClusterMaster master, Path file) {
        try (ClusterNode node = ClusterNode.start(NodeConfig.builder().name("n").joinFile(file).build())) {
            assertEquals(List.of(node.self()), master.nodes());
        }
    }

    private static Set<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(each -> each.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void aNodeAndAMasterThatDisagreeOnTlsFailAtOnceNamingTheSettingToChange() throws Exception {
        ClusterMaster plain = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(1)).security(Security.PLAIN).build()));
        ClusterMaster tls = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(1)).build()));
        assertEquals(Optional.empty(), plain.joinInfo().fingerprint());
        Duration patient = Duration.ofSeconds(30);

        // A TLS node, given a key to pin, meets a plain master.
        NodeConfig tlsNode = NodeConfig.builder().name("tls-node").join(plain.joinInfo())
                .masterKey(tls.joinInfo().fingerprint().orElseThrow()).connectTimeout(patient).build();
        AuthenticationException toPlain = assertTimeoutPreemptively(WAIT,
                () -> assertThrows(AuthenticationException.class, () -> ClusterNode.start(tlsNode)));
        assertTrue(toPlain.getMessage().startsWith("the master at 127.0.0.1:" + plain.address().getPort()
                + " runs plain TCP (security PLAIN), and this node TLS: "), toPlain.getMessage());
        assertTrue(toPlain.getMessage().contains("NodeConfig.security"), toPlain.getMessage());

        // A TLS node without a key to pin does not even try.
        ClusterException unpinned = assertThrows(ClusterException.class, () -> ClusterNode.start(NodeConfig.builder()
                .name("unpinned").join(plain.joinInfo()).connectTimeout(patient).build()));
        assertTrue(unpinned.getMessage().startsWith("this node does not know the fingerprint of the master's key"),
                unpinned.getMessage());

        // A plain node meets a TLS master.
        NodeConfig plainNode = NodeConfig.builder().name("plain-node").join(tls.joinInfo()).security(Security.PLAIN)
                .connectTimeout(patient).build();
        AuthenticationException toTls = assertTimeoutPreemptively(WAIT,
                () -> assertThrows(AuthenticationException.class, () -> ClusterNode.start(plainNode)));
        assertTrue(toTls.getMessage().startsWith("the master at 127.0.0.1:" + tls.address().getPort()
                + " runs TLS, and this node plain TCP (security PLAIN): "), toTls.getMessage());
        assertTrue(toTls.getMessage().contains("NodeConfig.security"), toTls.getMessage());

        assertEquals(List.of(), plain.nodes());
        assertEquals(List.of(), tls.nodes());
        await().atMost(WAIT).until(() -> plain.stats().connections() == 0 && tls.stats().connections() == 0);
        assertEquals(0, plain.stats().authFailures() + tls.stats().authFailures(), "no proof was sent either way");
    }

    @Test
    void aTlsNodeGivenThePlainMastersJoinFileRefusesItBeforeConnectingNamingTheFileAndTheSetting() throws Exception {
        Path file = dir.resolve("join.json");
        ClusterMaster plain = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(1)).joinFile(file).security(Security.PLAIN).build()));
        assertEquals(Optional.empty(), JoinFiles.read(file).fingerprint(), "a plain master writes no fingerprint");

        ClusterException refused = assertThrows(ClusterException.class,
                () -> ClusterNode.start(NodeConfig.builder().name("tls-node").joinFile(file).build()));
        assertEquals("the join file " + file.toAbsolutePath() + " names no fingerprint of the master's key, so this"
                + " node cannot tell the master from an impostor: it was written by a master running with security"
                + " PLAIN. Run the master with TLS (the default), or run this node with security PLAIN"
                + " (NodeConfig.security, --insecure, cpcluster.security=plain) too", refused.getMessage());
        assertEquals(List.of(), plain.nodes());
        assertEquals(0, plain.stats().connections() + plain.stats().authFailures(), "the node never dialled it");

        // The same file lets in a node set to plain, as the message says: only the setting was wrong.
        ClusterNode node = closing.later(ClusterNode.start(NodeConfig.builder().name("plain-node").joinFile(file)
                .security(Security.PLAIN).build()));
        assertEquals(List.of(node.self()), plain.nodes());
    }

    @Test
    void aPlainAuthOfAnOlderVersionGetsAPlainErrorFromATlsMasterAndOtherPlainFramesAnotherOne() throws Exception {
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(1)).build()));
        Control.Fault old = plainAfterHello(master, new Control.Auth(2, "old-node", "old-node",
                Secrets.base64(new byte[32]), List.of(), null, List.of()));
        assertEquals(Control.Fault.UNSUPPORTED_VERSION, old.code());
        assertTrue(old.message().startsWith("this master speaks protocol version " + Control.VERSION
                + " (with TLS), the node 2: run the same CPCluster version on both"), old.message());

        Control.Fault current = plainAfterHello(master, new Control.Auth(Control.VERSION, "plain-node", "plain-node",
                Secrets.base64(new byte[32]), List.of(), null, List.of()));
        assertEquals(Control.Fault.SECURITY, current.code());
        assertTrue(current.message().startsWith("this master runs TLS (security TLS, the default), and the node sent"
                + " plain TCP"), current.message());
        assertEquals(List.of(), master.nodes());
        assertEquals(0, master.stats().authFailures());
    }

    /**
     * Connects in plain TCP, reads the HELLO (which says tls), answers with a plain frame as an
     * older or a plain node would, and returns the master's plain answer, after which it closes.
     */
    private static Control.Fault plainAfterHello(ClusterMaster master, Control sent) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), master.address().getPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            FrameInput input = new FrameInput(socket.getInputStream());
            Control.Hello hello = ControlCodec.decode(input.readFrame(65536), Control.Hello.class, "first");
            assertEquals(Control.TLS, hello.security());
            assertEquals(Control.VERSION, hello.version());
            new FrameOutput(socket.getOutputStream()).write(ControlCodec.encode(sent));
            Control answer = ControlCodec.decode(input.readFrame(65536));
            assertNull(input.readFrame(65536), "the master closes after its answer");
            return assertInstanceOf(Control.Fault.class, answer);
        }
    }

    @Test
    void aNodeGivenItsOwnKeyPairIsKnownByItAtTheMasterAndAtItsPeers() throws Exception {
        Keys.Pair own = Keys.generate("my node");
        Path pem = TestTokens.writePrivate(dir.resolve("node.pem"), Keys.pem(own));
        TestCluster cluster = closing.later(new TestCluster(TestPorts.range(2), master -> master));
        ClusterNode peer = cluster.node("peer", b -> b.handle("echo", String.class, s -> s));
        ClusterNode owner = cluster.node("owner", b -> b.keyFiles(new KeyFiles(pem, pem))
                .handle("echo", String.class, s -> s));
        Optional<String> fingerprint = Optional.of(own.fingerprint());

        assertEquals(fingerprint, owner.self().fingerprint());
        assertEquals(fingerprint, cluster.master.nodes().stream().filter(n -> n.id().equals(owner.self().id()))
                .findFirst().orElseThrow().fingerprint());
        NodeInfo seen = TestCluster.await(() -> peer.nodes().stream().filter(n -> n.id().equals(owner.self().id()))
                .findFirst().orElse(null));
        assertEquals(fingerprint, seen.fingerprint());
        assertNotEquals(fingerprint, peer.self().fingerprint(), "the other node made a key of its own");

        // Its peers pin that key on links, whichever side opens them.
        try (DirectLink toOwner = peer.connect(owner.self().id())) {
            assertEquals(fingerprint, toOwner.peer().fingerprint());
            assertEquals("to the owner", toOwner.call("echo", "to the owner", String.class).join());
        }
        try (DirectLink fromOwner = owner.connect(peer.self().id())) {
            assertEquals(peer.self().fingerprint(), fromOwner.peer().fingerprint());
            DirectLink accepted = TestCluster.await(() -> peer.link(fromOwner.id()).orElse(null));
            assertEquals(fingerprint, accepted.peer().fingerprint());
            assertEquals("from the owner", fromOwner.call("echo", "from the owner", String.class).join());
        }
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    /**
     * TCP, but connections to the link ports of a range go to another address while it is on,
     * which it records.
     */
    private static final class Redirecting implements Transport {
        private final TcpTransport tcp = new TcpTransport();
        private final PortRange range;
        private final InetSocketAddress elsewhere;
        private volatile boolean on = true;
        final List<InetSocketAddress> redirected = new CopyOnWriteArrayList<>();

        Redirecting(PortRange range, InetSocketAddress elsewhere) {
            this.range = range;
            this.elsewhere = elsewhere;
        }

        void off() {
            on = false;
        }

        @Override
        public String name() {
            return "redirecting-tcp";
        }

        @Override
        public Listener listen(InetSocketAddress address) throws IOException {
            return tcp.listen(address);
        }

        @Override
        public Connection connect(InetSocketAddress address, Duration timeout) throws IOException {
            if (on && range.contains(address.getPort())) {
                redirected.add(address);
                return tcp.connect(elsewhere, timeout);
            }
            return tcp.connect(address, timeout);
        }
    }

    /**
     * A TLS server with a key of its own, as a node's acceptor would be (TLS from the first byte):
     * it completes the handshake on every connection and counts the bytes it is then sent.
     */
    private static final class ImpostorServer implements AutoCloseable {
        final Tls tls = new Tls(Keys.generate("impostor"));
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicLong received = new AtomicLong();
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        ImpostorServer() throws IOException {
            Thread.ofVirtual().name("impostor-accept").start(this::accept);
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    sockets.add(socket);
                    accepted.incrementAndGet();
                    Thread.ofVirtual().start(() -> serve(socket));
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void serve(Socket socket) {
            try {
                socket.setSoTimeout((int) WAIT.toMillis());
                SSLSocket secured = (SSLSocket) tls.socketFactory().createSocket(socket,
                        new ByteArrayInputStream(new byte[0]), true);
                secured.startHandshake();
                InputStream in = secured.getInputStream();
                byte[] buffer = new byte[4096];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    received.addAndGet(n);
                }
            } catch (IOException e) {
                // the initiator went away, as it should
            } finally {
                ended.incrementAndGet();
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
