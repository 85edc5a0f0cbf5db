package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeLeft;
import io.cpcluster.ProtocolException;
import io.cpcluster.QuotaExceededException;
import io.cpcluster.core.wire.Bytes;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, item 5: a token holder is held to its own share. Link requests, links, task lists and
 * task updates are bounded per node at the master, and whatever one node does within or past
 * them, the others still link, stay joined, and hear the news.
 */
class PerNodeQuotasTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final Closing closing = new Closing();
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void close() throws Exception {
        pinger.shutdownNow();
        closing.closeAll();
    }

    private ClusterMaster master(UnaryOperator<MasterConfig.Builder> settings) {
        return closing.later(ClusterMaster.start(settings.apply(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(30))).build()));
    }

    private ClusterNode node(ClusterMaster master, String name, List<ClusterEvent> events) {
        ClusterNode node = closing.later(ClusterNode.start(NodeConfig.builder().name(name).join(master.joinInfo())
                .handle("echo", String.class, s -> s).build()));
        node.subscribe(ClusterListener.of(events::add));
        return node;
    }

    private ClusterNode node(ClusterMaster master, String name) {
        return node(master, name, new CopyOnWriteArrayList<>());
    }

    private RawClient raw(ClusterMaster master) throws IOException {
        return closing.later(new RawClient(master.address()));
    }

    /** Sends {@code count} LINK_REQUESTs to a target in one write, numbered from {@code first}. */
    private static void burst(RawClient client, long first, int count, String target) throws IOException {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            byte[] body = ControlCodec.encode(new Control.LinkRequest(first + i, target));
            byte[] length = new byte[4];
            Bytes.putInt(length, 0, body.length);
            frames.writeBytes(length);
            frames.writeBytes(body);
        }
        client.sendRaw(frames.toByteArray());
    }

    /** Reads until {@code count} answers to link requests came, counting them by code (LINK_ASSIGNED as "ASSIGNED"). */
    private static void answers(RawClient client, int count, Map<String, Integer> codes, Map<String, String> messages)
            throws IOException {
        for (int answered = 0; answered < count; ) {
            switch (client.read()) {
                case Control.LinkAssigned assigned -> {
                    codes.merge("ASSIGNED", 1, Integer::sum);
                    answered++;
                }
                case Control.LinkRejected rejected -> {
                    codes.merge(rejected.code(), 1, Integer::sum);
                    messages.put(rejected.code(), rejected.message());
                    answered++;
                }
                case null -> throw new AssertionError("the master closed the spammer's connection");
                default -> {
                    // news, and links the master closed: not answers
                }
            }
        }
    }

    /**
     * Sends bursts of 50 requests for links to a target, reading their answers, until the master
     * says the spammer holds as many links as it may.
     *
     * @return the last request id used
     */
    private static long spam(RawClient spammer, long sent, ClusterNode target, Map<String, Integer> codes,
                             Map<String, String> messages) throws IOException {
        long last = sent;
        while (!codes.containsKey(Control.LinkRejected.TOO_MANY_LINKS) && last < sent + 5000) {
            burst(spammer, last + 1, 50, target.self().id().value());
            answers(spammer, 50, codes, messages);
            last += 50;
        }
        return last;
    }

    @Test
    void aNodeSpammingLinkRequestsCannotExhaustAnotherNodesPorts() throws Exception {
        ClusterMaster master = master(b -> b.maxLinkRequestsPerNode(4).maxLinksPerNode(10)
                .ticketTimeout(Duration.ofSeconds(3)).heartbeatTimeout(Duration.ofSeconds(30)));
        ClusterNode victim = node(master, "victim");
        ClusterNode other = node(master, "other");
        String token = master.joinInfo().token();
        // A node that takes offers and never answers them: requests to it stay unanswered.
        RawClient mute = raw(master);
        mute.join(token, "mute", List.of(), null, List.of());
        RawClient spammer = raw(master);
        spammer.join(token, "spammer", List.of(), null, List.of());
        Map<String, Integer> codes = new HashMap<>();
        Map<String, String> messages = new HashMap<>();

        // 40 requests to the mute node at once: 4 wait for it, the rest are refused at once.
        burst(spammer, 1, 40, "mute");
        answers(spammer, 36, codes, messages);
        assertEquals(Map.of(Control.LinkRejected.TOO_MANY_REQUESTS, 36), codes);
        assertTrue(messages.get(Control.LinkRejected.TOO_MANY_REQUESTS)
                .contains("already has 4 link requests the master has not answered"), messages.toString());
        assertTrue(messages.get(Control.LinkRejected.TOO_MANY_REQUESTS).contains("MasterConfig.maxLinkRequestsPerNode"),
                messages.toString());
        // The mute node leaves: the four are answered, their ports come back.
        mute.close();
        answers(spammer, 4, codes, messages);
        assertEquals(4, codes.get(Control.LinkRejected.PEER_UNAVAILABLE));
        await().atMost(WAIT).until(() -> master.stats().portsInUseCount() == 0);

        // Now the victim, which answers every offer, as fast as the spammer can ask: it never
        // gets more than 10 links (the victim 10 listening ports), however long it goes on. (Its
        // tickets last 3 s, longer than this takes: no link expires meanwhile to make room.)
        codes.clear();
        long sent = spam(spammer, 40, victim, codes, messages);
        assertEquals(10, codes.get("ASSIGNED"), codes.toString());
        assertTrue(messages.get(Control.LinkRejected.TOO_MANY_LINKS).contains("already holds 10 links it opened"),
                messages.toString());
        assertTrue(messages.get(Control.LinkRejected.TOO_MANY_LINKS).contains("MasterConfig.maxLinksPerNode"),
                messages.toString());
        assertEquals(10, master.stats().portsInUseCount(), "the spammer's links hold 10 of the 30 ports");

        // Everyone else still links to the victim.
        try (DirectLink link = other.connect(victim.self().id())) {
            assertEquals("still here", link.call("echo", "still here", String.class).join());
            assertEquals(11, master.stats().portsInUseCount());
        }
        // The spammer never dials: the victim's tickets expire and every port comes back.
        await().atMost(WAIT).until(() -> master.stats().portsInUseCount() == 0 && master.stats().pendingLinks() == 0);
        // Its quota is whole again, no more, no less: it gets exactly 10 links again.
        codes.clear();
        sent = spam(spammer, sent, victim, codes, messages);
        assertEquals(10, codes.get("ASSIGNED"), codes.toString());
        assertEquals(0, master.stats().protocolErrors(), "refusing requests is no protocol error");
        assertEquals(3, master.nodes().size(), "the victim, the other and the spammer are all still joined");
    }

    @Test
    void aNodeOverItsQuotasGetsQuotaExceededExceptionsAndOthersStillLink() {
        ClusterMaster master = master(b -> b.maxLinkRequestsPerNode(4).maxLinksPerNode(10));
        ClusterNode victim = node(master, "victim");
        ClusterNode greedy = node(master, "greedy");
        ClusterNode other = node(master, "other");

        List<CompletableFuture<DirectLink>> asked = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            asked.add(greedy.connectAsync(victim.self().id()));
        }
        int opened = 0;
        int refused = 0;
        for (CompletableFuture<DirectLink> link : asked) {
            try {
                link.join();
                opened++;
            } catch (CompletionException e) {
                QuotaExceededException quota = assertInstanceOf(QuotaExceededException.class, e.getCause());
                assertTrue(quota.getMessage().contains("the master refused a link to victim"), quota.getMessage());
                assertTrue(quota.getMessage().contains("MasterConfig.maxLinkRequestsPerNode")
                        || quota.getMessage().contains("MasterConfig.maxLinksPerNode"), quota.getMessage());
                refused++;
            }
        }
        assertTrue(opened >= 1 && opened <= 10, opened + " links opened");
        assertEquals(40 - opened, refused);
        int open = opened;
        await().atMost(WAIT).until(() -> master.stats().openLinks() == open);
        try (DirectLink link = other.connect(victim.self().id())) {
            assertEquals("fine", link.call("echo", "fine", String.class).join());
        }
    }

    @Test
    void anAuthOrTasksPastTheLimitsIsAProtocolErrorAndTheMasterKeepsServing() throws Exception {
        ClusterMaster master = master(b -> b.maxTasksPerNode(130).maxLinksPerNode(3)
                .portRange(TestPorts.range(4)));
        ClusterNode a = node(master, "a");
        ClusterNode b = node(master, "b");
        String token = master.joinInfo().token();
        List<String> tooMany = names(131, 8);
        List<String> tooLong = names(128, 255);
        List<Control.LinkClaim> opened = claims("x", true, 4);
        List<Control.LinkClaim> accepted = claims("x", false, 5);
        List<Control.LinkClaim> twice = List.of(claims("x", true, 1).getFirst(), claims("x", true, 1).getFirst());

        assertRefused(master, token, tooMany, List.of(), "AUTH lists 131 task names, more than the 130 one node may"
                + " serve on this master (MasterConfig.maxTasksPerNode)");
        assertRefused(master, token, tooLong, List.of(), "AUTH's task names take 33025 bytes as JSON, more than the"
                + " 32768 one node's may take");
        assertRefused(master, token, List.of(), opened, "AUTH reports 4 links this node opened, more than the 3 one"
                + " node may hold (MasterConfig.maxLinksPerNode)");
        assertRefused(master, token, List.of(), accepted, "AUTH reports 5 links this node accepted, more than the 4"
                + " ports of the master's range (MasterConfig.portRange)");
        assertRefused(master, token, List.of(), twice, "is reported twice");
        try (RawClient joined = new RawClient(master.address())) {
            joined.join(token, "x", List.of("fine"), null, List.of());
            await().atMost(WAIT).until(() -> a.nodes().size() == 3);
            joined.send(new Control.Tasks(tooMany));
            Control.Fault fault = assertInstanceOf(Control.Fault.class, joined.awaitClosed());
            assertTrue(fault.message().contains("TASKS lists 131 task names, more than the 130"), fault.message());
        }

        await().atMost(WAIT).until(() -> a.nodes().size() == 2 && master.stats().connections() == 2);
        assertEquals(6, master.stats().protocolErrors());
        try (DirectLink link = a.connect(b.self().id())) {
            assertEquals("served", link.call("echo", "served", String.class).join());
        }
        ClusterNode late = node(master, "late");
        assertEquals(3, late.nodes().size());
    }

    @Test
    void aJavaNodePastTheTaskLimitsIsToldSo() {
        ClusterMaster strict = master(b -> b.maxTasksPerNode(3));
        NodeConfig.Builder four = NodeConfig.builder().name("four").join(strict.joinInfo());
        for (int i = 0; i < 4; i++) {
            four.handle("task-" + i, String.class, s -> s);
        }
        ProtocolException refused = assertThrows(ProtocolException.class, () -> ClusterNode.start(four.build()));
        assertTrue(refused.getMessage().contains("AUTH lists 4 task names, more than the 3 one node may serve on this"
                + " master (MasterConfig.maxTasksPerNode)"), refused.getMessage());

        // The bound in bytes is the protocol's: handle() checks it before anything is sent.
        ClusterMaster master = master(b -> b);
        ClusterNode node = node(master, "node");
        List<String> names = names(127, 255);
        for (String name : names.subList(0, 126)) {
            node.handle(name, String.class, s -> s);
        }
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> node.handle(names.getLast(), String.class, s -> s));
        assertTrue(tooMany.getMessage().contains("128 task names would take 32774 bytes as JSON, more than the 32768"
                + " a master accepts from one node"), tooMany.getMessage());
        await().atMost(WAIT).until(() -> master.nodes().getFirst().tasks().size() == 127);
        assertEquals(0, master.stats().protocolErrors());
    }

    private static void assertRefused(ClusterMaster master, String token, List<String> tasks,
                                      List<Control.LinkClaim> claims, String why) throws IOException {
        try (RawClient client = new RawClient(master.address())) {
            client.authenticate(token, "x", tasks, null, claims);
            Control.Fault fault = assertInstanceOf(Control.Fault.class, client.awaitClosed());
            assertEquals(Control.Fault.PROTOCOL, fault.code());
            assertTrue(fault.message().contains(why), fault.message());
        }
    }

    /** {@code count} distinct task names of {@code length} bytes. */
    private static List<String> names(int count, int length) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String prefix = i + "-";
            names.add(prefix + "t".repeat(length - prefix.length()));
        }
        return names;
    }

    /** Made-up links that a node reports, as their initiator or their acceptor. */
    private static List<Control.LinkClaim> claims(String node, boolean initiator, int count) {
        List<Control.LinkClaim> claims = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String peer = "ghost-" + i;
            claims.add(new Control.LinkClaim("link" + i, initiator ? node : peer, initiator ? peer : node, "127.0.0.1",
                    40000 + i));
        }
        return claims;
    }

    @Test
    void aNodeSendingItsTasksAsFastAsItCanGetsNoOneDroppedAndEveryoneSeesItsLatest() throws Exception {
        ClusterMaster master = master(b -> b);
        List<List<ClusterEvent>> events = new ArrayList<>();
        List<ClusterNode> ordinary = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            events.add(new CopyOnWriteArrayList<>());
            ordinary.add(node(master, "ordinary-" + i, events.getLast()));
        }
        String token = master.joinInfo().token();
        // An observer that counts the news of each node it is sent (MEMBERS entries), and keeps itself alive.
        RawClient observer = raw(master);
        observer.join(token, "observer", List.of(), null, List.of());
        pinger.scheduleAtFixedRate(() -> {
            try {
                observer.send(new Control.Ping(System.currentTimeMillis()));
            } catch (IOException e) {
                // the test is over
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        Map<String, AtomicInteger> updates = new java.util.concurrent.ConcurrentHashMap<>();
        Thread.ofVirtual().start(() -> {
            try {
                for (Control message = observer.read(); message != null; message = observer.read()) {
                    if (message instanceof Control.Members members) {
                        members.nodes().forEach(node -> updates.computeIfAbsent(node.id(), id -> new AtomicInteger())
                                .incrementAndGet());
                    }
                }
            } catch (IOException e) {
                // closed
            }
        });
        RawClient spammer = raw(master);
        spammer.join(token, "spammer", List.of(), null, List.of());
        await().atMost(WAIT).until(() -> master.nodes().size() == 5);

        // 400 lists of 100 names each (about 15 KB), one after the other, as fast as the master reads.
        long start = System.nanoTime();
        List<String> last = List.of();
        for (int round = 0; round < 400; round++) {
            String suffix = "-round-" + round;
            last = names(100, 140).stream().map(name -> name + suffix).toList();
            spammer.send(new Control.Tasks(last));
        }
        // From now on it only keeps itself alive (the pinger is its only writer).
        pinger.scheduleAtFixedRate(() -> {
            try {
                spammer.send(new Control.Ping(System.currentTimeMillis()));
            } catch (IOException e) {
                // the test is over
            }
        }, 0, 200, TimeUnit.MILLISECONDS);
        // An honest node registering 100 handlers in a loop.
        ClusterNode busy = ordinary.getFirst();
        for (int i = 0; i < 100; i++) {
            busy.handle("busy-" + i, String.class, s -> s);
        }
        Set<String> latest = new TreeSet<>(last);
        for (ClusterNode node : ordinary) {
            await().atMost(WAIT).until(() -> tasksOf(node, "spammer"), org.hamcrest.Matchers.equalTo(latest));
            await().atMost(WAIT).until(() -> tasksOf(node, "ordinary-0").size() == 101);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        int spammerUpdates = updates.getOrDefault("spammer", new AtomicInteger()).get();
        assertTrue(spammerUpdates <= millis / 100 + 2, spammerUpdates + " updates of the spammer's tasks in " + millis
                + " ms: they are applied at most every 100 ms");
        int busyUpdates = updates.getOrDefault(busy.self().id().value(), new AtomicInteger()).get();
        assertTrue(busyUpdates <= millis / 100 + 2, busyUpdates + " updates of busy's tasks in " + millis + " ms");

        assertEquals(5, master.nodes().size(), "no one was dropped");
        for (List<ClusterEvent> seen : events) {
            assertFalse(seen.stream().anyMatch(NodeLeft.class::isInstance), seen.toString());
        }
        assertEquals(0, master.stats().protocolErrors(), "coalescing is no error");
    }

    /** The tasks a node sees another serve, by the other's name. */
    private static Set<String> tasksOf(ClusterNode viewer, String name) {
        return viewer.nodes().stream().filter(n -> n.name().equals(name)).findFirst().map(NodeInfo::tasks)
                .<Set<String>>map(TreeSet::new).orElse(Set.of());
    }

    @Test
    void theNodeListFitsA64KiBFrameWhateverTheNodesInIt() throws Exception {
        ClusterMaster master = master(b -> b);
        String token = master.joinInfo().token();
        // Three nodes at their limits: an advertised host of 255 characters, and task names that
        // take as many bytes as JSON as a node's may.
        String host = "h".repeat(255);
        List<String> tasks = new ArrayList<>();
        for (int i = 0; ControlCodec.jsonLength(tasks) < Control.MAX_TASKS_JSON_BYTES - 600; i++) {
            String prefix = i + "-";
            tasks.add(prefix + "\"".repeat(255 - prefix.length()));
        }
        for (int i = 0; i < 3; i++) {
            raw(master).join(token, "big-" + i, tasks, host, List.of());
        }
        try (RawClient late = new RawClient(master.address())) {
            late.authenticate(token, "late", List.of(), null, List.of());
            late.read(Control.AuthOk.class);
            List<Control.NodeList> pages = new ArrayList<>();
            do {
                pages.add(assertInstanceOf(Control.NodeList.class, late.read(64 * 1024)));
            } while (pages.getLast().more());
            assertEquals(3, pages.stream().mapToInt(page -> page.nodes().size()).sum());
            assertTrue(pages.size() >= 2, "nodes this large take a page each, or nearly");
            assertEquals(Set.copyOf(tasks), Set.copyOf(pages.getFirst().nodes().getFirst().tasks()));
        }
    }
}
