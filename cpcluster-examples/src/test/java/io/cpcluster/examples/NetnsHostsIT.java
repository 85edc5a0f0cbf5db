package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real hosts, each a network namespace with an address of its own ({@link NetnsHosts}), and
 * the command-line master and nodes on them, as users run them across machines. Needs root and
 * iproute2; where they are missing the tests are skipped with the reason, except on CI
 * ({@code CI=true}), where that is a failure.
 */
class NetnsHostsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Two link ports per host, for five links: only pools kept per host can serve them. */
    private static final String RANGE = "55001-55002";
    private static final Pattern LINK = Pattern.compile("link: +(\\S+) (\\S+) -> (\\S+) on ([0-9.]+):([0-9]+)");

    @TempDir
    Path dir;
    private NetnsHosts hosts;

    @BeforeEach
    void hosts() throws Exception {
        hosts = new NetnsHosts(4, dir);
    }

    @AfterEach
    void close() {
        if (hosts != null) {
            hosts.close();
        }
    }

    /**
     * A master on h1 listening on every interface, two nodes on each of h2 to h4: join.json names
     * h1's own address, links cross hosts, nodes bind where they reach the master or where they are
     * told and are dialed where they advertise, and each host has the whole port range to itself.
     */
    @Test
    void linksCrossHostsAndEachHostHasItsOwnPortPool() throws Exception {
        Path join = dir.resolve("join.json");
        JvmProcess master = hosts.cli(1, "master", "--host", "0.0.0.0", "--range", RANGE, "--join-file",
                join.toString());
        master.awaitLine("CPCluster master listening on ", WAIT);
        String written = Files.readString(join);
        assertTrue(written.contains("\"ip\":\"" + hosts.bed.address(1) + "\""),
                "join.json names the master's own address, not loopback: " + written);

        List<JvmProcess> workers = new ArrayList<>();
        workers.add(hosts.cli(2, "node", "--name", "w2a", "--join-file", join.toString()));
        workers.add(hosts.cli(2, "node", "--name", "w2b", "--join-file", join.toString()));
        workers.add(hosts.cli(3, "node", "--name", "w3a", "--join-file", join.toString()));
        // Listens everywhere, and says where to dial it.
        workers.add(hosts.cli(3, "node", "--name", "w3b", "--join-file", join.toString(), "--bind", "0.0.0.0",
                "--advertise", hosts.bed.address(3)));
        workers.add(hosts.cli(4, "node", "--name", "w4a", "--join-file", join.toString()));
        for (JvmProcess worker : workers) {
            worker.awaitLine("serving primes.count", WAIT);
        }
        long started = System.nanoTime();
        JvmProcess client = hosts.cli(4, "node", "--name", "client", "--join-file", join.toString(), "--count-primes",
                "3000000", "--chunk", "100000", "--wait-for", "5");
        assertEquals(0, client.awaitExit(WAIT), client.output());
        String answer = client.awaitLine("primes below 3,000,000: ", WAIT);
        assertTrue(answer.startsWith("216,816"), answer);
        System.out.printf("NetnsHostsIT: 5 workers on 3 hosts counted the primes below 3,000,000 in %,d ms%n",
                (System.nanoTime() - started) / 1_000_000);

        // The master's record of the links the client opened: one to each worker, on its host.
        Map<String, String> hostOf = Map.of("w2a", hosts.bed.address(2), "w2b", hosts.bed.address(2), "w3a", hosts.bed.address(3),
                "w3b", hosts.bed.address(3), "w4a", hosts.bed.address(4));
        Map<String, Set<Integer>> portsByHost = new HashMap<>();
        Set<String> linked = new HashSet<>();
        for (String line : master.output().lines().toList()) {
            Matcher link = LINK.matcher(line);
            if (link.find() && link.group(2).equals("client")) {
                String worker = link.group(3);
                assertEquals(hostOf.get(worker), link.group(4), "the link to " + worker + " is dialed on its host");
                assertTrue(portsByHost.computeIfAbsent(link.group(4), h -> new HashSet<>())
                        .add(Integer.parseInt(link.group(5))), "two links on one host got one port: " + line);
                linked.add(worker);
            }
        }
        assertEquals(hostOf.keySet(), linked, master.output());
        // Two ports in the range, five links: hosts h2 and h3 each used both; the numbers repeat across hosts.
        assertEquals(Set.of(55001, 55002), portsByHost.get(hosts.bed.address(2)));
        assertEquals(Set.of(55001, 55002), portsByHost.get(hosts.bed.address(3)));
    }
}
