package io.cpcluster.benchmarks;

import io.cpcluster.PortRange;
import io.cpcluster.Security;
import io.cpcluster.core.tls.Keys;
import io.cpcluster.core.tls.Tls;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The load benchmark of issue 13: how one master holds thousands of nodes. For each cluster size
 * N it starts a fresh master in a JVM of its own ({@link LoadMaster}), then simulates N nodes in
 * this JVM, each a virtual thread with one connection that speaks the wire protocol
 * ({@link SimulatedNode}; no {@code ClusterNode} per simulated node), and measures:
 * <ol>
 *   <li>the master at rest with no node: heap after a full collection, and resident memory (the
 *       baseline subtracted from the figures per node);</li>
 *   <li>joining: N nodes join, {@code --concurrency} at a time; the time until the last one has its
 *       node list, joins per second, joins that failed; then the time until the membership news
 *       stop (no node receives anything but PONGs for a second); the master's and the probe's CPU
 *       seconds, and the frames and bytes the nodes received, up to then;</li>
 *   <li>at rest with N nodes connected, each pinging every second: the master's heap after a full
 *       collection and its resident memory, in all and per node; its CPU over {@code --window}
 *       seconds, as a share of one core;</li>
 *   <li>brokering: {@code --initiators} nodes ask for links to random nodes for {@code --window}
 *       seconds, one request at a time each (request, LINK_ASSIGNED, LINK_UP, LINK_CLOSED); links
 *       assigned per second.</li>
 * </ol>
 * Nodes that failed to join or whose connection the master ended (dropped) are counted and
 * their reasons reported. Every wait is bounded: a join by {@code --join-timeout}, the join phase
 * by {@code --join-deadline} (nodes not yet started then are skipped, and the row says so), the
 * news by {@code --settle-deadline}, the whole run by {@code --deadline}. The master process is
 * killed at the end of each size, whatever happened.
 *
 * <p>CPU seconds and resident memory come from {@code /proc}: this runs on Linux only. The probe
 * shares the machine's cores with the master, so its own CPU time is reported beside the master's.
 *
 * <p>Prints a Markdown table (one row per N) and the goals, judged on the 10,000 row, on
 * standard output, and writes them to {@code load.md} in {@code --out}. Progress goes to
 * standard error. Run it with {@code cpcluster-benchmarks/load.sh}; {@code --help} lists the options.
 */
public final class Load {
    /** How long the membership news must have stopped for the join to count as settled. */
    static final Duration QUIET = Duration.ofSeconds(1);
    /** How often each simulated node pings, as a Java node does by default. */
    static final long PING_INTERVAL_MILLIS = 1000;

    /** What to run: the defaults, changed by the command line (see {@link #USAGE}). */
    static final class Options {
        /** The cluster sizes, each against a fresh master. */
        List<Integer> nodes = List.of(1000, 5000, 10_000);
        /** How many nodes join at once. */
        int concurrency = 32;
        /** How many nodes ask for links at once in the link phase. */
        int initiators = 64;
        /** How long the heartbeat and the link phases each measure. */
        Duration window = Duration.ofSeconds(10);
        /** How long one node's join may take before it counts as failed. */
        Duration joinTimeout = Duration.ofSeconds(60);
        /** How long the join phase may start new joins. */
        Duration joinDeadline = Duration.ofSeconds(300);
        /** How long after the join phase the membership news may go on. */
        Duration settleDeadline = Duration.ofSeconds(120);
        /** How long the whole run may take; sizes not started by then are skipped. */
        Duration deadline = Duration.ofMinutes(60);
        /**
         * The membership view every simulated node asks for: {@code none}, the default (a compute
         * cluster's workers), or {@code all} (every node told of every other: N² news).
         */
        String view = "none";
        /** TLS 1.3 (the default) or plain TCP, for the master and the nodes. */
        Security security = Security.TLS;
        /** The master JVM's -Xmx. */
        String masterHeap = "1g";
        /** More options for the master JVM. */
        List<String> masterJvm = List.of();
        /** The master's link ports. */
        PortRange range = LoadMaster.DEFAULT_RANGE;
        /** Where load.md goes. */
        Path out = Path.of("cpcluster-benchmarks", "results");
        /** Where the masters' logs go; null: beside load.md, in logs. */
        Path logs;
        /** The master JVM's class path: this JVM's. */
        String classpath = System.getProperty("java.class.path");

