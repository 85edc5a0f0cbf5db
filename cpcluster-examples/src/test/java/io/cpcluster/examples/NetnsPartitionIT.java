package io.cpcluster.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.JvmProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions between hosts ({@link NetnsHosts}): a node cut from its master but not from its peer,
 * and two nodes cut from each other but not from the master. docs/FAILURES.md has the figures.
 */
class NetnsPartitionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private NetnsHosts hosts;
    private JvmProcess master;

    @BeforeEach
    void hosts() throws Exception {
        hosts = new NetnsHosts(4, dir);
        master = hosts.cli(1, "master", "--host", hosts.bed.address(1), "--range", "55001-55010", "--join-file",
                dir.resolve("join.json").toString());
        master.awaitLine("CPCluster master listening on ", WAIT);
    }

    @AfterEach
    void close() {
        if (hosts != null) {
            hosts.close();
        }
    }

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static long count(JvmProcess process, String prefix) {
        return process.output().lines().filter(line -> line.startsWith(prefix)).count();
    }

    /**
     * h3 is cut from the master on h1 and can still reach h2. h3 takes the master for lost within
     * its heartbeat timeout; the master drops h3 after its own (5 s) and tells h2, which closes
     * its link to h3 although the link still carries calls: the master's book is the truth, and
     * a node the master dropped has no links. After the heal, h3 rejoins, and h2 links to it again.
     */
    @Test
    void aNodeCutFromTheMasterOnlyIsDroppedWithItsLinksAndRejoinsAfterTheHeal() throws Exception {
        JvmProcess a = hosts.node(2, "a");
        a.awaitLine("READY ", WAIT);
        JvmProcess b = hosts.node(3, "b");
        String bId = b.awaitLine("READY ", WAIT);
        a.send("connect " + bId);
        String link = a.awaitLine("LINK ", WAIT).split(" ")[0];
        a.send("call " + link + " 7");
        a.awaitLine("SQUARE 7 49", WAIT);

        long cut = System.nanoTime();
        hosts.bed.cut(3, 1);
        b.awaitLine("EVENT MasterLost", WAIT);
        long bNoticed = millisSince(cut);
        master.awaitLine("left:   b (" + bId + ")", WAIT);
        long masterNoticed = millisSince(cut);
        a.awaitLine("EVENT LinkClosed", WAIT);
        long aClosed = millisSince(cut);
        b.awaitLine("EVENT LinkClosed", WAIT);
        long bClosed = millisSince(cut);
        a.send("links");
        await().atMost(WAIT).until(() -> a.output().lines().anyMatch(line -> line.equals("LINKS ")));
        System.out.printf("NetnsPartitionIT: cut from the master: b noticed in %,d ms, the master dropped it in %,d ms,"
                + " a closed the link in %,d ms, b saw it closed in %,d ms%n", bNoticed, masterNoticed, aClosed, bClosed);

        long heal = System.nanoTime();
        hosts.bed.heal(3, 1);
        b.awaitLine("EVENT MasterReconnected", WAIT);
        await().atMost(WAIT).until(() -> count(master, "joined: b (") == 2);
        System.out.printf("NetnsPartitionIT: after the heal, b rejoined in %,d ms%n", millisSince(heal));
        a.send("connect " + bId);
        await().atMost(WAIT).until(() -> count(a, "LINK ") == 2);
        String again = a.output().lines().filter(l -> l.startsWith("LINK ")).toList().getLast().split(" ")[1];
        a.send("call " + again + " 8");
        a.awaitLine("SQUARE 8 64", WAIT);
        assertTrue(master.isAlive());
    }

    /**
     * h2 and h3 are cut from each other and not from the master. The calls h2 has in flight to h3
     * fail with LinkClosedException once the link's heartbeat timeout (1 s here) passes, none
     * hangs; the link's port goes back; and idempotent tasks h2 submits meanwhile all finish, on
     * h4 (an attempt at h3 fails and moves on).
     */
    @Test
    void twoNodesCutFromEachOtherFailTheirCallsInTimeAndSubmitGoesElsewhere() throws Exception {
        JvmProcess a = hosts.node(2, "a");
        a.awaitLine("READY ", WAIT);
        JvmProcess b = hosts.node(3, "b");
        String bId = b.awaitLine("READY ", WAIT);
        JvmProcess c = hosts.node(4, "c");
        c.awaitLine("READY ", WAIT);
        a.send("connect " + bId);
        String link = a.awaitLine("LINK ", WAIT).split(" ")[0];
        for (int i = 0; i < 5; i++) {
            a.send("nap " + link + " 60000");
        }
        a.send("call " + link + " 3");
        a.awaitLine("SQUARE 3 9", WAIT);

        long cut = System.nanoTime();
        hosts.bed.cut(2, 3);
        await().atMost(WAIT).until(() -> count(a, "FAILED nap") == 5);
        long failed = millisSince(cut);
        List<String> failures = a.output().lines().filter(l -> l.startsWith("FAILED nap")).toList();
        failures.forEach(line -> assertTrue(line.contains("LinkClosedException"), line));
        master.awaitLine("closed: link " + link, WAIT);
        long released = millisSince(cut);

        long submitted = System.nanoTime();
        a.send("submit 40");
        String done = a.awaitLine("SUBMITTED ", WAIT);
        assertEquals("40 of 40 right", done, a.output());
        System.out.printf("NetnsPartitionIT: cut from each other: 5 calls in flight failed within %,d ms (%s),"
                + " the master released the link in %,d ms; 40 tasks submitted meanwhile all finished in %,d ms%n",
                failed, failures.getFirst().substring(0, failures.getFirst().indexOf(':')), released,
                millisSince(submitted));
        hosts.bed.heal(2, 3);
        assertTrue(master.isAlive());
    }
}
