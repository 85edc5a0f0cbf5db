package io.cpcluster.core;

import io.cpcluster.ClusterMaster;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.PortRange;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A master in a JVM of its own, for tests that kill it or run it with a small heap. Arguments:
 * port, join file, port range, heartbeat timeout in milliseconds, and optionally the largest
 * control frame in bytes and the host to listen on (default 127.0.0.1). Prints {@code READY <port>} once listening; for each line {@code stats}
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
        if (args.length > 5) {
            config.host(args[5]);
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
            // Read byte by byte into a buffer made now: reading a line must not need the heap that
            // an attack may have filled (a readLine that ran out of memory ended this process).
            byte[] line = new byte[64];
            int length = 0;
            while (true) {
                int next;
                try {
                    next = System.in.read();
                } catch (OutOfMemoryError e) {
                    continue;
                }
                if (next < 0) {
                    return;
                }
                if (next == '\n') {
                    if (Arrays.equals(line, 0, length, STATS, 0, STATS.length)) {
                        printStats(master, memory);
                    }
                    length = 0;
                } else if (length < line.length) {
                    line[length++] = (byte) next;
                }
            }
        }
    }

    private static final byte[] STATS = "stats".getBytes(StandardCharsets.US_ASCII);

    /** Prints the stats, trying again while the heap is too full to build the line. */
    private static void printStats(ClusterMaster master, MemoryMXBean memory) {
        for (int attempt = 1; ; attempt++) {
            try {
                System.out.println(statsLine(master, memory));
                System.out.flush();
                return;
            } catch (OutOfMemoryError | LinkageError e) {
                // The connections that filled the heap are let go within moments: wait for that.
                if (attempt == 200) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
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
