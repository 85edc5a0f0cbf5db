package io.cpcluster.benchmarks;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/**
 * Turns a run's results into the table README.md carries: each CPCluster figure beside its
 * baseline from the same run, the ratio, and the goal.
 */
final class Report {
    /** Which figure of a result a row compares. */
    enum Figure {
        P50("p50", true), P99("p99", true), P999("p99.9", true), MEAN("mean", true), RATE("ops/s", false);

        final String label;
        final boolean lowerIsBetter;

        Figure(String label, boolean lowerIsBetter) {
            this.label = label;
            this.lowerIsBetter = lowerIsBetter;
        }
    }

    /** One row: what is compared with what, and the goal for the ratio (0 when there is none). */
    private record Row(String label, String cpcluster, String baseline, Figure figure, double goal, int bytes) {
    }

    private static final String RAW = "RawRoundTrip.bytes64 readers=PLATFORM";

    /** The design's goals (DESIGN §8): round trip p50 ≤ 1.2× raw, 1 KiB one-way ≥ 0.8×, 64 KiB ≥ 0.95×. */
    static final double ROUND_TRIP_GOAL = 1.2;
    static final double SMALL_ONE_WAY_GOAL = 0.8;
    static final double LARGE_ONE_WAY_GOAL = 0.95;

    private static final List<Row> ROWS = List.of(
            new Row("round trip, 64 B (defaults: platform readers, virtual-thread handlers)",
                    "RoundTrip.bytes64 threads=platform", RAW, Figure.P50, ROUND_TRIP_GOAL, 0),
            new Row("round trip, 64 B (defaults: platform readers, virtual-thread handlers)",
                    "RoundTrip.bytes64 threads=platform", RAW, Figure.P99, 0, 0),
            new Row("round trip, 64 B (defaults: platform readers, virtual-thread handlers)",
                    "RoundTrip.bytes64 threads=platform", RAW, Figure.P999, 0, 0),
            new Row("round trip, 64 B (platform readers, serial handlers)",
                    "RoundTrip.bytes64 threads=platform-serial", RAW, Figure.P50, ROUND_TRIP_GOAL, 0),
            new Row("round trip, 64 B (platform readers, serial handlers)",
                    "RoundTrip.bytes64 threads=platform-serial", RAW, Figure.P99, 0, 0),
            new Row("round trip, 64 B (virtual readers)", "RoundTrip.bytes64 threads=virtual", RAW, Figure.P50,
                    ROUND_TRIP_GOAL, 0),
            new Row("round trip, 64 B (virtual readers)", "RoundTrip.bytes64 threads=virtual", RAW, Figure.P99, 0, 0),
            new Row("round trip, record as JSON-B (defaults)", "RoundTrip.record threads=platform", RAW, Figure.P50,
                    0, 0),
            new Row("round trip, record as JSON-B (platform readers, serial handlers)",
                    "RoundTrip.record threads=platform-serial", RAW, Figure.P50, 0, 0),
            new Row("round trip, record as JSON-B (virtual readers)", "RoundTrip.record threads=virtual", RAW,
                    Figure.P50, 0, 0),
            new Row("raw baseline itself, with a virtual-thread reader", "RawRoundTrip.bytes64 readers=VIRTUAL", RAW,
                    Figure.P50, 0, 0),
            new Row("one-way 1 KiB (platform readers)", "OneWay.send readers=PLATFORM size=1024",
                    "RawOneWay.send size=1024", Figure.RATE, SMALL_ONE_WAY_GOAL, 1024),
            new Row("one-way 1 KiB (virtual readers)", "OneWay.send readers=VIRTUAL size=1024",
                    "RawOneWay.send size=1024", Figure.RATE, SMALL_ONE_WAY_GOAL, 1024),
            new Row("one-way 64 KiB (platform readers)", "OneWay.send readers=PLATFORM size=65536",
                    "RawOneWay.send size=65536", Figure.RATE, LARGE_ONE_WAY_GOAL, 65536),
            new Row("one-way 64 KiB (virtual readers)", "OneWay.send readers=VIRTUAL size=65536",
                    "RawOneWay.send size=65536", Figure.RATE, LARGE_ONE_WAY_GOAL, 65536),
            new Row("link set-up (platform readers)", "LinkSetup.connect readers=PLATFORM", "RawConnect.connect",
                    Figure.P50, 0, 0),
            new Row("link set-up (virtual readers)", "LinkSetup.connect readers=VIRTUAL", "RawConnect.connect",
                    Figure.P50, 0, 0),
            new Row("nodes joining a master that has 100", "MasterRates.join", "RawConnect.connect", Figure.RATE, 0,
                    0),
            new Row("links brokered among 100 nodes", "MasterRates.link", "RawConnect.connect", Figure.RATE, 0, 0));

