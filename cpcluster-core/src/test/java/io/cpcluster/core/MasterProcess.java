package io.cpcluster.core;

import io.cpcluster.ClusterMaster;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.PortRange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A master in a JVM of its own, for tests that kill it or run it with a small heap. Arguments:
 * port, join file, port range, heartbeat timeout in milliseconds, and optionally the largest
 * control frame in bytes. Prints {@code READY <port>} once listening; for each line {@code stats}
 * on its standard input prints {@code STATS} and its {@link MasterStats} and used heap; stops when
 * its standard input ends.
 */
public final class MasterProcess {
    private MasterProcess() {
    }

    public static void main(String[] args) throws IOException {
        MasterConfig.Builder config = MasterConfig.builder()
                .port(Integer.parseInt(args[0]))
                .joinFile(Path.of(args[1]))
                .portRange(PortRange.parse(args[2]))
                .heartbeatTimeout(Duration.ofMillis(Long.parseLong(args[3])));
        if (args.length > 4) {
            config.maxControlFrameSize(Integer.parseInt(args[4]));
        }
        // Loaded now: loading the management beans while an attack fills the heap can fail, and
        // that once ended this process instead of answering "stats".
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (ClusterMaster master = ClusterMaster.start(config.build())) {
            // Built once before any attack, so that the string concatenations and the record's
            // toString are linked: linking them under a full heap failed with a BootstrapMethodError.
            statsLine(master, memory);
            System.out.println("READY " + master.address().getPort());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("stats")) {
                    printStats(master, memory);
                }
            }
        }
    }

    /** Prints the stats, trying again while the heap is too full to build the line. */
    private static void printStats(ClusterMaster master, MemoryMXBean memory) {
        for (int attempt = 1; ; attempt++) {
            try {
                System.out.println(statsLine(master, memory));
                System.out.flush();
                return;
            } catch (OutOfMemoryError | LinkageError e) {
                if (attempt == 20) {
                    throw e;
                }
            }
        }
    }

    private static String statsLine(ClusterMaster master, MemoryMXBean memory) {
        // What is live, not what garbage is left: the test compares it with the heap.
        System.gc();
        long heap = memory.getHeapMemoryUsage().getUsed();
        return "STATS " + master.stats() + " heapUsed=" + heap;
    }
}
