package io.cpcluster.benchmarks;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Compares two builds of the benchmarks on this machine, in one run: the same JMH benchmarks from
 * a jar built before a change and one built after, run in turns (before, after; then after,
 * before; and so on, so that a machine growing slower or faster during the run favours neither),
 * each in JVMs of its own. Prints, and writes as Markdown, each benchmark's figure (p50 for
 * sampled times, the score otherwise) in every round, the median of the rounds, and after ÷
 * before, with a verdict: "no worse" when the median after is as good as before or better;
 * "within noise" when it is worse but no worse than the worst round before; "WORSE" otherwise.
 *
 * <pre>
 * java -cp benchmarks.jar io.cpcluster.benchmarks.Compare --before OLD.jar --after NEW.jar
 *     --include REGEX [--rounds 3] [--label TEXT] [--out FILE] [--results DIR]
 * </pre>
 *
 * JMH's results of each round are kept in {@code --results} (a new temporary directory by
 * default), as {@code round-N-before} and {@code round-N-after}; given a directory that holds them
 * already, it reports them again without running anything.
 *
 * {@code compare.sh} builds both jars (the "before" one from a git revision) and runs this.
 */
public final class Compare {
    /** One benchmark with its parameters, as JMH's JSON names them. */
    record Key(String benchmark, String params) implements Comparable<Key> {
        @Override
        public int compareTo(Key other) {
            int byName = benchmark.compareTo(other.benchmark);
            return byName != 0 ? byName : params.compareTo(other.params);
        }
    }

    /** A figure and whether lower is better (a time) or higher (a rate). */
    record Figure(double value, String unit, boolean lowerIsBetter) {
    }

