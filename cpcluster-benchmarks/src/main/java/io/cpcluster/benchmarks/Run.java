package io.cpcluster.benchmarks;

import io.cpcluster.Security;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks, CPCluster and baselines in one run, in both security modes, and writes the
 * JMH results as JSON and the comparison as Markdown tables ({@link Report}).
 *
 * <pre>
 * java -jar benchmarks.jar [--out DIR] [--quick] [--include REGEX]
 *
 *   --out      where to write benchmarks.json and benchmarks.md; default ./results
 *   --quick    one short iteration each: checks that everything runs, measures nothing
 *   --include  only the benchmarks whose name matches REGEX (the tables then have gaps)
 * </pre>
 *
 * <p>The run is a plan of JMH runs ({@link #PLAN}), each fixing the {@code security} parameter
 * that every benchmark has, CPCluster's ({@link Security}) and its baseline's alike:
 * <ul>
 *   <li>{@code PLAIN}: every benchmark with every other parameter, as each class's {@code @Fork},
 *       {@code @Warmup} and {@code @Measurement} say, CPCluster over plain TCP beside plain
 *       sockets;</li>
 *   <li>{@code TLS}: CPCluster's defaults only (platform readers, virtual-thread handlers) beside
 *       the JDK's {@code SSLSocket}, the baseline that coalesces; the JSON-B record's round trip,
 *       which TLS does not change, is left out. The streams and many callers run in two JVMs,
 *       not three (their {@code ±} is somewhat wider for it), which keeps the whole run to about
 *       16 minutes on 2 cores, build included; a third would add about a minute and a half.</li>
 * </ul>
 * Every other combination is still a benchmark of the jar: JMH's own runner runs it
 * ({@code java -cp benchmarks.jar org.openjdk.jmh.Main -p security=TLS RoundTrip}), and
 * {@code BenchmarksWorkTest} checks that each works in both modes.
 */
public final class Run {
    /**
     * One JMH run of the plan.
     *
     * @param what for the console
     * @param include the benchmarks it runs (a regular expression on their names)
     * @param exclude the benchmarks it leaves out, or null
     * @param params the parameters it fixes, each to one value
     * @param forks how many JVMs each benchmark runs in, or 0 for what its class says
     */
    private record Part(String what, String include, String exclude, Map<String, String> params, int forks) {
    }

    /** The benchmark classes that run in three JVMs in plain mode, and in two with TLS. */
    private static final String STREAMS = "\\.(OneWay|RawOneWay|ManyCallers|RawManyCallers)\\.";
    /** TLS measures the defaults: platform readers, virtual-thread handlers, a coalescing baseline. */
    private static final Map<String, String> TLS_DEFAULTS = Map.of("security", Security.TLS.name(),
            "threads", "platform", "readers", "PLATFORM", "flush", "coalesced");

    private static final List<Part> PLAN = List.of(
            new Part("plain TCP, everything", ".*", null, Map.of("security", Security.PLAIN.name()), 0),
            new Part("TLS 1.3, the defaults: streams and many callers", STREAMS, null, TLS_DEFAULTS, 2),
            new Part("TLS 1.3, the defaults: round trips, set-up, the master", ".*",
                    STREAMS + "|\\.RoundTrip\\.record$", TLS_DEFAULTS, 0));

    private Run() {
    }

    /**
     * Runs the benchmarks.
     *
     * @param args the options above
     */
    public static void main(String[] args) throws RunnerException, IOException {
        List<String> options = Arrays.asList(args);
        if (options.contains("--help") || options.contains("-h")) {
            System.out.println("usage: java -jar benchmarks.jar [--out DIR] [--quick] [--include REGEX]");
            return;
        }
        Path out = Path.of(value(options, "--out", "results"));
        boolean quick = options.contains("--quick");
        String only = value(options, "--include", ".*");
        Files.createDirectories(out);
        Path json = out.resolve("benchmarks.json");
        String benchmarks = Pattern.quote(Run.class.getPackageName() + ".");
        List<RunResult> results = new ArrayList<>();
        for (Part part : PLAN) {
            // All three must match: this package, the part, and --include.
            ChainedOptionsBuilder jmh = new OptionsBuilder()
                    .include("^(?=" + benchmarks + ")(?=.*(?:" + part.include() + "))(?=.*(?:" + only + "))")
                    .jvmArgsAppend("-Xms1g", "-Xmx1g")
                    .shouldFailOnError(true);
            if (part.exclude() != null) {
                jmh.exclude(part.exclude());
            }
            part.params().forEach(jmh::param);
            if (quick) {
                jmh.forks(1).warmupIterations(1).warmupTime(TimeValue.milliseconds(500))
                        .measurementIterations(1).measurementTime(TimeValue.milliseconds(500));
            } else if (part.forks() > 0) {
                jmh.forks(part.forks());
            }
            // Otherwise each benchmark class says how many JVMs to run it in and how long to warm
            // up and measure (@Fork, @Warmup, @Measurement): streams and many callers on two cores
            // settle differently from one JVM to the next (which core each thread lands on), so
            // they run in several, and their error covers that; latency samples a lot in one.
            System.out.println("# run.sh: " + part.what());
            try {
                results.addAll(new Runner(jmh.build()).run());
            } catch (NoBenchmarksException e) {
                System.out.println("# run.sh: --include leaves nothing of this part");
            }
        }
        ResultFormatFactory.getInstance(ResultFormatType.JSON, json.toString()).writeOut(results);
        String table = Report.markdown(results, quick);
        Files.writeString(out.resolve("benchmarks.md"), table);
        System.out.println();
        System.out.println(table);
        System.out.println("JMH results: " + json.toAbsolutePath());
        System.out.println("the tables:  " + out.resolve("benchmarks.md").toAbsolutePath());
    }

    private static String value(List<String> options, String name, String fallback) {
        int at = options.indexOf(name);
        return at >= 0 && at + 1 < options.size() ? options.get(at + 1) : fallback;
    }
}
