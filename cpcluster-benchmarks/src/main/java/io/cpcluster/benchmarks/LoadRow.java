package io.cpcluster.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one run of the load benchmark measured, for one cluster size N, against a fresh master.
 * Filled in phase by phase by {@link Load}; a phase that did not run leaves its fields at their
 * defaults (NaN for figures), and {@link #notes} say why.
 */
final class LoadRow {
    final int nodes;

    // Joining.
    int joined;
    int failed;
    int skipped;
    boolean joinDeadlinePassed;
    double joinSeconds = Double.NaN;
    /** From the first connect to the last membership frame a node received; NaN if it never went quiet. */
    double settleSeconds = Double.NaN;
    double masterCpuJoin = Double.NaN;
    double probeCpuJoin = Double.NaN;
    Traffic.Snapshot joinTraffic;
    /** CPU seconds other processes on the machine took during the join (noise, when not near 0). */
    double otherCpuJoin = Double.NaN;

    // At rest.
    long heapBaseline = -1;
    long rssBaseline = -1;
    long heapConnected = -1;
    long heapCommitted = -1;
    long rssConnected = -1;
    /** Nodes the master counted when heap and RSS were read. */
    long masterNodes = -1;
    double heartbeatPercent = Double.NaN;
    /** The part of {@link #heartbeatPercent} the master spent in the kernel. */
    double heartbeatKernelPercent = Double.NaN;
    /** The master's CPU seconds in the kernel during the join. */
    double masterKernelJoin = Double.NaN;
    double probeRestPercent = Double.NaN;
    double restSeconds = Double.NaN;
    double otherRestPercent = Double.NaN;

    // Links.
    Swarm.Links links;
    long masterBrokered = -1;
    long openLinksAfter = -1;

    // Losses and what went wrong.
    int dropped;
    /** PINGs sent, sent more than a second late by the probe, and the latest (nanoseconds); null if none ran. */
    long[] pings;
    int silent;
    Map<String, Integer> problems = new TreeMap<>();
    long masterPid = -1;
    String masterLog;
    int masterWarnings = -1;
    /** The master's GC pauses by kind: how many, and their total seconds. */
    Map<String, double[]> gcPauses = Map.of();
    String error;
    final List<String> notes = new ArrayList<>();

    LoadRow(int nodes) {
        this.nodes = nodes;
    }

    /** Nodes connected when the master was measured at rest, as the master counted them, or the probe if not read. */
    long connected() {
        return masterNodes >= 0 ? masterNodes : joined - dropped;
    }

    double heapPerNodeKiB() {
        return perNodeKiB(heapConnected, heapBaseline);
    }

    double rssPerNodeKiB() {
        return perNodeKiB(rssConnected, rssBaseline);
    }

    private double perNodeKiB(long connected, long baseline) {
        long nodes = connected();
        return connected < 0 || baseline < 0 || nodes <= 0 ? Double.NaN : (connected - baseline) / 1024.0 / nodes;
    }

    double joinsPerSecond() {
        return joinSeconds > 0 ? joined / joinSeconds : Double.NaN;
    }

    double linksPerSecond() {
        return links == null ? Double.NaN : links.perSecond();
    }
}
