package io.cpcluster.benchmarks;

import io.cpcluster.Security;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The load benchmark's report in Markdown: one table row per cluster size, the goals of issue 13
 * judged on the 10,000 row ("met", or "MISSED" with the figure; never left out), and the details
 * behind each row.
 */
final class LoadReport {
    /** The cluster size the goals are stated for. */
    static final int GOAL_NODES = 10_000;
    static final double GOAL_JOIN_SECONDS = 60;
    static final double GOAL_HEARTBEAT_PERCENT = 25;
    static final double GOAL_LINKS_PER_SECOND = 5000;
    static final long GOAL_RSS_BYTES = 1L << 30;

    private LoadReport() {
    }

    static String markdown(Load.Options o, List<LoadRow> rows) {
        StringBuilder md = new StringBuilder();
        md.append("## Load: one master, many simulated nodes (issue 13)\n\n");
        md.append(String.format(Locale.ROOT, "%s, %s; %d cores, %s %s; master -Xmx%s%s; nodes ask for view %s, join %d at a"
                        + " time and ping every second; %d initiators broker links; %d s windows.%n%n",
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                o.security == Security.TLS ? "TLS 1.3" : "plain TCP", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), o.masterHeap,
                o.masterJvm.isEmpty() ? "" : " " + String.join(" ", o.masterJvm), o.view, o.concurrency, o.initiators,
                o.window.toSeconds()));
        md.append("| nodes | joined (failed, dropped) | time to join | joins/s | news settled | master CPU, join"
                + " | received by the nodes, join | master heap after GC (per node) | master RSS (per node)"
                + " | heartbeats at rest | links brokered/s | probe CPU: join, at rest |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (LoadRow r : rows) {
            if (r.error != null && r.joined == 0) {
                md.append("| ").append(count(r.nodes)).append(" | ").append(escape(r.error))
                        .append(" |  |  |  |  |  |  |  |  |  |  |\n");
                continue;
            }
            md.append("| ").append(count(r.nodes));
            md.append(" | ").append(joined(r));
            md.append(" | ").append(seconds(r.joinSeconds)).append(r.joinDeadlinePassed ? " (deadline)" : "");
            md.append(" | ").append(number(r.joinsPerSecond()));
            md.append(" | ").append(Double.isNaN(r.settleSeconds) ? "not settled" : seconds(r.settleSeconds));
            md.append(" | ").append(seconds(r.masterCpuJoin));
            md.append(" | ").append(r.joinTraffic == null ? "–" : millions(r.joinTraffic.frames()) + " frames, "
                    + bytes(r.joinTraffic.bytes()));
            md.append(" | ").append(memory(r.heapConnected, r.heapPerNodeKiB()));
            md.append(" | ").append(memory(r.rssConnected, r.rssPerNodeKiB()));
            md.append(" | ").append(percent(r.heartbeatPercent));
            md.append(" | ").append(number(r.linksPerSecond()));
            md.append(" | ").append(seconds(r.probeCpuJoin)).append(", ").append(percent(r.probeRestPercent));
            md.append(" |\n");
        }
        rows.stream().filter(r -> r.heapBaseline >= 0).findFirst().ifPresent(r -> md.append(String.format(Locale.ROOT,
                "%nThe master at rest with no node: heap %s after a full GC, RSS %s (subtracted from the figures per"
                        + " node, which divide by the nodes the master counted).%n", bytes(r.heapBaseline),
                bytes(r.rssBaseline))));
        goals(md, rows);
        details(md, o, rows);
        return md.toString();
    }

    private static String joined(LoadRow r) {
        String failed = count(r.failed) + ", " + count(r.dropped);
        if (r.skipped > 0) {
            return count(r.joined) + " of " + count(r.nodes) + " (" + failed + "; " + count(r.skipped)
                    + " not started by the deadline)";
        }
        return count(r.joined) + " (" + failed + ")";
    }

    private static void goals(StringBuilder md, List<LoadRow> rows) {
        md.append("\n### Goals (issue 13, on 2 cores, the master in its own JVM), judged on the ")
                .append(count(GOAL_NODES)).append(" row\n\n");
        md.append("| goal | measured | |\n|---|---|---|\n");
        Optional<LoadRow> found = rows.stream().filter(r -> r.nodes == GOAL_NODES).findFirst();
        if (found.isEmpty() || found.get().error != null && found.get().joined == 0) {
            String why = found.isEmpty() ? "no " + count(GOAL_NODES) + " row in this run" : "the run failed";
            for (String goal : new String[] {"10,000 nodes joined in ≤ 60 s, none dropped",
                "heartbeats at rest with 10,000 nodes < 25% of one core", "≥ 5,000 links brokered/s with 10,000 nodes",
                "master RSS ≤ 1 GiB with 10,000 nodes"}) {
                md.append("| ").append(goal).append(" | ").append(why).append(" | not measured |\n");
            }
            return;
        }
        LoadRow r = found.get();
        boolean allJoined = r.joined == GOAL_NODES && r.failed == 0 && r.skipped == 0 && r.dropped == 0;
        md.append("| 10,000 nodes joined in ≤ 60 s, none dropped | ").append(joined(r)).append(" in ")
                .append(seconds(r.joinSeconds)).append(r.joinDeadlinePassed ? " (the join phase's deadline passed)" : "")
                .append(" | ").append(allJoined && r.joinSeconds <= GOAL_JOIN_SECONDS ? "met" : "MISSED").append(" |\n");
        long connected = r.connected();
        md.append("| heartbeats at rest with 10,000 nodes < 25% of one core | ").append(percent(r.heartbeatPercent))
                .append(with(connected)).append(" | ")
                .append(verdict(r.heartbeatPercent < GOAL_HEARTBEAT_PERCENT, r.heartbeatPercent, connected))
                .append(" |\n");
        md.append("| ≥ 5,000 links brokered/s with 10,000 nodes | ").append(number(r.linksPerSecond()))
                .append(with(connected)).append(" | ")
                .append(verdict(r.linksPerSecond() >= GOAL_LINKS_PER_SECOND, r.linksPerSecond(), connected))
                .append(" |\n");
        md.append("| master RSS ≤ 1 GiB with 10,000 nodes | ").append(bytes(r.rssConnected)).append(with(connected))
                .append(" | ").append(verdict(r.rssConnected >= 0 && r.rssConnected <= GOAL_RSS_BYTES,
                        r.rssConnected < 0 ? Double.NaN : r.rssConnected, connected))
                .append(" |\n");
    }

    /** Met only with every node connected; a figure that misses is MISSED whatever the count. */
    private static String verdict(boolean within, double figure, long connected) {
        if (Double.isNaN(figure)) {
            return "MISSED (not measured)";
        }
        if (!within) {
            return "MISSED";
        }
        return connected >= GOAL_NODES ? "met" : "MISSED (within the goal, but with " + count(connected)
                + " nodes connected, not " + count(GOAL_NODES) + ")";
    }

    private static String with(long connected) {
        return connected >= 0 && connected != GOAL_NODES ? " with " + count(connected) + " connected" : "";
    }

    private static void details(StringBuilder md, Load.Options o, List<LoadRow> rows) {
        md.append("\n### Details\n");
        for (LoadRow r : rows) {
            md.append("\n**").append(count(r.nodes)).append(" nodes**");
            if (r.masterPid >= 0) {
                md.append(" (master pid ").append(r.masterPid).append(")");
            }
            md.append("\n\n");
            if (r.error != null) {
                md.append("- failed: ").append(escape(r.error)).append('\n');
            }
            if (r.joinTraffic != null) {
                md.append("- received during the join, by type: ").append(r.joinTraffic.byType().entrySet().stream()
                        .map(e -> e.getKey() + " " + count(e.getValue()[0]) + " (" + bytes(e.getValue()[1]) + ")")
                        .collect(Collectors.joining(", "))).append('\n');
            }
            if (r.links != null) {
                Swarm.Links l = r.links;
                md.append(String.format(Locale.ROOT, "- links: %s assigned in %.1f s by %d initiators; while"
                                + " brokering the master used %s of a core, the probe %s, other processes %s; the"
                                + " master counted %s links brokered; open or pending after: %s", count(l.assigned()),
                        l.seconds(), l.initiators(), percent(100 * l.masterCpu() / l.seconds()),
                        percent(100 * l.probeCpu() / l.seconds()), percent(100 * l.otherCpu() / l.seconds()),
                        count(r.masterBrokered), count(r.openLinksAfter)));
                if (!l.refused().isEmpty()) {
                    md.append("; refused: ").append(l.refused().entrySet().stream()
                            .map(e -> e.getKey() + " " + count(e.getValue())).collect(Collectors.joining(", ")));
                }
                if (l.unanswered() > 0 || l.failures() > 0) {
                    md.append("; unanswered within 10 s: ").append(count(l.unanswered())).append(", failed: ")
                            .append(count(l.failures()));
                }
                md.append('\n');
            }
            if (!Double.isNaN(r.masterKernelJoin) || !Double.isNaN(r.heartbeatKernelPercent)) {
                md.append(String.format(Locale.ROOT, "- the master's CPU in the kernel (system calls): %s of the join's"
                                + " %s; %s of a core of the heartbeats' %s%n", seconds(r.masterKernelJoin),
                        seconds(r.masterCpuJoin), percent(r.heartbeatKernelPercent), percent(r.heartbeatPercent)));
            }
            if (!Double.isNaN(r.otherCpuJoin)) {
                md.append(String.format(Locale.ROOT, "- other processes on the machine took %s of CPU during the join%s"
                                + " (the master and the probe share %d cores with them)%n", seconds(r.otherCpuJoin),
                        Double.isNaN(r.otherRestPercent) ? "" : " and " + percent(r.otherRestPercent)
                                + " of a core at rest", Runtime.getRuntime().availableProcessors()));
            }
            if (r.heapCommitted >= 0) {
                md.append("- master heap with the nodes connected: ").append(bytes(r.heapConnected))
                        .append(" used after a full GC, ").append(bytes(r.heapCommitted))
                        .append(" committed (RSS counts what the heap committed, as the join's garbage grew it)\n");
            }
            if (r.pings != null && r.pings[0] > 0) {
                md.append(String.format(Locale.ROOT, "- pings: %s sent, %s of them more than 1 s late by the probe's"
                                + " own schedule (the latest %s late): %s%n", count(r.pings[0]), count(r.pings[1]),
                        seconds(r.pings[2] / 1e9), r.pings[2] > 4e9 ? "the probe itself was too slow to keep some"
                                + " nodes alive, so their drops may be the probe's doing"
                                : "the probe kept every node's heartbeat"));
            }
            if (r.silent > 0) {
                md.append("- ").append(count(r.silent)).append(" joined nodes had heard nothing from the master for"
                        + " over 5 s at the end\n");
            }
            for (Map.Entry<String, Integer> problem : r.problems.entrySet()) {
                md.append("- ").append(count(problem.getValue())).append(" × ").append(escape(problem.getKey()))
                        .append('\n');
            }
            if (!r.gcPauses.isEmpty()) {
                md.append("- the master's GC pauses, start to end: ").append(r.gcPauses.entrySet().stream()
                        .map(e -> count((long) e.getValue()[0]) + " × " + e.getKey() + ", " + seconds(e.getValue()[1]))
                        .collect(Collectors.joining("; "))).append('\n');
            }
            if (r.masterWarnings > 0) {
                md.append("- the master logged ").append(count(r.masterWarnings)).append(" warnings: ")
                        .append(r.masterLog).append('\n');
            }
            r.notes.forEach(note -> md.append("- ").append(escape(note)).append('\n'));
        }
        md.append("""

                ### How it is measured

                Each size gets a fresh master (`LoadMaster`, a real `ClusterMaster` with default settings but the \
                link port range %s, in a JVM of its own) and N simulated nodes in the probe's JVM (`Load`), each a \
                virtual thread with one %s connection that speaks the wire protocol: HELLO, the TLS handshake with \
                the master's key pinned (one key pair shared by all simulated nodes, a full handshake each), AUTH \
                with the token proof and the view asked for, AUTH_OK and the NODES pages, then a PING every second while it reads \
                everything the master sends; as a Java node with the default heartbeat timeout does, a PING asks \
                for an answer only when the master was quiet for 1.25 s, so a master at rest answers every other one. *Time to join*: from the first connect until the last node had its \
                node list. *News settled*: until the last frame other than a PONG reached a node (the MEMBERS \
                news, for a view that has any), found by waiting until none came for %d s; the CPU seconds and frames of the join are \
                counted up to then, that wait included. *Heap* is the master's after a full GC, *RSS* its VmRSS; \
                per node, minus the master's at rest with no node. *Heartbeats at rest*: the master's CPU time over \
                %d s with every node pinging, as a share of one core. *Links brokered/s*: LINK_ASSIGNED received \
                over %d s by %d initiators, each asking for a link to a random node, then sending LINK_UP and \
                LINK_CLOSED, one at a time; acceptors answer LINK_OFFER with LINK_READY and LINK_UP (nothing is \
                bound or dialed). CPU seconds come from /proc/<pid>/stat (utime + stime) and RSS from \
                /proc/<pid>/status; the probe shares the cores with the master, so its own CPU time is shown too.
                """.formatted(o.range, o.security == Security.TLS ? "TLS 1.3" : "plain TCP", Load.QUIET.toSeconds(),
                o.window.toSeconds(), o.window.toSeconds(), o.initiators));
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String number(double value) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%,.0f", value);
    }

    static String seconds(double seconds) {
        return Double.isNaN(seconds) ? "–" : String.format(Locale.ROOT, seconds < 10 ? "%.2f s" : "%.1f s", seconds);
    }

    static String percent(double percent) {
        return Double.isNaN(percent) ? "–" : String.format(Locale.ROOT, "%.1f%%", percent);
    }

    static String millions(long n) {
        return n < 10_000 ? count(n) : String.format(Locale.ROOT, "%.2f M", n / 1e6);
    }

    static String bytes(long bytes) {
        if (bytes < 0) {
            return "–";
        }
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1 << 20) {
            return String.format(Locale.ROOT, "%,.0f MiB", bytes / (double) (1 << 20));
        }
        return String.format(Locale.ROOT, "%,.0f KiB", bytes / 1024.0);
    }

    private static String memory(long bytes, double perNodeKiB) {
        if (bytes < 0) {
            return "–";
        }
        return bytes(bytes) + (Double.isNaN(perNodeKiB) ? "" : String.format(Locale.ROOT, " (%.1f KiB)", perNodeKiB));
    }

    /** Keeps free text from breaking a table: no pipes, no line breaks. */
    private static String escape(String text) {
        return text.replace("|", "\\|").replace("\n", " ").replace("\r", " ");
    }
}
