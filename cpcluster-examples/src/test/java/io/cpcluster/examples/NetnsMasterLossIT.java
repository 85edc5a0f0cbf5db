package io.cpcluster.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's host gone for good ({@link NetnsHosts}): links keep working, and the nodes, given a
 * second master address, move to a master started there with the same join file and key, which
 * rebuilds its book from the links they report.
 */
class NetnsMasterLossIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

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

    private static long millisSince(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Test
    void linksOutliveTheMastersHostAndASecondMasterWithTheSameKeyRebuildsTheBook() throws Exception {
        Path join = dir.resolve("join.json");
        JvmProcess first = hosts.cli(1, "master", "--host", hosts.bed.address(1), "--range", "55001-55010",
                "--join-file", join.toString());
        first.awaitLine("CPCluster master listening on ", WAIT);
        // The standby's own copy of the join file and the key beside it: the same token, the same key.
        Path standby = Files.createDirectories(dir.resolve("standby"));
        Files.copy(join, standby.resolve("join.json"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(dir.resolve("join.key.pem"), standby.resolve("join.key.pem"), StandardCopyOption.COPY_ATTRIBUTES);
        String masters = "masters=" + hosts.bed.address(1) + ":55000," + hosts.bed.address(4) + ":55000";
        JvmProcess a = hosts.node(2, "a", masters);
        a.awaitLine("READY ", WAIT);
        JvmProcess b = hosts.node(3, "b", masters);
        String bId = b.awaitLine("READY ", WAIT);
        a.send("connect " + bId);
        String link = a.awaitLine("LINK ", WAIT).split(" ")[0];

        long gone = System.nanoTime();
        hosts.bed.isolate(1);
        a.awaitLine("EVENT MasterLost", WAIT);
        b.awaitLine("EVENT MasterLost", WAIT);
        long lost = millisSince(gone);
        a.send("call " + link + " 12");
        a.awaitLine("SQUARE 12 144", WAIT);

        long started = System.nanoTime();
        JvmProcess second = hosts.cli(4, "master", "--host", hosts.bed.address(4), "--range", "55001-55010",
                "--join-file", standby.resolve("join.json").toString());
        second.awaitLine("CPCluster master listening on ", WAIT);
        a.awaitLine("EVENT MasterReconnected", WAIT);
        b.awaitLine("EVENT MasterReconnected", WAIT);
        long moved = millisSince(started);
        await().atMost(WAIT).until(() -> second.output().contains("joined: a (")
                && second.output().contains("joined: b ("));
        a.send("call " + link + " 13");
        a.awaitLine("SQUARE 13 169", WAIT);

        // The second master booked the link the nodes reported: it sees it close, and brokers a
        // new one between them once its rejoin grace is over.
        a.send("close " + link);
        second.awaitLine("closed: link " + link, WAIT);
        a.send("connect " + bId);
        await().atMost(WAIT).until(() -> a.output().lines().filter(l -> l.startsWith("LINK ")).count() == 2);
        assertTrue(second.output().contains("link:"), second.output());
        System.out.printf("NetnsMasterLossIT: the nodes took the master for lost in %,d ms; a second master on"
                + " another host had them both back %,d ms after it started%n", lost, moved);
    }
}
