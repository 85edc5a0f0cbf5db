package io.cpcluster.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.JvmProcess;
import io.cpcluster.core.MasterProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A nemesis ({@link NetnsHosts}): a seeded random schedule of cuts between hosts, heals, kill -9
 * and restarts of worker nodes and of the master, and changes of the delay and loss between all
 * hosts, while a client on its own host keeps
 * submitting tasks. Every task gets its right answer or fails with an exception in its deadline,
 * none is answered wrong; after a last heal the cluster works, the master's book equals the links
 * open on the nodes with one port per link, and the client holds no more threads or sockets than
 * it did.
 * The seed is printed ({@code -Dnemesis.seed=} replays a run; {@code -Dnemesis.seconds=} sets its
 * length, 90 by default). The last heal also ends the delay and loss.
 */
class NetnsNemesisIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern SUBMITTED = Pattern.compile(
            "SUBMITTED (\\d+) right=(\\d+) failed=(\\d+) wrong=(\\d+) of (\\d+)");
    private static final Pattern STATS = Pattern.compile("openLinks=(\\d+).*portsInUse=\\{([^}]*)\\}");
    private static final int HEARTBEAT_TIMEOUT_MS = 2000;

    @TempDir
    Path dir;
    private NetnsHosts hosts;
    private JvmProcess master;
    /** Workers by host: h2 (with the client), h3, h4. */
    private final JvmProcess[] workers = new JvmProcess[5];
    private int restarts;

    @BeforeEach
    void hosts() throws Exception {
        hosts = NetnsHosts.impairable(4, dir);
    }

    @AfterEach
    void close() {
        if (hosts != null) {
            hosts.close();
        }
    }

    private void startMaster() throws Exception {
        master = hosts.main(1, MasterProcess.class, "55000", dir.resolve("join.json").toString(), "55001-55020",
                Integer.toString(HEARTBEAT_TIMEOUT_MS), "65536", hosts.bed.address(1));
        master.awaitLine("READY ", WAIT);
    }

    /**
     * Starts a worker on a host. A node cannot start without its master: one started while its
     * host is cut from the master's gives up (after its connect timeout), and is started again at
     * the next heal.
     *
     * @return whether it joined
     */
    private boolean startWorker(int host) throws Exception {
        JvmProcess worker = hosts.node(host, "w" + host + "-" + restarts++);
        try {
            worker.awaitLine("READY ", WAIT);
            workers[host] = worker;
            return true;
        } catch (AssertionError e) {
            worker.close();
            workers[host] = null;
            return false;
        }
    }

    private void startMissingWorkers() throws Exception {
        for (int host = 2; host <= 4; host++) {
            if (workers[host] == null) {
                startWorker(host);
            }
        }
    }

    @Test
    void underCutsAndKillsEveryTaskIsRightOrFailsInTimeAndTheBookEndsEqualToTheLinks() throws Exception {
        long seed = Long.getLong("nemesis.seed", System.nanoTime());
        long seconds = Long.getLong("nemesis.seconds", 90);
        System.out.println("NetnsNemesisIT: seed " + seed + " (replay with -Dnemesis.seed=" + seed + ")");
        Random random = new Random(seed);
        startMaster();
        JvmProcess client = hosts.node(2, "client");
        client.awaitLine("READY ", WAIT);
        for (int host = 2; host <= 4; host++) {
            assertTrue(startWorker(host), "worker on h" + host);
        }
        client.send("submit 10 0 10000");
        await().atMost(WAIT).until(() -> client.output().contains("SUBMITTED 0 "));
        client.send("threads");
        int threadsBefore = Integer.parseInt(client.awaitLine("THREADS ", WAIT));
        long socketsBefore = sockets(client.pid());

        Set<String> cuts = new HashSet<>();
        List<String> schedule = new ArrayList<>();
        int batches = 1;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            client.send("submit 10 " + batches * 100 + " 10000");
            batches++;
            int action = random.nextInt(11);
            if (action < 4) {
                int a = 1 + random.nextInt(4);
                int b = 1 + random.nextInt(4);
                if (a != b && cuts.add(Math.min(a, b) + "-" + Math.max(a, b))) {
                    hosts.bed.cut(a, b);
                    schedule.add("cut h" + a + "/h" + b);
                }
            } else if (action < 6) {
                healAll(cuts);
                startMissingWorkers();
                schedule.add("heal");
            } else if (action < 9) {
                int host = 2 + random.nextInt(3);
                if (workers[host] != null) {
                    workers[host].kill();
                }
                schedule.add(startWorker(host) ? "kill and restart the worker on h" + host
                        : "kill the worker on h" + host + " (its restart found no master)");
            } else if (action < 10) {
                master.kill();
                startMaster();
                schedule.add("kill and restart the master");
            } else {
                // A new delay and loss between all hosts, from none to 50 ms and 2%.
                int delay = random.nextInt(51);
                int loss = random.nextInt(3);
                hosts.bed.impair(delay, delay / 2.0, loss / 100.0, seed);
                schedule.add("delay " + delay + " ms ± " + delay / 2.0 + " ms, loss " + loss + "%");
            }
            // The pace of the schedule: a wait for the next step, not for a result.
            await().pollDelay(Duration.ofMillis(500 + random.nextInt(1500))).until(() -> true);
        }
        healAll(cuts);
        hosts.bed.unimpair();
        startMissingWorkers();
        System.out.println("NetnsNemesisIT: schedule " + schedule);

        // Every batch ends within its deadline (10 s, plus the time to fail), and no answer is wrong.
        int sent = batches;
        await().atMost(WAIT).until(() -> SUBMITTED.matcher(client.output()).results().count() == sent);
        long right = 0;
        long failed = 0;
        for (MatchResult done : SUBMITTED.matcher(client.output()).results().toList()) {
            assertEquals("0", done.group(4), "a wrong answer: " + done.group());
            assertEquals(Long.parseLong(done.group(5)), Long.parseLong(done.group(2)) + Long.parseLong(done.group(3)));
            right += Long.parseLong(done.group(2));
            failed += Long.parseLong(done.group(3));
        }
        System.out.printf("NetnsNemesisIT: %d steps; %d tasks right, %d failed with an exception, none wrong%n",
                schedule.size(), right, failed);

        // Healed, the cluster works: a batch is all right (the master may still be in its rejoin
        // grace, or a worker just restarted: a batch with a failure is tried again, a wrong answer never).
        AtomicInteger attempt = new AtomicInteger();
        await().atMost(WAIT).until(() -> {
            long first = 99_000_000L + attempt.incrementAndGet() * 100L;
            client.send("submit 10 " + first + " 10000");
            MatchResult done = await().atMost(WAIT).until(() -> SUBMITTED.matcher(client.output()).results()
                    .filter(r -> r.group(1).equals(Long.toString(first))).findFirst().orElse(null), r -> r != null);
            assertEquals("0", done.group(4), "a wrong answer: " + done.group());
            return done.group(2).equals("10");
        });

        // The master's book equals the links open on the nodes, one port each.
        await().atMost(WAIT).until(() -> bookMatchesLinks(client));
        client.send("threads");
        await().atMost(WAIT).until(() -> client.output().lines().filter(l -> l.startsWith("THREADS ")).count() >= 2);
        int threadsAfter = Integer.parseInt(client.output().lines().filter(l -> l.startsWith("THREADS ")).toList()
                .getLast().substring("THREADS ".length()));
        System.out.printf("NetnsNemesisIT: the client's platform threads: %d before, %d after%n", threadsBefore,
                threadsAfter);
        long socketsAfter = sockets(client.pid());
        System.out.printf("NetnsNemesisIT: the client's open sockets: %d before, %d after%n", socketsBefore,
                socketsAfter);
        // Dozens of peers came and went: a thread or a socket kept per link or per peer would show here.
        assertTrue(threadsAfter <= threadsBefore + 16, threadsBefore + " threads before, " + threadsAfter + " after");
        assertTrue(socketsAfter <= socketsBefore + 16, socketsBefore + " sockets before, " + socketsAfter + " after");
    }

    /** The sockets a process has open, from its file descriptors in /proc. */
    private static long sockets(long pid) throws IOException {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return descriptors.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        }
    }

    private void healAll(Set<String> cuts) throws Exception {
        for (String cut : cuts) {
            String[] pair = cut.split("-");
            hosts.bed.heal(Integer.parseInt(pair[0]), Integer.parseInt(pair[1]));
        }
        cuts.clear();
    }

    /** Asks the master and every node, and compares: the master's links, its ports, and the nodes' links. */
    private boolean bookMatchesLinks(JvmProcess client) throws Exception {
        List<JvmProcess> nodes = new ArrayList<>(List.of(client));
        for (int host = 2; host <= 4; host++) {
            if (workers[host] != null) {
                nodes.add(workers[host]);
            }
        }
        Set<String> open = new HashSet<>();
        for (JvmProcess node : nodes) {
            long before = node.output().lines().filter(l -> l.startsWith("LINKS")).count();
            node.send("links");
            await().atMost(WAIT).until(() -> node.output().lines().filter(l -> l.startsWith("LINKS")).count() > before);
            String links = node.output().lines().filter(l -> l.startsWith("LINKS")).toList().getLast()
                    .substring("LINKS".length()).strip();
            if (!links.isEmpty()) {
                open.addAll(List.of(links.split(",")));
            }
        }
        long before = master.output().lines().filter(l -> l.startsWith("STATS ")).count();
        master.send("stats");
        await().atMost(WAIT).until(() -> master.output().lines().filter(l -> l.startsWith("STATS ")).count() > before);
        Matcher stats = STATS.matcher(master.output().lines().filter(l -> l.startsWith("STATS ")).toList().getLast());
        assertTrue(stats.find(), master.output());
        int openLinks = Integer.parseInt(stats.group(1));
        int ports = stats.group(2).isBlank() ? 0 : (int) Pattern.compile("\\d+(?=[,\\]])").matcher(stats.group(2))
                .results().count();
        return openLinks == open.size() && ports == openLinks;
    }
}