    private Compare() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected an option, got '" + args[i] + "'");
            }
            options.put(args[i], args[i + 1]);
        }
        if (args.length % 2 != 0 || !options.containsKey("--before") || !options.containsKey("--after")
                || !options.containsKey("--include")) {
            System.err.println("usage: Compare --before OLD.jar --after NEW.jar --include REGEX [--rounds 3]"
                    + " [--label TEXT] [--out FILE] [--results DIR]");
            System.exit(2);
        }
        int rounds = Integer.parseInt(options.getOrDefault("--rounds", "3"));
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds takes 1 or more");
        }
        Path before = Path.of(options.get("--before"));
        Path after = Path.of(options.get("--after"));
        String include = options.get("--include");
        Path work = options.containsKey("--results") ? Path.of(options.get("--results"))
                : Files.createTempDirectory("cpcluster-compare");
        System.err.println("compare: JMH's results go to " + work);
        Map<Key, List<Figure>> befores = new TreeMap<>();
        Map<Key, List<Figure>> afters = new TreeMap<>();
        for (int round = 1; round <= rounds; round++) {
            boolean beforeFirst = round % 2 == 1;
            for (boolean isBefore : beforeFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                Path out = work.resolve("round-" + round + (isBefore ? "-before" : "-after"));
                if (!Files.exists(out.resolve("benchmarks.json"))) {
                    run(isBefore ? before : after, include, out);
                }
                read(out.resolve("benchmarks.json")).forEach((key, figure) ->
                        (isBefore ? befores : afters).computeIfAbsent(key, k -> new ArrayList<>()).add(figure));
            }
        }
        String report = report(options.getOrDefault("--label", before + " against " + after), include, rounds,
                befores, afters);
        System.out.println(report);
        if (options.containsKey("--out")) {
            Path file = Path.of(options.get("--out"));
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, report);
            System.err.println("compare: wrote " + file);
        }
    }

    /** Runs one jar's benchmarks that match {@code include} in a JVM of its own; its output goes to this one's. */
    private static void run(Path jar, String include, Path out) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        System.err.println("compare: " + jar + " --include " + include);
        Process process = new ProcessBuilder(java, "-jar", jar.toString(), "--include", include, "--out",
                out.toString()).inheritIO().start();
        if (!process.waitFor(2, TimeUnit.HOURS)) {
            process.destroyForcibly();
            throw new IOException(jar + " ran for over two hours");
        }
        if (process.exitValue() != 0) {
            throw new IOException(jar + " failed with exit status " + process.exitValue());
        }
    }

    /** Each benchmark's figure from JMH's JSON results. */
    static Map<Key, Figure> read(Path json) throws IOException {
        Map<Key, Figure> figures = new TreeMap<>();
        try (InputStream in = Files.newInputStream(json); JsonReader reader = Json.createReader(in)) {
            for (JsonValue value : reader.readArray()) {
                JsonObject result = value.asJsonObject();
                JsonObject params = result.getJsonObject("params");
                String described = params == null ? "" : String.join(", ", new TreeMap<>(params).entrySet().stream()
                        .map(e -> e.getKey() + "=" + ((JsonString) e.getValue()).getString()).toList());
                JsonObject metric = result.getJsonObject("primaryMetric");
                String unit = metric.getString("scoreUnit");
                boolean sampled = result.getString("mode").equals("sample");
                double figure = sampled ? metric.getJsonObject("scorePercentiles").getJsonNumber("50.0").doubleValue()
                        : metric.getJsonNumber("score").doubleValue();
                // Times per operation: lower is better. Operations per time: higher.
                boolean lowerIsBetter = unit.endsWith("/op");
                figures.put(new Key(result.getString("benchmark").replace("io.cpcluster.benchmarks.", ""), described),
                        new Figure(figure, sampled ? unit + " p50" : unit, lowerIsBetter));
            }
        }
        return figures;
    }

    static String report(String label, String include, int rounds, Map<Key, List<Figure>> befores,
                                 Map<Key, List<Figure>> afters) {
        StringBuilder text = new StringBuilder();
        text.append("## Before and after: ").append(label).append("\n\n");
        text.append(String.format(Locale.ROOT, "%s UTC; %d cores, %s %s; JMH benchmarks matching `%s`; %d rounds,"
                        + " each running both jars in turn (the order alternates by round), each in JVMs of its own.%n%n",
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), include, rounds));
        text.append("| benchmark | parameters | unit | before, by round | after, by round | before (median) |"
                + " after (median) | after ÷ before | |\n");
        text.append("|---|---|---|---|---|---:|---:|---:|---|\n");
        for (Map.Entry<Key, List<Figure>> entry : befores.entrySet()) {
            List<Figure> was = entry.getValue();
            List<Figure> is = afters.get(entry.getKey());
            if (is == null) {
                text.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | (not run) | | | | not compared |%n",
                        entry.getKey().benchmark(), entry.getKey().params(), was.getFirst().unit(), rounds(was)));
                continue;
            }
            double before = median(was);
            double after = median(is);
            double ratio = after / before;
            boolean lowerIsBetter = was.getFirst().lowerIsBetter();
            boolean noWorse = lowerIsBetter ? after <= before : after >= before;
            double worstBefore = lowerIsBetter ? was.stream().mapToDouble(Figure::value).max().orElseThrow()
                    : was.stream().mapToDouble(Figure::value).min().orElseThrow();
            boolean withinNoise = lowerIsBetter ? after <= worstBefore : after >= worstBefore;
            text.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %.2f× | %s |%n",
                    entry.getKey().benchmark(), entry.getKey().params(), was.getFirst().unit(), rounds(was),
                    rounds(is), number(before), number(after), ratio,
                    noWorse ? "no worse" : withinNoise ? "within noise (no worse than before's worst round)"
                            : "WORSE (" + (lowerIsBetter ? "slower" : "fewer") + ")"));
        }
        text.append("\n*Before, by round* and *after, by round* show how much a figure moves between runs of the"
                + " same jar on this machine: a median after that is worse than before's but no worse than before's"
                + " worst round is *within noise*, not a change this run can show.\n");
        return text.toString();
    }

    private static double median(List<Figure> figures) {
        double[] values = figures.stream().mapToDouble(Figure::value).sorted().toArray();
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static String rounds(List<Figure> figures) {
        return String.join(", ", figures.stream().map(f -> number(f.value())).toList());
    }

    private static String number(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