    private Report() {
    }

    static String markdown(Collection<RunResult> results, boolean quick) {
        Map<String, Result<?>> byKey = new HashMap<>();
        for (RunResult result : results) {
            byKey.put(key(result), result.getPrimaryResult());
        }
        StringBuilder table = new StringBuilder();
        if (quick) {
            table.append("**Quick run: these figures check that the benchmarks work; they measure nothing.**\n\n");
        }
        table.append("| benchmark | figure | CPCluster | baseline | ratio | goal |\n");
        table.append("|---|---|---:|---:|---:|---|\n");
        for (Row row : ROWS) {
            Result<?> ours = byKey.get(row.cpcluster());
            Result<?> base = byKey.get(row.baseline());
            if (ours == null || base == null) {
                continue;
            }
            double mine = figure(ours, row.figure());
            double theirs = figure(base, row.figure());
            double ratio = mine / theirs;
            table.append("| ").append(row.label())
                    .append(" | ").append(row.figure().label)
                    .append(" | ").append(format(mine, ours, row))
                    .append(" | ").append(format(theirs, base, row))
                    .append(" | ").append(String.format("%.2f×", ratio))
                    .append(" | ").append(goal(row, ratio))
                    .append(" |\n");
        }
        table.append("\nBaselines: plain `java.net.Socket`s over the same loopback, `TCP_NODELAY`, buffered streams, ")
                .append("the same frame sizes, a platform-thread reader (the virtual-thread row shows what that ")
                .append("costs). Latencies are JMH SampleTime percentiles; rates are operations per second. ")
                .append("Ratios are CPCluster over baseline.\n\n")
                .append(machine());
        return table.toString();
    }

    /** {@code Class.method param=value ...}, parameters sorted by name. */
    private static String key(RunResult result) {
        String benchmark = result.getParams().getBenchmark();
        String[] parts = benchmark.split("\\.");
        StringBuilder key = new StringBuilder(parts[parts.length - 2] + "." + parts[parts.length - 1]);
        Map<String, String> params = new TreeMap<>();
        for (String name : result.getParams().getParamsKeys()) {
            params.put(name, result.getParams().getParam(name));
        }
        params.forEach((name, value) -> key.append(' ').append(name).append('=').append(value));
        return key.toString();
    }

    private static double figure(Result<?> result, Figure figure) {
        Statistics statistics = result.getStatistics();
        return switch (figure) {
            case P50 -> statistics.getPercentile(50);
            case P99 -> statistics.getPercentile(99);
            case P999 -> statistics.getPercentile(99.9);
            case MEAN -> statistics.getMean();
            case RATE -> rate(result);
        };
    }

    /** Operations per second: a throughput score, or one over a mean time. */
    private static double rate(Result<?> result) {
        String unit = result.getScoreUnit();
        if (unit.endsWith("/s")) {
            return result.getScore();
        }
        double micros = result.getStatistics().getMean();
        return 1_000_000 / micros;
    }

    private static String format(double value, Result<?> result, Row row) {
        if (row.figure() == Figure.RATE) {
            String rate = String.format("%,.0f/s", value);
            return row.bytes() > 0 ? rate + String.format(" (%,.0f MB/s)", value * row.bytes() / 1_000_000) : rate;
        }
        return String.format("%,.1f µs", value);
    }

    private static String goal(Row row, double ratio) {
        if (row.goal() == 0) {
            return "";
        }
        boolean met = row.figure().lowerIsBetter ? ratio <= row.goal() : ratio >= row.goal();
        return (row.figure().lowerIsBetter ? "≤ " : "≥ ") + row.goal() + "×: " + (met ? "met" : "**missed**");
    }

    private static String machine() {
        Runtime runtime = Runtime.getRuntime();
        return "Machine: " + runtime.availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + ", " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version") + ".\n";
    }
}
