package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.KeyFiles;
import io.cpcluster.LinkClosedException;
import io.cpcluster.LinkOverloadedException;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterReconnected;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeLeft;
import io.cpcluster.NodeStats;
import io.cpcluster.RemoteTaskException;
import io.cpcluster.SubmitOptions;
import io.cpcluster.core.tls.Keys;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.Secrets;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Heartbeats, eviction, reconnection, retries, backpressure and graceful close, in one JVM. */
class LivenessTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final Closing closing = new Closing();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        closing.closeAll();
    }

    /** A master on a free port with link ports of its own, closed after the test. */
    private ClusterMaster master() {
        return closing.later(ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(4)).build()));
    }

    private static NodeConfig.Builder quick(String name, ClusterMaster master) {
        return NodeConfig.builder().name(name).join(master.joinInfo())
                .heartbeat(Duration.ofMillis(100), Duration.ofMillis(1000))
                .linkHeartbeat(Duration.ofMillis(100), Duration.ofMillis(1000))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    @Test
    void theMasterDropsANodeItStopsHearingFromAndTellsItsPeers() throws Exception {
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(4)).heartbeatTimeout(Duration.ofMillis(500)).build()));
        ClusterNode a = closing.later(ClusterNode.start(quick("a", master).build()));
        List<NodeLeft> left = new CopyOnWriteArrayList<>();
        a.subscribe(ClusterListener.of(event -> {
            if (event instanceof NodeLeft e) {
                left.add(e);
            }
        }));
        try (RawClient silent = new RawClient(master.address())) {
            Control.Hello hello = silent.read(Control.Hello.class);
            silent.send(new Control.Auth(Control.VERSION, "silent", "silent", silent.proof(master.joinInfo().token(),
                    hello), List.of(), null, List.of()));
            silent.read(Control.AuthOk.class);
            await().atMost(WAIT).until(() -> a.nodes().size() == 2);
            // It says nothing more: the master drops it after its heartbeat timeout.
            await().atMost(WAIT).until(() -> master.nodes().size() == 1);
            await().atMost(WAIT).until(() -> left.size() == 1);
            assertTrue(left.getFirst().reason().contains("heartbeat timeout"), left.getFirst().reason());
            silent.awaitClosed();
        }
        assertEquals(List.of("a"), master.nodes().stream().map(NodeInfo::name).toList());
    }

    @Test
    void aNodeTakesASilentMasterForLostAndReconnects() throws Exception {
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String token = Secrets.newSecret();
            Tls tls = new Tls(Keys.generate("mute master"));
            Thread.ofVirtual().start(() -> answerThenSayNothing(mute, tls));
            List<MasterLost> lost = new CopyOnWriteArrayList<>();
            ClusterNode node = closing.later(ClusterNode.start(NodeConfig.builder().name("n")
                    .master("127.0.0.1", mute.getLocalPort()).token(token).masterKey(tls.fingerprint())
                    .heartbeat(Duration.ofMillis(100), Duration.ofMillis(500))
                    .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(100)).build()));
            List<MasterReconnected> back = new CopyOnWriteArrayList<>();
            node.subscribe(ClusterListener.of(event -> {
                if (event instanceof MasterLost e) {
                    lost.add(e);
                } else if (event instanceof MasterReconnected e) {
                    back.add(e);
                }
            }));
            await().atMost(WAIT).until(() -> !lost.isEmpty());
            assertTrue(lost.getFirst().reason().contains("no word from the master"), lost.getFirst().reason());
            // It connects again, the "master" answers again: the node is back.
            await().atMost(WAIT).until(() -> !back.isEmpty());
            assertEquals(mute.getLocalPort(), back.getFirst().master().getPort());
        }
    }

    /** A "master" (with TLS, and a key of its own) that lets nodes join, then never says another word. */
    private static void answerThenSayNothing(ServerSocket server, Tls tls) {
        List<Socket> held = new ArrayList<>();
        try {
            while (true) {
                Socket socket = server.accept();
                held.add(socket);
                join(socket, tls);
            }
        } catch (IOException e) {
            // the test is over
        } finally {
            held.forEach(socket -> {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing
                }
            });
        }
    }

    /** A node's connection to a fake master, after the join. */
    private record Joined(FrameInput in, FrameOutput out) {
    }

    /** Plays a master (with TLS, and a key of its own) on an accepted connection, up to the node list. */
    private static Joined join(Socket socket, Tls tls) throws IOException {
        byte[] nonce = Secrets.newNonce();
        new FrameOutput(socket.getOutputStream()).write(ControlCodec.encode(new Control.Hello(Control.VERSION,
                Secrets.base64(nonce), Control.TLS)));
        SSLSocket secured = (SSLSocket) tls.socketFactory().createSocket(socket,
                new ByteArrayInputStream(new byte[0]), true);
        secured.startHandshake();
        FrameOutput out = new FrameOutput(secured.getOutputStream());
        FrameInput in = new FrameInput(secured.getInputStream());
        Control.Auth auth = ControlCodec.decode(in.readFrame(65536), Control.Auth.class, "test");
        Control.WireNode node = new Control.WireNode(auth.nodeId(), auth.name(), "127.0.0.1", List.of(), 0,
                Tls.peerFingerprint(secured.getSession()));
        out.write(ControlCodec.encode(new Control.AuthOk(Control.VERSION, node, 60_000)));
        out.write(ControlCodec.encode(new Control.NodeList(List.of(), false)));
        return new Joined(in, out);
    }

    /**
     * A master at rest answers only the PINGs that ask: a node asks when the master has been quiet
     * for a quarter of its heartbeat timeout (or would be for half of it by the next PING), and so
     * keeps a master that answers nothing else.
     */
    @Test
    void aNodeAsksForAnAnswerOnlyWhenTheMasterWasQuietForAQuarterOfItsTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String token = Secrets.newSecret();
            Tls tls = new Tls(Keys.generate("terse master"));
            // Each PING's answer flag, and how long the fake master had been quiet when it came.
            List<Boolean> asked = new CopyOnWriteArrayList<>();
            List<Long> quietMillis = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> answerWhenAsked(server, tls, asked, quietMillis));
            List<MasterLost> lost = new CopyOnWriteArrayList<>();
            ClusterNode node = closing.later(ClusterNode.start(NodeConfig.builder().name("n")
                    .master("127.0.0.1", server.getLocalPort()).token(token).masterKey(tls.fingerprint())
                    .heartbeat(Duration.ofMillis(100), Duration.ofMillis(1000)).build()));
            node.subscribe(ClusterListener.of(event -> {
                if (event instanceof MasterLost e) {
                    lost.add(e);
                }
            }));
            await().atMost(WAIT).until(() -> asked.stream().filter(a -> !a).count() >= 5
                    && asked.stream().filter(a -> a).count() >= 3);
            assertEquals(List.of(), lost, "the node kept a master that answered only when asked");
            for (int i = 0; i < asked.size(); i++) {
                // The node heard the last answer after the fake sent it: its silence is no longer
                // than the fake's, so a PING that asked came after at least a quarter of 1,000 ms.
                if (asked.get(i)) {
                    assertTrue(quietMillis.get(i) >= 250, "PING " + i + " asked after " + quietMillis.get(i) + " ms");
                }
            }
        }
    }

    @Test
    void theMasterAnswersOnlyThePingsThatAskAndCountsEachAsASignOfLife() throws Exception {
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(4)).heartbeatTimeout(Duration.ofMillis(1000)).build()));
        try (RawClient raw = new RawClient(master.address())) {
            raw.join(master.joinInfo().token(), "raw", List.of(), null, List.of());
            // Unanswered PINGs, every 100 ms for twice the master's timeout: the node stays.
            ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger time = new AtomicInteger();
            try {
                pinger.scheduleAtFixedRate(() -> {
                    try {
                        raw.send(new Control.Ping(time.incrementAndGet(), false));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);
                await().during(Duration.ofMillis(2000)).atMost(WAIT).until(() -> master.nodes().size() == 1);
            } finally {
                pinger.shutdownNow();
                assertTrue(pinger.awaitTermination(10, TimeUnit.SECONDS));
            }
            assertTrue(time.get() >= 10, "pinged " + time.get() + " times");
            raw.send(new Control.Ping(-1, true));
            Control next = raw.read();
            while (next instanceof Control.Members) {
                next = raw.read();
            }
            assertEquals(new Control.Pong(-1), next, "the first answer is to the first PING that asked");
        }
    }

    /** A master that joins a node, then answers each PING that asks for an answer, and says nothing else. */
    private static void answerWhenAsked(ServerSocket server, Tls tls, List<Boolean> asked, List<Long> quietMillis) {
        try (Socket socket = server.accept()) {
            Joined joined = join(socket, tls);
            long lastSent = System.nanoTime();
            while (true) {
                byte[] frame = joined.in().readFrame(65536);
                if (frame == null) {
                    return; // the node closed: the test is over
                }
                Control.Ping ping = ControlCodec.decode(frame, Control.Ping.class, "test");
                quietMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastSent));
                asked.add(ping.answer());
                if (ping.answer()) {
                    joined.out().write(ControlCodec.encode(new Control.Pong(ping.time())));
                    lastSent = System.nanoTime();
                }
            }
        } catch (IOException e) {
            // the test is over
        }
    }

    @Test
    void aRestartedMasterRebuildsItsPortBookFromTheLinksNodesReport() {
        Path join = dir.resolve("join.json");
        MasterConfig config = MasterConfig.builder().port(0).portRange(TestPorts.range(6)).joinFile(join)
                .rejoinGrace(Duration.ofMillis(800)).build();
        ClusterMaster first = ClusterMaster.start(config);
        int port = first.address().getPort();
        ClusterNode a = closing.later(ClusterNode.start(quick("a", first).joinFile(join).build()));
        ClusterNode b = closing.later(ClusterNode.start(quick("b", first)
                .handle("echo", String.class, s -> s).build()));
        ClusterNode c = closing.later(ClusterNode.start(quick("c", first).build()));
        List<Object> seenByA = new CopyOnWriteArrayList<>();
        a.subscribe(ClusterListener.of(seenByA::add));
        DirectLink link = a.connect(b.self().id());
        await().atMost(WAIT).until(() -> first.links().size() == 1);
        Set<Integer> used = first.stats().portsInUse().get("127.0.0.1");

        first.close();
        await().atMost(WAIT).until(() -> seenByA.stream().anyMatch(e -> e instanceof MasterLost));
        assertEquals("still here", link.call("echo", "still here", String.class).join());

        ClusterMaster second = closing.later(ClusterMaster.start(config.toBuilder().port(port).build()));
        assertEquals(first.joinInfo().token(), second.joinInfo().token(), "the token is kept");
        await().atMost(WAIT).until(() -> seenByA.stream().anyMatch(e -> e instanceof MasterReconnected));
        await().atMost(WAIT).until(() -> second.nodes().size() == 3);
        await().atMost(WAIT).until(() -> second.links().size() == 1);
        assertEquals(link.id(), second.links().getFirst().id());
        assertEquals(used, second.stats().portsInUse().get("127.0.0.1"), "the port book is the set of open links");

        // New links are brokered (after the grace) on other ports: none is handed out twice.
        try (DirectLink fresh = c.connect(b.self().id())) {
            assertTrue(!used.contains(fresh.port()), "port " + fresh.port() + " was in use");
            assertEquals("new", fresh.call("echo", "new", String.class).join());
        }
        link.close();
        await().atMost(WAIT).until(() -> second.stats().portsInUseCount() == 0);
    }

    @Test
    void aNodeThatLosesItsMasterRejoinsTheNextOneInItsList() throws Exception {
        String token = Secrets.newSecret();
        // Masters a node may move between share their key, as they share the token.
        Keys.Pair shared = Keys.generate("shared master key");
        String pem = Keys.pem(shared);
        KeyFiles keyFiles = new KeyFiles(TestTokens.writePrivate(dir.resolve("master.key.pem"), pem),
                TestTokens.writePrivate(dir.resolve("master.crt.pem"), pem));
        MasterConfig config = MasterConfig.builder().port(0).portRange(TestPorts.range(4)).token(token)
                .keyFiles(keyFiles).build();
        ClusterMaster first = ClusterMaster.start(config);
        ClusterMaster second = closing.later(ClusterMaster.start(config));
        assertEquals(first.joinInfo().fingerprint(), second.joinInfo().fingerprint());
        ClusterNode node = closing.later(ClusterNode.start(NodeConfig.builder().name("n").token(token)
                .masterKey(shared.fingerprint())
                .master("127.0.0.1", first.address().getPort()).master("127.0.0.1", second.address().getPort())
                .heartbeat(Duration.ofMillis(100), Duration.ofMillis(1000))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200)).build()));
        List<MasterReconnected> back = new CopyOnWriteArrayList<>();
        node.subscribe(ClusterListener.of(event -> {
            if (event instanceof MasterReconnected e) {
                back.add(e);
            }
        }));
        await().atMost(WAIT).until(() -> first.nodes().size() == 1);
        assertEquals(0, second.nodes().size(), "the node joined the first master in its list");

        first.close();
        await().atMost(WAIT).until(() -> !back.isEmpty());
        assertEquals(second.address().getPort(), back.getFirst().master().getPort());
        await().atMost(WAIT).until(() -> second.nodes().size() == 1);
        assertEquals(node.self().id(), second.nodes().getFirst().id());
    }

    @Test
    void aTaskThatIsNotIdempotentIsNotRetriedWhenItsLinkDies() throws Exception {
        ClusterMaster master = master();
        CountDownLatch taken = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        ClusterNode stuck = ClusterNode.start(quick("stuck", master).closeTimeout(Duration.ofMillis(100))
                .handle("charge", Integer.class, x -> {
                    runs.incrementAndGet();
                    taken.countDown();
                    never.await();
                    return x;
                }).build());
        ClusterNode spare = closing.later(ClusterNode.start(quick("spare", master).build()));
        ClusterNode client = closing.later(ClusterNode.start(quick("client", master).build()));
        await().atMost(WAIT).until(() -> client.nodes().size() == 3);

        CompletableFuture<Integer> charged = client.submit("charge", 7, Integer.class, SubmitOptions.NOT_IDEMPOTENT);
        assertTrue(taken.await(10, TimeUnit.SECONDS));
        spare.handle("charge", Integer.class, x -> runs.incrementAndGet());
        await().atMost(WAIT).until(() -> client.nodes().stream().anyMatch(n -> n.name().equals("spare")
                && n.serves("charge")));
        stuck.close();
        never.countDown();

        CompletionException failure = assertThrows(CompletionException.class, charged::join);
        LinkClosedException closed = assertInstanceOf(LinkClosedException.class, failure.getCause());
        assertTrue(closed.getMessage().contains("is not idempotent, so it was not tried on another node"),
                closed.getMessage());
        assertTrue(closed.getMessage().contains("may or may not have run on stuck"), closed.getMessage());
        assertEquals(1, runs.get(), "the task ran once, on the node that died");
    }

    @Test
    void aFullLinkQueuesCallsWithoutBlockingRefusesWhatItCannotHoldAndThePeerNeverRunsMoreThanTheBound()
            throws Exception {
        ClusterMaster master = master();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ClusterNode server = closing.later(ClusterNode.start(quick("server", master).maxCallsInFlight(4)
                .handle("slow", Integer.class, x -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    release.await();
                    running.decrementAndGet();
                    return x;
                }).build()));
        ClusterNode client = closing.later(ClusterNode.start(quick("client", master).maxCallsInFlight(4).build()));
        DirectLink link = client.connect(server.self().id());
        // Four calls take the link's four slots, four more wait for room: call() returns at once.
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(link.call("slow", i, Integer.class));
        }
        await().atMost(WAIT).until(() -> running.get() == 4);
        assertEquals(new NodeStats(1, 4, 4, 0, 0, 0, 0, 0, 0, 0), client.stats());
        // A ninth has nowhere to wait: refused at once, nothing sent.
        CompletionException refused = assertThrows(CompletionException.class,
                () -> link.call("slow", 8, Integer.class).join());
        assertInstanceOf(LinkOverloadedException.class, refused.getCause());
        // invoke() waits for room instead, on its own thread.
        CompletableFuture<Integer> invoked = CompletableFuture.supplyAsync(() -> link.invoke("slow", 9, Integer.class),
                runnable -> Thread.ofVirtual().start(runnable));
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> !invoked.isDone() && running.get() == 4);
        release.countDown();
        for (int i = 0; i < 8; i++) {
            assertEquals(i, calls.get(i).get(10, TimeUnit.SECONDS));
        }
        assertEquals(9, invoked.get(10, TimeUnit.SECONDS));
        assertEquals(4, most.get(), "the server never ran more than its bound");
        await().atMost(WAIT).until(() -> client.stats().callsInFlight() == 0 && client.stats().callsWaiting() == 0);
    }

    @Test
    void anIdleLinkIsKeptAliveAtItsOwnIntervalWhateverTheMasterHeartbeat() {
        ClusterMaster master = master();
        // The master heartbeat stays at its default second; the link's timeout is far shorter.
        NodeConfig.Builder config = NodeConfig.builder().join(master.joinInfo())
                .linkHeartbeat(Duration.ofMillis(50), Duration.ofMillis(300));
        ClusterNode a = closing.later(ClusterNode.start(config.name("a").build()));
        ClusterNode b = closing.later(ClusterNode.start(config.name("b").build()));
        DirectLink link = a.connect(b.self().id());
        await().during(Duration.ofMillis(1500)).atMost(WAIT).until(() -> link.isOpen()
                && b.links().stream().allMatch(DirectLink::isOpen));
        assertEquals(1, master.links().size());
    }

    @Test
    void aBusyServerHoldsItsCallerBackWithoutEitherTakingTheOtherForDead() throws Exception {
        ClusterMaster master = master();
        CountDownLatch release = new CountDownLatch(1);
        ClusterNode server = closing.later(ClusterNode.start(quick("server", master).maxCallsInFlight(1)
                .linkHeartbeat(Duration.ofMillis(50), Duration.ofMillis(300))
                .handle("slow", Integer.class, x -> {
                    release.await();
                    return x;
                }).build()));
        ClusterNode client = closing.later(ClusterNode.start(quick("client", master)
                .linkHeartbeat(Duration.ofMillis(50), Duration.ofMillis(300)).build()));
        DirectLink link = client.connect(server.self().id());
        List<CompletableFuture<Integer>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(link.call("slow", i, Integer.class));
        }
        // The server runs one call at a time and said so: the client keeps the other two waiting
        // for room, and for several link timeouts both ends keep the link.
        await().atMost(WAIT).until(client::stats, org.hamcrest.Matchers.equalTo(new NodeStats(1, 1, 2, 0, 0, 0, 0, 0, 0, 0)));
        await().during(Duration.ofMillis(1200)).atMost(WAIT).until(() -> link.isOpen()
                && server.links().stream().allMatch(DirectLink::isOpen));
        release.countDown();
        for (int i = 0; i < 3; i++) {
            assertEquals(i, calls.get(i).get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void closeLetsCallsInFlightFinishBeforeItClosesTheLinks() throws Exception {
        ClusterMaster master = master();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        ClusterNode server = ClusterNode.start(quick("server", master).closeTimeout(Duration.ofSeconds(10))
                .handle("work", Integer.class, x -> {
                    started.countDown();
                    proceed.await();
                    return x * 2;
                }).build());
        ClusterNode client = closing.later(ClusterNode.start(quick("client", master).build()));
        DirectLink link = client.connect(server.self().id());
        CompletableFuture<Integer> inFlight = link.call("work", 21, Integer.class);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Thread closer = Thread.ofPlatform().start(server::close);
        // close() has begun once the server refuses new calls; the one in flight goes on.
        await().atMost(WAIT).until(() -> link.call("probe", 0, Integer.class).handle((value, error) ->
                error instanceof RemoteTaskException remote
                        && remote.remoteMessage().contains("is closing and takes no new calls")).join());
        assertFalse(inFlight.isDone(), "the call in flight is still running");
        proceed.countDown();
        assertEquals(42, inFlight.get(10, TimeUnit.SECONDS), "the call in flight finished");
        closer.join(10_000);
        await().atMost(WAIT).until(() -> !link.isOpen());
        await().atMost(WAIT).until(() -> master.nodes().size() == 1 && master.stats().portsInUseCount() == 0);
    }
}
