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
import io.cpcluster.LinkClosedException;
import io.cpcluster.LinkOverloadedException;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterReconnected;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.NodeStats;
import io.cpcluster.PortRange;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What happens when real processes freeze or die: DESIGN §5 (last paragraph) and §7. */
class ProcessFailuresTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Heartbeats in these tests: every 200 ms, timeouts at 1 s. */
    private static final Duration BEAT = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private final Closing closing = new Closing();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        closing.closeAll();
    }

    private ClusterMaster master(PortRange range) {
        return closing.later(ClusterMaster.start(MasterConfig.builder().port(0).portRange(range)
                .heartbeatTimeout(TIMEOUT).build()));
    }

    private static NodeConfig.Builder node(String name) {
        return NodeConfig.builder().name(name).heartbeat(BEAT, TIMEOUT).linkHeartbeat(BEAT, TIMEOUT)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(400));
    }

    private JvmProcess process(ClusterMaster master, String name) throws Exception {
        JvmProcess process = closing.later(JvmProcess.main(NodeProcess.class,
                NodeProcess.environment(master.joinInfo()),
                "master=127.0.0.1:" + master.address().getPort(), "name=" + name, "heartbeat=" + BEAT.toMillis()));
        return process;
    }

    private static List<ClusterEvent> recorded(ClusterNode node) {
        List<ClusterEvent> events = new CopyOnWriteArrayList<>();
        node.subscribe(ClusterListener.of(events::add));
        return events;
    }

    private static <E> long count(List<ClusterEvent> events, Class<E> type) {
        return events.stream().filter(type::isInstance).count();
    }

    @Test
    void aFrozenNodeIsDroppedItsPortsComeBackAndItRejoinsWhenThawed() throws Exception {
        ClusterMaster master = master(TestPorts.range(4));
        ClusterNode a = closing.later(ClusterNode.start(node("a").join(master.joinInfo()).build()));
        List<ClusterEvent> seenByA = recorded(a);
        JvmProcess frozen = process(master, "frozen");
        await().atMost(WAIT).until(() -> frozen.lines().stream().anyMatch(line -> line.startsWith("READY ")));
        await().atMost(WAIT).until(() -> count(seenByA, NodeJoined.class) == 1);
        NodeId frozenId = NodeId.of(frozen.awaitLine("READY ", WAIT));
        DirectLink link = a.connect(frozenId);
        assertEquals(1, link.call("square", 1L, Long.class).join());
        await().atMost(WAIT).until(() -> master.stats().openLinks() == 1);

        frozen.signal("STOP");
        await().atMost(WAIT).until(() -> master.nodes().size() == 1);
        await().atMost(WAIT).until(() -> master.stats().portsInUseCount() == 0);
        await().atMost(WAIT).until(() -> count(seenByA, NodeLeft.class) == 1 && count(seenByA, LinkClosed.class) == 1);
        assertTrue(!link.isOpen());
        NodeLeft left = (NodeLeft) seenByA.stream().filter(NodeLeft.class::isInstance).findFirst().orElseThrow();
        assertTrue(left.reason().contains("heartbeat timeout"), left.reason());

        frozen.signal("CONT");
        await().atMost(WAIT).until(() -> master.nodes().stream().anyMatch(n -> n.id().equals(frozenId)));
        // A saw it join twice: when it started, and when it came back.
        await().atMost(WAIT).until(() -> count(seenByA, NodeJoined.class) == 2);
        assertEquals(0, master.stats().portsInUseCount());
        try (DirectLink again = a.connect(frozenId)) {
            assertEquals(4, again.call("square", 2L, Long.class).join(), "the thawed node serves again");
        }
    }

    @Test
    void linksOutliveAKilledMasterAndARestartedMasterRebuildsThePortBookFromThem() throws Exception {
        Path join = dir.resolve("join.json");
        PortRange range = TestPorts.range(6);
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        JvmProcess first = closing.later(JvmProcess.main(MasterProcess.class, Map.of(), Integer.toString(port),
                join.toString(), range.toString(), Long.toString(TIMEOUT.toMillis())));
        first.awaitLine("READY ", WAIT);
        ClusterNode a = closing.later(ClusterNode.start(node("a").joinFile(join).build()));
        ClusterNode b = closing.later(ClusterNode.start(node("b").joinFile(join)
                .handle("inc", Long.class, x -> x + 1).build()));
        List<ClusterEvent> seenByA = recorded(a);
        List<ClusterEvent> seenByB = recorded(b);
        DirectLink link = a.connect(b.self().id());

        // Calls go on over the link, all through the master's death and replacement.
        AtomicBoolean calling = new AtomicBoolean(true);
        AtomicLong answered = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            long x = 0;
            while (calling.get()) {
                try {
                    long answer = link.call("inc", x, Long.class).get(10, TimeUnit.SECONDS);
                    if (answer != x + 1) {
                        failures.add(new AssertionError("inc " + x + " gave " + answer));
                    }
                    answered.incrementAndGet();
                    x++;
                } catch (Exception e) {
                    failures.add(e);
                }
            }
        });
        await().atMost(WAIT).until(() -> answered.get() > 100);

        first.kill();
        await().atMost(WAIT).until(() -> count(seenByA, MasterLost.class) == 1 && count(seenByB, MasterLost.class) == 1);
        long atLoss = answered.get();
        await().atMost(WAIT).until(() -> answered.get() > atLoss + 100);

        // A long rejoin grace: a claim after it is refused (and its link closed), and under load
        // the nodes may take seconds to come back.
        ClusterMaster second = closing.later(ClusterMaster.start(MasterConfig.builder().port(port).portRange(range)
                .joinFile(join).heartbeatTimeout(TIMEOUT).rejoinGrace(Duration.ofSeconds(10)).build()));
        await().atMost(WAIT).until(() -> count(seenByA, MasterReconnected.class) == 1
                && count(seenByB, MasterReconnected.class) == 1);
        await().atMost(WAIT).until(() -> second.nodes().size() == 2 && second.links().size() == 1);
        assertEquals(link.id(), second.links().getFirst().id());
        assertEquals(Map.of("127.0.0.1", java.util.Set.of(link.port())), second.stats().portsInUse());
        long atRejoin = answered.get();
        await().atMost(WAIT).until(() -> answered.get() > atRejoin + 100);

        calling.set(false);
        caller.join(10_000);
        assertEquals(List.of(), failures);
    }

    @Test
    void aKilledPeerFailsCallsInFlightAtOnceAndSubmitFinishesEveryTaskElsewhere() throws Exception {
        ClusterMaster master = master(TestPorts.range(6));
        ClusterNode a = closing.later(ClusterNode.start(node("a").join(master.joinInfo()).build()));
        JvmProcess doomed = process(master, "doomed");
        NodeId doomedId = NodeId.of(doomed.awaitLine("READY ", WAIT));
        JvmProcess survivor = process(master, "survivor");
        survivor.awaitLine("READY ", WAIT);
        await().atMost(WAIT).until(() -> a.nodes().size() == 3);

        DirectLink link = a.connect(doomedId);
        List<CompletableFuture<Integer>> napping = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            napping.add(link.call("nap", 60_000, Integer.class));
        }
        // Submitted tasks spread over both; the doomed one dies with some of them in flight.
        List<CompletableFuture<Long>> squares = new ArrayList<>();
        for (long x = 0; x < 300; x++) {
            squares.add(a.submit("square", x, Long.class));
        }
        doomed.kill();
        long killedAt = System.nanoTime();
        for (CompletableFuture<Integer> nap : napping) {
            CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                    nap::join);
            assertInstanceOf(LinkClosedException.class, failure.getCause());
        }
        long failedWithin = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertTrue(failedWithin < 5_000, "calls in flight failed " + failedWithin + " ms after the kill");
        for (long x = 0; x < 300; x++) {
            assertEquals(x * x, squares.get((int) x).get(30, TimeUnit.SECONDS));
        }
        await().atMost(WAIT).until(() -> master.nodes().stream().map(NodeInfo::name).toList().size() == 2);
    }

    /**
     * A flood against a handler that sleeps, in another JVM: a hundred thousand calls fired as
     * fast as four threads can (each either answered or refused at once with
     * LinkOverloadedException, never left hanging), then a hundred thousand made by two thousand
     * virtual threads with invoke (which waits for room: every one answered). Throughout, the node
     * never has more calls in flight, or waiting, than its bound, and its heap stays flat.
     */
    @Test
    void aFloodOfCallsAgainstASleepingHandlerStaysWithinItsBoundsAndEveryCallEnds() throws Exception {
        // Default heartbeats here: four threads spinning on two cores can hold the master's and the
        // nodes' virtual threads back for over a second, which this test's point is not.
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(4)).build()));
        ClusterNode a = closing.later(ClusterNode.start(NodeConfig.builder().name("a").join(master.joinInfo())
                .maxCallsInFlight(512).build()));
        JvmProcess sleeper = closing.later(JvmProcess.main(NodeProcess.class,
                NodeProcess.environment(master.joinInfo()),
                "master=127.0.0.1:" + master.address().getPort(), "name=sleeper"));
        DirectLink link = a.connect(NodeId.of(sleeper.awaitLine("READY ", WAIT)));
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        AtomicLong most = new AtomicLong();
        AtomicInteger mostInFlight = new AtomicInteger();
        AtomicInteger mostWaiting = new AtomicInteger();
        Runnable sample = () -> {
            NodeStats stats = a.stats();
            mostInFlight.accumulateAndGet(stats.callsInFlight(), Math::max);
            mostWaiting.accumulateAndGet(stats.callsWaiting(), Math::max);
            most.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        };

        AtomicInteger right = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Throwable> wrong = new CopyOnWriteArrayList<>();
        List<Thread> flooders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            flooders.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 25_000; i++) {
                    link.call("nap", 5, Integer.class).whenComplete((millis, error) -> {
                        if (error == null && millis == 5) {
                            right.incrementAndGet();
                        } else if (error instanceof LinkOverloadedException) {
                            refused.incrementAndGet();
                        } else {
                            wrong.add(error != null ? error : new AssertionError("nap answered " + millis));
                        }
                    });
                    if (i % 500 == 0) {
                        sample.run();
                    }
                }
            }));
        }
        for (Thread flooder : flooders) {
            flooder.join(120_000);
        }
        await().atMost(Duration.ofMinutes(1)).until(() -> right.get() + refused.get() + wrong.size() == 100_000);
        assertEquals(List.of(), wrong);
        assertTrue(right.get() >= 1024, "at least the calls that found room were answered: " + right.get());

        AtomicInteger invoked = new AtomicInteger();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 2_000; t++) {
                callers.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        if (link.invoke("nap", 5, Integer.class) == 5) {
                            invoked.incrementAndGet();
                        }
                        if (i % 10 == 0) {
                            sample.run();
                        }
                    }
                    return null;
                });
            }
        }
        assertEquals(100_000, invoked.get(), "invoke waits for room: no call is refused");
        assertTrue(mostInFlight.get() <= 512, "at most 512 calls wait for answers at once, not " + mostInFlight.get());
        assertTrue(mostWaiting.get() <= 512, "at most 512 calls wait for room at once, not " + mostWaiting.get());
        long growth = most.get() - before;
        assertTrue(growth < 256L * 1024 * 1024, "the heap grew by " + growth / (1024 * 1024) + " MiB");
    }
}