        /**
         * Reads the command line.
         *
         * @throws IllegalArgumentException with the usage, for a wrong option or {@code --help}
         */
        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help") || option.equals("-h")) {
                    throw new IllegalArgumentException(USAGE);
                }
                if (option.equals("--plain")) {
                    o.security = Security.PLAIN;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
                }
                String value = args[++i];
                try {
                    switch (option) {
                        case "--nodes" -> o.nodes = Arrays.stream(value.split(",")).map(String::strip)
                                .map(v -> Integer.parseInt(v.replace("_", ""))).toList();
                        case "--concurrency" -> o.concurrency = Integer.parseInt(value);
                        case "--view" -> o.view = switch (value) {
                            case "none", "all" -> value;
                            default -> throw new IllegalArgumentException("--view takes none or all, not '" + value
                                    + "'\n" + USAGE);
                        };
                        case "--initiators" -> o.initiators = Integer.parseInt(value);
                        case "--window" -> o.window = seconds(value);
                        case "--join-timeout" -> o.joinTimeout = seconds(value);
                        case "--join-deadline" -> o.joinDeadline = seconds(value);
                        case "--settle-deadline" -> o.settleDeadline = seconds(value);
                        case "--deadline" -> o.deadline = seconds(value);
                        case "--master-heap" -> o.masterHeap = value;
                        case "--master-jvm" -> o.masterJvm = value.isBlank() ? List.of()
                                : List.of(value.strip().split("\\s+"));
                        case "--range" -> o.range = PortRange.parse(value);
                        case "--out" -> o.out = Path.of(value);
                        case "--logs" -> o.logs = Path.of(value);
                        case "--classpath" -> o.classpath = value;
                        default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(option + " takes a number, not '" + value + "'\n" + USAGE, e);
                }
            }
            o.check();
            return o;
        }

        private static Duration seconds(String value) {
            return Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
        }

        void check() {
            if (nodes.isEmpty() || nodes.stream().anyMatch(n -> n < 1)) {
                throw new IllegalArgumentException("--nodes takes cluster sizes of 1 or more, such as 1000,5000");
            }
            if (concurrency < 1 || initiators < 1) {
                throw new IllegalArgumentException("--concurrency and --initiators take 1 or more");
            }
            if (initiators >= range.size()) {
                throw new IllegalArgumentException("--initiators " + initiators + " would hold as many link ports as"
                        + " the range " + range + " has: every simulated node is on host 127.0.0.1, one port pool");
            }
        }
    }

    static final String USAGE = """
            usage: load.sh [options]
              --nodes 1000,5000,10000   cluster sizes, each against a fresh master
              --concurrency 32          nodes joining at once (the master lets 64 authenticate at once from one address)
              --view none               the membership view each node asks for: none (workers), or all (N² news)
              --initiators 64           nodes asking for links at once in the link phase
              --window 10               seconds the heartbeat and the link phases each measure
              --join-timeout 60         seconds one node's join may take before it counts as failed
              --join-deadline 300       seconds the join phase may start joins; nodes not started by then are skipped
              --settle-deadline 120     seconds after the joins the membership news may go on
              --deadline 3600           seconds the whole run may take
              --plain                   plain TCP instead of TLS 1.3 (master and nodes)
              --master-heap 1g          the master JVM's -Xmx
              --master-jvm "OPTS"       more options for the master JVM, such as -XX:StartFlightRecording=...
              --range 20000-29999       the master's link ports (all nodes share host 127.0.0.1)
              --out DIR                 where load.md goes (cpcluster-benchmarks/results)
              --logs DIR                where the masters' logs go (DIR/logs of --out)
            """;

    private Load() {
    }

    /**
     * Runs the benchmark with the options given, prints the report and writes load.md.
     *
     * @param args see {@code --help}
     * @throws Exception if the report cannot be written
     */
    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")) ? 0 : 2);
            return;
        }
        PrintStream progress = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        List<LoadRow> rows = run(options, progress);
        String report = LoadReport.markdown(options, rows);
        Files.createDirectories(options.out);
        Path file = options.out.resolve("load.md");
        Files.writeString(file, report);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(report);
        progress.println("load: wrote " + file.toAbsolutePath());
    }

    /** Runs every size in turn; a size that fails is reported with its error, and the next runs. */
    static List<LoadRow> run(Options options, PrintStream progress) throws IOException {
        long deadline = System.nanoTime() + options.deadline.toNanos();
        Tls tls = options.security == Security.TLS ? new Tls(Keys.generate("cpcluster load probe")) : null;
        Path logs = options.logs != null ? options.logs : options.out.resolve("logs");
        List<LoadRow> rows = new ArrayList<>();
        for (int n : options.nodes) {
            LoadRow row = new LoadRow(n);
            rows.add(row);
            if (System.nanoTime() - deadline > 0) {
                row.error = "not run: the run's deadline (--deadline " + options.deadline.toSeconds() + " s) passed";
                continue;
            }
            progress.printf("load: %,d nodes (%s)%n", n, options.security);
            try {
                measure(options, row, tls, logs.resolve("master-" + n + ".log"), deadline, progress);
            } catch (IOException | RuntimeException e) {
                row.error = e.toString();
                progress.println("load: " + n + " nodes failed: " + e);
            } catch (InterruptedException e) {
                row.error = "interrupted";
                Thread.currentThread().interrupt();
                break;
            }
        }
        return rows;
    }

    private static void measure(Options o, LoadRow row, Tls tls, Path log, long runDeadline, PrintStream progress)
            throws IOException, InterruptedException {
        Duration command = Duration.ofSeconds(60);
        MasterProcess master = new MasterProcess(o.classpath, o.masterHeap, o.masterJvm, o.security, o.range, log,
                Duration.ofSeconds(60));
        Swarm swarm = null;
        try {
            row.masterPid = master.pid();
            row.masterLog = log.toString();
            progress.printf("  master pid %d on port %d, log %s%n", master.pid(), master.port, log);
            checkFiles(row, master.pid(), progress);
            // Let the master's start-up work (class loading, JIT) settle before the baseline.
            Thread.sleep(1000);
            row.heapBaseline = master.stats(command).get("heapUsed");
            row.rssBaseline = master.rssBytes();
            SimulatedNode.Target target = new SimulatedNode.Target(new InetSocketAddress("127.0.0.1", master.port),
                    master.token, master.fingerprint, tls, o.view);
            swarm = new Swarm(target, PING_INTERVAL_MILLIS);
            // Joining, and the news of it.
            double masterCpu = master.cpuSeconds();
            double masterKernel = master.kernelSeconds();
            double probeCpu = Proc.cpuSeconds(Proc.self());
            double machineCpu = Proc.machineBusySeconds();
            Duration phase = shorter(o.joinDeadline, runDeadline);
            Swarm.Joining joining = swarm.join(row.nodes, o.concurrency, o.joinTimeout, phase,
                    progress::println);
            row.joined = joining.joined();
            row.failed = joining.failed();
            row.skipped = joining.skipped();
            row.joinDeadlinePassed = joining.deadlinePassed();
            row.joinSeconds = joining.seconds();
            progress.printf("  %,d joined in %.1f s, %,d failed, %,d skipped; waiting for the news to stop%n",
                    joining.joined(), joining.seconds(), joining.failed(), joining.skipped());
            long settleEnd = System.nanoTime() + shorter(o.settleDeadline, runDeadline).toNanos();
            long lastNews = swarm.awaitQuiet(QUIET, settleEnd);
            row.masterCpuJoin = master.cpuSeconds() - masterCpu;
            row.masterKernelJoin = master.kernelSeconds() - masterKernel;
            row.probeCpuJoin = Proc.cpuSeconds(Proc.self()) - probeCpu;
            row.otherCpuJoin = Math.max(0, Proc.machineBusySeconds() - machineCpu - row.masterCpuJoin - row.probeCpuJoin);
            row.joinTraffic = swarm.traffic.snapshot();
            if (lastNews > 0) {
                row.settleSeconds = (lastNews - joining.startNanos()) / 1e9;
            } else {
                row.notes.add("the membership news still flowed " + o.settleDeadline.toSeconds()
                        + " s after the join phase (--settle-deadline): the figures at rest are not at rest");
            }
            progress.printf("  settled at %.1f s; master CPU %.1f s, probe CPU %.1f s, %,d frames received%n",
                    row.settleSeconds, row.masterCpuJoin, row.probeCpuJoin, row.joinTraffic.frames());
            if (System.nanoTime() - runDeadline > 0) {
                row.notes.add("the run's deadline passed after the join: nothing measured at rest");
                return;
            }

            // At rest: memory, then heartbeats.
            Map<String, Long> stats = master.stats(command);
            row.heapConnected = stats.get("heapUsed");
            row.heapCommitted = stats.get("heapCommitted");
            row.masterNodes = stats.get("nodes");
            row.rssConnected = master.rssBytes();
            masterCpu = master.cpuSeconds();
            masterKernel = master.kernelSeconds();
            probeCpu = Proc.cpuSeconds(Proc.self());
            machineCpu = Proc.machineBusySeconds();
            progress.printf("  at rest for %d s...%n", o.window.toSeconds());
            long restStart = System.nanoTime();
            Thread.sleep(o.window.toMillis());
            row.restSeconds = (System.nanoTime() - restStart) / 1e9;
            double masterRest = master.cpuSeconds() - masterCpu;
            double probeRest = Proc.cpuSeconds(Proc.self()) - probeCpu;
            double other = Math.max(0, Proc.machineBusySeconds() - machineCpu - masterRest - probeRest);
            row.heartbeatPercent = 100 * masterRest / row.restSeconds;
            row.heartbeatKernelPercent = 100 * (master.kernelSeconds() - masterKernel) / row.restSeconds;
            row.probeRestPercent = 100 * probeRest / row.restSeconds;
            row.otherRestPercent = 100 * other / row.restSeconds;
            progress.printf("  at rest: heap %,d MiB, RSS %,d MiB, heartbeats %.1f%% of a core%n",
                    row.heapConnected >> 20, row.rssConnected >> 20, row.heartbeatPercent);

            // Brokering.
            progress.printf("  brokering links for %d s...%n", o.window.toSeconds());
            row.links = swarm.links(o.initiators, o.window, Duration.ofSeconds(10), master::cpuSeconds);
            progress.printf("  links: %,.0f/s (%,d assigned in %.1f s)%n", row.links.perSecond(),
                    row.links.assigned(), row.links.seconds());
            stats = master.stats(command);
            row.masterBrokered = stats.get("brokered");
            row.openLinksAfter = stats.get("links") + stats.get("pending");
        } finally {
            if (swarm != null) {
                Map<SimulatedNode.State, Integer> states = swarm.states();
                row.dropped = states.get(SimulatedNode.State.DROPPED);
                row.silent = swarm.silent(Duration.ofSeconds(5));
                row.problems = swarm.problems(8);
                row.pings = swarm.pings();
            }
            // The master first: it tells nobody that nodes left when it closes, whereas closing
            // thousands of nodes first would make it broadcast every departure to the rest.
            master.close();
            if (swarm != null) {
                swarm.close();
            }
            row.masterWarnings = warnings(log);
            row.gcPauses = GcLog.pauses(MasterProcess.gcLog(log));
        }
    }

    /** The open-file limits of this process and the master's, against what N connections need. */
    private static void checkFiles(LoadRow row, long masterPid, PrintStream progress) {
        long needed = row.nodes + 512L;
        for (long pid : new long[] {Proc.self(), masterPid}) {
            long limit = Proc.openFileLimit(pid);
            if (limit >= 0 && limit < needed) {
                String who = pid == masterPid ? "the master" : "the probe";
                String note = "the open-file limit of " + who + " is " + limit + ", below the " + needed + " that "
                        + row.nodes + " connections need: raise it (ulimit -n 65536; load.sh does) or expect"
                        + " failed joins";
                row.notes.add(note);
                progress.println("  WARNING: " + note);
            }
        }
    }

    private static Duration shorter(Duration limit, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return Duration.ofNanos(Math.max(0, Math.min(limit.toNanos(), left)));
    }

    /** How many lines of the master's log are warnings or worse. */
    private static int warnings(Path log) {
        try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return (int) lines.filter(line -> line.startsWith("WARNING") || line.startsWith("SEVERE")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }
}
