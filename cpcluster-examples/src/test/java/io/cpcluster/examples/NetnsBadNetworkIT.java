package io.cpcluster.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.JvmProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad network between all hosts ({@link NetnsHosts}, {@code NetnsBed#impair}): 20 ms ± 10 ms
 * delay and 1% loss for a minute of calls from three nodes on three hosts, with the library's
 * default heartbeats. Every answer is right, no node is dropped and no link is closed as dead;
 * the link set-up and call round trips are reported. {@code -Dbadnetwork.seed=N} replays the
 * same losses and delays, {@code -Dbadnetwork.seconds=N} calls for that long instead.
 */
class NetnsBadNetworkIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int LINKS_PER_PAIR = 4;
    private static final Pattern CALLS = Pattern.compile(
            "CALLS (\\S+) n=(\\d+) right=(\\d+) wrong=(\\d+) failed=(\\d+) p50=(\\d+)us p99=(\\d+)us max=(\\d+)us");

    @TempDir
    Path dir;
    private NetnsHosts hosts;

    @AfterEach
    void close() {
        if (hosts != null) {
            hosts.close();
        }
    }

    private static long percentile(List<Long> values, int percent) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(Math.max(0, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    @Test
    void callsAcrossADelayingLossyNetworkAllAnswerRightAndNoPeerLooksDead() throws Exception {
        long seed = Long.getLong("badnetwork.seed", System.nanoTime());
        long seconds = Long.getLong("badnetwork.seconds", 60);
        System.out.println("NetnsBadNetworkIT: seed " + seed + " (replay with -Dbadnetwork.seed=" + seed + ")");
        hosts = NetnsHosts.impairable(4, dir);
        JvmProcess master = hosts.cli(1, "master", "--host", hosts.bed.address(1), "--range", "55001-55020",
                "--join-file", dir.resolve("join.json").toString());
        master.awaitLine("CPCluster master listening on ", WAIT);
        // The library's heartbeats (1 s, dead after 5 s) and connect timeout (5 s), not the bed's quick ones.
        List<JvmProcess> nodes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int host = 2; host <= 4; host++) {
            JvmProcess node = hosts.node(host, "n" + host, "heartbeat=1000", "connectTimeout=5000");
            nodes.add(node);
            ids.add(node.awaitLine("READY ", WAIT));
        }

        hosts.bed.impair(20, 10, 0.01, seed);
        // Links set up through the bad network: each node to each other node, a few times.
        for (int i = 0; i < nodes.size(); i++) {
            for (int round = 0; round < LINKS_PER_PAIR; round++) {
                for (int j = 0; j < nodes.size(); j++) {
                    if (i != j) {
                        nodes.get(i).send("connect " + ids.get(j));
                    }
                }
            }
        }
        int linksEach = LINKS_PER_PAIR * (nodes.size() - 1);
        await().atMost(WAIT.multipliedBy(2)).until(() -> nodes.stream()
                .allMatch(node -> lines(node, "LINK ").size() == linksEach || lines(node, "FAILED").size() > 0));
        List<Long> setupMicros = new ArrayList<>();
        List<String> callers = new ArrayList<>();
        for (JvmProcess node : nodes) {
            List<String> links = lines(node, "LINK ");
            assertEquals(linksEach, links.size(), node.output());
            links.forEach(line -> setupMicros.add(Long.parseLong(line.split(" ")[2])));
            // A minute of calls on the node's first link to each of the other two hosts.
            for (int other = 0; other < nodes.size() - 1; other++) {
                String link = links.get(other).split(" ")[0];
                node.send("calls " + link + " " + seconds);
                callers.add(link);
            }
        }
        await().atMost(Duration.ofSeconds(seconds).plus(WAIT))
                .until(() -> nodes.stream().mapToLong(node -> lines(node, "CALLS ").size()).sum() == callers.size());
        String impairment = hosts.bed.impairment();

        long calls = 0;
        List<Long> p50s = new ArrayList<>();
        List<Long> p99s = new ArrayList<>();
        long max = 0;
        for (JvmProcess node : nodes) {
            for (String line : lines(node, "CALLS ")) {
                Matcher m = CALLS.matcher("CALLS " + line);
                assertTrue(m.matches(), line);
                long n = Long.parseLong(m.group(2));
                assertEquals(n, Long.parseLong(m.group(3)), "every answer right, none failed: " + line);
                assertTrue(n > 0, line);
                calls += n;
                p50s.add(Long.parseLong(m.group(6)));
                p99s.add(Long.parseLong(m.group(7)));
                max = Math.max(max, Long.parseLong(m.group(8)));
            }
            // No peer looked dead: no link closed, the master never lost, no node left.
            for (String event : List.of("EVENT LinkClosed", "EVENT MasterLost", "EVENT NodeLeft", "FAILED")) {
                assertEquals(List.of(), lines(node, event), node.output());
            }
        }
        for (String drop : List.of("dropping ", "left:", "closed: link")) {
            assertTrue(master.output().lines().noneMatch(line -> line.contains(drop)), master.output());
        }
        Map<String, Long> counts = counts(impairment);
        assertTrue(counts.get("dropped") > 0, "the network did lose packets: " + impairment);
        assertEquals(0, counts.get("overflows"), "the bed dropped no more than it was asked to: " + impairment);

        System.out.printf("NetnsBadNetworkIT: 20 ms ± 10 ms delay and 1%% loss between hosts (%s): %d links set up,"
                        + " p50 %.1f ms, max %.1f ms; %,d calls in %d s on %d links, all right; call round trip p50"
                        + " %.1f ms (median of the links'), p99 %.1f ms (worst link's), max %.1f ms; no node dropped,"
                        + " no link closed%n", impairment, setupMicros.size(), percentile(setupMicros, 50) / 1000.0,
                percentile(setupMicros, 100) / 1000.0, calls, seconds, callers.size(), percentile(p50s, 50) / 1000.0,
                percentile(p99s, 100) / 1000.0, max / 1000.0);
    }

    private static Map<String, Long> counts(String impairment) {
        Map<String, Long> counts = new java.util.HashMap<>();
        for (String pair : impairment.split(" ")) {
            String[] kv = pair.split("=");
            counts.put(kv[0], Long.parseLong(kv[1]));
        }
        return counts;
    }

    /** The rest of each line the process printed that starts with {@code prefix}. */
    private static List<String> lines(JvmProcess process, String prefix) {
        return process.lines().stream().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length())).toList();
    }
}
