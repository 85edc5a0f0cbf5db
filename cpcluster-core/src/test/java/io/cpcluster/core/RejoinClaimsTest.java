package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterEvent;
import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosed;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterReconnected;
import io.cpcluster.NodeConfig;
import io.cpcluster.PortRange;
import io.cpcluster.core.wire.Control;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, item 4 and the claims of item 5: what a (re)joining node reports about its links. A
 * claim the master refuses closes that link, never the node's rejoin; a claim of a link the
 * master does not know books a port only during its rejoin grace, and only until the claim wait
 * ends; a made-up host costs nothing that stays.
 */
class RejoinClaimsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final Closing closing = new Closing();
    private final ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        pinger.shutdownNow();
        closing.closeAll();
    }

    private static NodeConfig.Builder quick(String name, ClusterMaster master) {
        return NodeConfig.builder().name(name).join(master.joinInfo())
                .heartbeat(Duration.ofMillis(100), Duration.ofMillis(1000))
                .reconnectDelay(Duration.ofMillis(20), Duration.ofMillis(200))
                .handle("echo", String.class, s -> s);
    }

    private ClusterNode node(String name, ClusterMaster master, List<ClusterEvent> events) {
        ClusterNode node = closing.later(ClusterNode.start(quick(name, master).build()));
        node.subscribe(ClusterListener.of(events::add));
        return node;
    }

    private static long count(List<ClusterEvent> events, Class<? extends ClusterEvent> type) {
        return events.stream().filter(type::isInstance).count();
    }

    /** Keeps a hand-driven node alive: its only writer from now on. */
    private void keepAlive(RawClient client) {
        pinger.scheduleAtFixedRate(() -> {
            try {
                client.send(new Control.Ping(System.currentTimeMillis()));
            } catch (IOException e) {
                // the test is over
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
    }

    @Test
    void aRejoinWithARefusedClaimSucceedsAtOnce() throws Exception {
        PortRange range = TestPorts.range(6);
        MasterConfig config = MasterConfig.builder().port(0).portRange(range).joinFile(dir.resolve("join.json"))
                .rejoinGrace(Duration.ofMillis(500)).build();
        ClusterMaster first = closing.later(ClusterMaster.start(config));
        List<ClusterEvent> seenByA = new CopyOnWriteArrayList<>();
        List<ClusterEvent> seenByB = new CopyOnWriteArrayList<>();
        List<ClusterEvent> seenByC = new CopyOnWriteArrayList<>();
        ClusterNode a = node("a", first, seenByA);
        ClusterNode b = node("b", first, seenByB);
        ClusterNode c = node("c", first, seenByC);
        DirectLink kept = a.connect(b.self().id());
        DirectLink refused = a.connect(c.self().id());
        await().atMost(WAIT).until(() -> first.stats().openLinks() == 2);

        first.close();
        await().atMost(WAIT).until(() -> count(seenByA, MasterLost.class) == 1 && count(seenByB, MasterLost.class) == 1
                && count(seenByC, MasterLost.class) == 1);
        // The master comes back, and as far as its port book knows, the port of a's link to c is
        // taken (by a link it has not heard of yet, say): it refuses a's claim of it, and c's.
        ForwardingPortAllocator ports = new ForwardingPortAllocator(range);
        assertTrue(ports.reserve("127.0.0.1", refused.port()));
        try (LogCapture logs = new LogCapture()) {
            long restarted = System.nanoTime();
            ClusterMaster second = closing.later(ClusterMaster.start(config.toBuilder()
                    .port(first.address().getPort()).portAllocator(ports).build()));
            await().atMost(WAIT).until(() -> count(seenByA, MasterReconnected.class) == 1
                    && count(seenByB, MasterReconnected.class) == 1 && count(seenByC, MasterReconnected.class) == 1);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted) < 3000,
                    "each node rejoined within a few reconnect delays");

            // The refused link is closed at both ends. Whichever end claimed it first was told the
            // port is taken (the other, that its other end no longer has it, unless it saw the link
            // end first), and said so at INFO.
            await().atMost(WAIT).until(() -> !refused.isOpen() && c.links().isEmpty());
            List<String> reasons = new ArrayList<>();
            for (List<ClusterEvent> seen : List.of(seenByA, seenByC)) {
                seen.stream().filter(LinkClosed.class::isInstance).map(LinkClosed.class::cast)
                        .filter(e -> e.link().id().equals(refused.id())).forEach(e -> reasons.add(e.reason()));
            }
            assertTrue(reasons.stream().anyMatch(reason -> reason.contains("port " + refused.port()
                    + " on host 127.0.0.1 is taken by another link")), reasons.toString());
            assertTrue(logs.lines().stream().anyMatch(line -> line.contains("INFO")
                    && line.contains("the master closed link " + refused.id())), "the refusal is logged at INFO");

            // The other link is kept, in the new master's book too.
            assertTrue(kept.isOpen());
            assertEquals("kept", kept.call("echo", "kept", String.class).join());
            await().atMost(WAIT).until(() -> second.links().stream().map(link -> link.id()).toList(),
                    org.hamcrest.Matchers.equalTo(List.of(kept.id())));

            // One attempt each, and it held: no one failed to rejoin, no one came back twice.
            await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> second.stats().nodesAuthenticated() == 3
                    && second.stats().protocolErrors() == 0 && count(seenByA, MasterLost.class) == 1
                    && count(seenByA, MasterReconnected.class) == 1 && count(seenByC, MasterReconnected.class) == 1);
            assertEquals(3, second.nodes().size());
            assertEquals(3, a.nodes().size());
        }
    }

    /**
     * The range allocator, slow once: its first reservation, once made, returns only after a
     * second one was asked for and {@code othersJoined} holds, or after 2 s each.
     */
    private static final class RacingPorts extends ForwardingPortAllocator {
        final CountDownLatch first = new CountDownLatch(1);
        final CountDownLatch second = new CountDownLatch(1);
        volatile BooleanSupplier othersJoined = () -> false;

        RacingPorts(PortRange range) {
            super(range);
        }

        @Override
        public boolean reserve(String host, int port) {
            boolean reserved = super.reserve(host, port);
            if (first.getCount() > 0) {
                first.countDown();
                try {
                    if (second.await(2, TimeUnit.SECONDS)) {
                        await().atMost(Duration.ofSeconds(2)).until(() -> othersJoined.getAsBoolean());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ConditionTimeoutException e) {
                    // waited long enough
                }
            } else {
                second.countDown();
            }
            return reserved;
        }
    }

    @Test
    void bothEndsReportingALinkAtTheSameTimeKeepIt() throws Exception {
        // Seen on four hosts: after a master restart both ends report their link at once; the one
        // whose reservation lost the race, and was booked first, was told the port "is taken by
        // another link", its own.
        PortRange range = TestPorts.range(4);
        MasterConfig config = MasterConfig.builder().port(0).portRange(range).joinFile(dir.resolve("join.json"))
                .rejoinGrace(Duration.ofSeconds(10)).build();
        ClusterMaster.start(config).close();
        RacingPorts ports = new RacingPorts(range);
        ClusterMaster master = closing.later(ClusterMaster.start(config.toBuilder().portAllocator(ports).build()));
        ports.othersJoined = () -> master.nodes().size() == 2;
        String token = master.joinInfo().token();
        Control.LinkClaim claim = new Control.LinkClaim("racing", "one", "two", "127.0.0.1", range.first());

        try (RawClient one = new RawClient(master.address()); RawClient two = new RawClient(master.address())) {
            CompletableFuture<Control.AuthOk> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return one.join(token, "one", List.of(), null, List.of(claim));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            // "one" has reserved the link's port, and is not booked yet, when "two" reports the same link.
            assertTrue(ports.first.await(15, TimeUnit.SECONDS));
            two.join(token, "two", List.of(), null, List.of(claim));
            first.get(15, TimeUnit.SECONDS);

            // Neither is told the link is gone: the next thing each hears is the answer to its PING.
            for (RawClient client : List.of(one, two)) {
                client.send(new Control.Ping(1));
                Control next = client.read();
                while (next instanceof Control.Members) {
                    next = client.read();
                }
                assertInstanceOf(Control.Pong.class, next);
            }
            assertEquals(List.of("racing"), master.links().stream().map(link -> link.id().value()).toList());
            assertEquals(0, master.stats().pendingLinks());
            assertEquals(Map.of("127.0.0.1", Set.of(range.first())), master.stats().portsInUse());
        }
    }

    @Test
    void madeUpClaimsOutsideTheGraceAreRefusedAtOnceAndReserveNothing() throws Exception {
        // A master that did not restart has no grace: no node can hold a link it did not broker.
        PortRange range = TestPorts.range(20);
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0).portRange(range)
                .build()));
        ClusterNode real = node("real", master, new CopyOnWriteArrayList<>());
        // Ports of the master's range, free: only the rule keeps them from being booked.
        List<Control.LinkClaim> claims = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            claims.add(new Control.LinkClaim("opened" + i, "liar", "ghost-" + i, "ghost-host-" + i + ".example",
                    range.first() + i));
            claims.add(new Control.LinkClaim("accepted" + i, "ghost-" + i, "liar", "127.0.0.1", range.first() + 5 + i));
        }
        claims.add(new Control.LinkClaim("withreal", "liar", real.self().id().value(), "127.0.0.1",
                range.first() + 10));

        try (RawClient liar = new RawClient(master.address())) {
            liar.join(master.joinInfo().token(), "liar", List.of(), null, claims);
            // Right after the node list: one LINK_CLOSED per claim, and nothing booked.
            Map<String, String> reasons = new HashMap<>();
            for (int i = 0; i < claims.size(); i++) {
                Control.LinkDown down = assertInstanceOf(Control.LinkDown.class, liar.read());
                reasons.put(down.linkId(), down.reason());
            }
            assertEquals(claims.stream().map(Control.LinkClaim::linkId).collect(java.util.stream.Collectors.toSet()),
                    reasons.keySet());
            reasons.forEach((id, reason) -> assertTrue(id.equals("withreal")
                    ? reason.contains("the other end, no longer has this link")
                    : reason.contains("takes links it does not know only during its rejoin grace"),
                    id + ": " + reason));
            assertEquals(Map.of(), master.stats().portsInUse());
            assertEquals(0, master.stats().pendingLinks());
            assertTrue(master.links().isEmpty());
            assertEquals(2, master.nodes().size(), "the liar is joined; only its claims were refused");
        }
        ClusterNode other = node("other", master, new CopyOnWriteArrayList<>());
        try (DirectLink link = other.connect(real.self().id())) {
            assertEquals("fine", link.call("echo", "fine", String.class).join());
        }
    }

    /** The range allocator, telling which hosts the master asked it about. */
    private static final class WatchedPorts extends ForwardingPortAllocator {
        final Set<String> asked = ConcurrentHashMap.newKeySet();

        WatchedPorts(PortRange range) {
            super(range);
        }

        @Override
        public SortedSet<Integer> inUse(String host) {
            asked.add(host);
            return super.inUse(host);
        }
    }

    @Test
    void madeUpHostsInClaimsAreForgottenOnceTheClaimsExpire() throws Exception {
        PortRange range = TestPorts.range(60);
        // Its grace and heartbeat timeout make a claim wait 2 s for the other end.
        MasterConfig config = MasterConfig.builder().port(0).portRange(range).joinFile(dir.resolve("join.json"))
                .rejoinGrace(Duration.ofSeconds(1)).heartbeatTimeout(Duration.ofSeconds(1)).build();
        ClusterMaster.start(config).close();
        WatchedPorts ports = new WatchedPorts(range);
        ClusterMaster master = closing.later(ClusterMaster.start(config.toBuilder().portAllocator(ports).build()));
        List<Control.LinkClaim> claims = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            claims.add(new Control.LinkClaim("made-up-" + i, "liar", "ghost-" + i, "made-up-" + i + ".example",
                    range.first() + i));
        }

        try (RawClient liar = new RawClient(master.address())) {
            liar.join(master.joinInfo().token(), "liar", List.of(), null, claims);
            keepAlive(liar);
            // In its grace the master books them: 50 ports on 50 hosts, waiting for their other ends.
            assertEquals(50, master.stats().portsInUse().size());
            assertEquals(50, master.stats().pendingLinks());

            // No other end comes: each claim expires, its port is released, its host forgotten.
            Set<String> expired = new java.util.HashSet<>();
            while (expired.size() < claims.size()) {
                if (liar.read() instanceof Control.LinkDown down) {
                    assertTrue(down.reason().contains("the other end did not rejoin within 2000 ms"), down.reason());
                    expired.add(down.linkId());
                }
            }
            await().atMost(WAIT).until(() -> master.stats().portsInUseCount() == 0
                    && master.stats().pendingLinks() == 0);
            ports.asked.clear();
            assertEquals(Map.of(), master.stats().portsInUse());
            assertEquals(Set.of(), ports.asked, "the master keeps no made-up host to ask about");
            for (int i = 0; i < 50; i++) {
                assertEquals(Set.of(), ports.inUse("made-up-" + i + ".example"));
            }
            assertEquals(List.of("liar"), master.nodes().stream().map(node -> node.name()).toList(),
                    "the claims expired; the liar was not dropped");
        }
        // And the ports serve real links again.
        ClusterNode a = node("a", master, new CopyOnWriteArrayList<>());
        ClusterNode b = node("b", master, new CopyOnWriteArrayList<>());
        try (DirectLink link = a.connect(b.self().id())) {
            assertEquals("fine", link.call("echo", "fine", String.class).join());
            assertEquals(Set.of("127.0.0.1"), master.stats().portsInUse().keySet());
        }
    }
}
