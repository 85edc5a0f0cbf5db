package io.cpcluster.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark, CPCluster and baselines in one run, and writes the JMH results as JSON
 * and the comparison as a Markdown table ({@link Report}).
 *
 * <pre>
 * java -jar benchmarks.jar [--out DIR] [--quick] [--include REGEX]
 *
 *   --out      where to write benchmarks.json and benchmarks.md; default ./results
 *   --quick    one short iteration each: checks that everything runs, measures nothing
 *   --include  only the benchmarks whose name matches REGEX (the table then has gaps)
 * </pre>
 *
 * For anything else, JMH's own runner is in the jar too:
 * {@code java -cp benchmarks.jar org.openjdk.jmh.Main -h}.
 */
public final class Run {
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
        Files.createDirectories(out);
        Path json = out.resolve("benchmarks.json");
        ChainedOptionsBuilder jmh = new OptionsBuilder()
                .include(value(options, "--include", Run.class.getPackageName().replace(".", "\\.") + "\\..*"))
                .jvmArgsAppend("-Xms1g", "-Xmx1g")
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString());
        if (quick) {
            jmh.forks(1).warmupIterations(1).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(500));
        }
        // Otherwise each benchmark class says how many JVMs to run it in and how long to warm up and
        // measure (@Fork, @Warmup, @Measurement): streams and many callers on two cores settle
        // differently from one JVM to the next (which core each thread lands on), so they run in
        // three, and their error covers that; latency samples a lot in one.
        Collection<RunResult> results = new Runner(jmh.build()).run();
        String table = Report.markdown(results, quick);
        Files.writeString(out.resolve("benchmarks.md"), table);
        System.out.println();
        System.out.println(table);
        System.out.println("JMH results: " + json.toAbsolutePath());
        System.out.println("this table:  " + out.resolve("benchmarks.md").toAbsolutePath());
    }

    private static String value(List<String> options, String name, String fallback) {
        int at = options.indexOf(name);
        return at >= 0 && at + 1 < options.size() ? options.get(at + 1) : fallback;
    }
}
