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
    private static final String RAW_1K = "RawOneWay.small flush=coalesced";
    private static final String RAW_1K_EACH = "RawOneWay.small flush=each";
    private static final String RAW_64K = "RawOneWay.large flush=coalesced";
    private static final String RAW_64K_EACH = "RawOneWay.large flush=each";

    /**
     * The goals (DESIGN §8 and issue 10): round trip p50 ≤ 1.2× raw, a record's ≤ 1.4×, 1 KiB
     * one-way ≥ 0.8× and 64 KiB ≥ 0.95× a socket that coalesces, many callers at least as fast
     * as threads taking turns on a raw socket.
     */
    static final double ROUND_TRIP_GOAL = 1.2;
    static final double RECORD_ROUND_TRIP_GOAL = 1.4;
    static final double SMALL_ONE_WAY_GOAL = 0.8;
    static final double LARGE_ONE_WAY_GOAL = 0.95;
    static final double MANY_CALLERS_GOAL = 1.0;

    private static final String DEFAULTS = "(defaults: platform readers, virtual-thread handlers)";
    private static final List<Row> ROWS = List.of(
            new Row("round trip, 64 B " + DEFAULTS, "RoundTrip.bytes64 threads=platform", RAW, Figure.P50,
                    ROUND_TRIP_GOAL, 0),
            new Row("round trip, 64 B " + DEFAULTS, "RoundTrip.bytes64 threads=platform", RAW, Figure.P99, 0, 0),
            new Row("round trip, 64 B " + DEFAULTS, "RoundTrip.bytes64 threads=platform", RAW, Figure.P999, 0, 0),
            new Row("round trip, 64 B " + DEFAULTS, "RoundTrip.bytes64 threads=platform", RAW, Figure.MEAN, 0, 0),
            new Row("round trip, 64 B (platform readers, serial handlers)",
                    "RoundTrip.bytes64 threads=platform-serial", RAW, Figure.P50, ROUND_TRIP_GOAL, 0),
            new Row("round trip, 64 B (platform readers, serial handlers)",
                    "RoundTrip.bytes64 threads=platform-serial", RAW, Figure.P99, 0, 0),
            new Row("round trip, 64 B (virtual readers)", "RoundTrip.bytes64 threads=virtual", RAW, Figure.P50,
                    ROUND_TRIP_GOAL, 0),
            new Row("round trip, 64 B (virtual readers)", "RoundTrip.bytes64 threads=virtual", RAW, Figure.P99, 0, 0),
            new Row("round trip, record as JSON-B " + DEFAULTS, "RoundTrip.record threads=platform", RAW, Figure.P50,
                    RECORD_ROUND_TRIP_GOAL, 0),
            new Row("round trip, record as JSON-B " + DEFAULTS, "RoundTrip.record threads=platform", RAW,
                    Figure.MEAN, 0, 0),
            new Row("round trip, record as JSON-B (platform readers, serial handlers)",
                    "RoundTrip.record threads=platform-serial", RAW, Figure.P50, RECORD_ROUND_TRIP_GOAL, 0),
            new Row("round trip, record as JSON-B (virtual readers)", "RoundTrip.record threads=virtual", RAW,
                    Figure.P50, RECORD_ROUND_TRIP_GOAL, 0),
            new Row("raw baseline itself, with a virtual-thread reader", "RawRoundTrip.bytes64 readers=VIRTUAL", RAW,
                    Figure.P50, 0, 0),
            new Row(ManyCallers.CALLERS + " threads calling one link, 64 B each " + DEFAULTS
                    + " vs a raw socket they take turns on", "ManyCallers.bytes64", "RawManyCallers.bytes64",
                    Figure.RATE, MANY_CALLERS_GOAL, 0),
            new Row("one-way 1 KiB (platform readers) vs a raw socket that coalesces",
                    "OneWay.small readers=PLATFORM", RAW_1K, Figure.RATE, SMALL_ONE_WAY_GOAL, 1024),
            new Row("one-way 1 KiB (virtual readers) vs a raw socket that coalesces",
                    "OneWay.small readers=VIRTUAL", RAW_1K, Figure.RATE, SMALL_ONE_WAY_GOAL, 1024),
            new Row("one-way 1 KiB (platform readers) vs a raw socket that flushes each message",
                    "OneWay.small readers=PLATFORM", RAW_1K_EACH, Figure.RATE, 0, 1024),
            new Row("one-way 64 KiB (platform readers) vs a raw socket that coalesces",
                    "OneWay.large readers=PLATFORM", RAW_64K, Figure.RATE, LARGE_ONE_WAY_GOAL, 65536),
            new Row("one-way 64 KiB (virtual readers) vs a raw socket that coalesces",
                    "OneWay.large readers=VIRTUAL", RAW_64K, Figure.RATE, LARGE_ONE_WAY_GOAL, 65536),
            new Row("one-way 64 KiB (platform readers) vs a raw socket that flushes each message",
                    "OneWay.large readers=PLATFORM", RAW_64K_EACH, Figure.RATE, 0, 65536),
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
            double mineError = error(ours, row.figure());
            double theirsError = error(base, row.figure());
            table.append("| ").append(row.label())
                    .append(" | ").append(row.figure().label)
                    .append(" | ").append(format(mine, mineError, row))
                    .append(" | ").append(format(theirs, theirsError, row))
                    .append(" | ").append(ratio(ratio, mine, mineError, theirs, theirsError))
                    .append(" | ").append(goal(row, ratio))
                    .append(" |\n");
        }
        table.append("\nBaselines: plain `java.net.Socket`s over the same loopback, `TCP_NODELAY`, buffered streams, ")
                .append("the same frame sizes, a platform-thread reader (the virtual-thread row shows what that ")
                .append("costs). Latencies are JMH SampleTime percentiles; rates are operations per second. ")
                .append("Ratios are CPCluster over baseline. `±` is JMH's 99.9% confidence interval over the ")
                .append("measurement iterations, for rates and means (a ratio's combines both); JMH gives none ")
                .append("for percentiles. A difference within the `±` is noise.\n\n")
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

    /**
     * JMH's error for a figure that has one (a throughput score, or a mean time; in the same
     * units as {@link #figure}), else NaN.
     */
    private static double error(Result<?> result, Figure figure) {
        double error = result.getScoreError();
        if (Double.isNaN(error) || (figure != Figure.RATE && figure != Figure.MEAN)) {
            return Double.NaN;
        }
        if (figure == Figure.RATE && !result.getScoreUnit().endsWith("/s")) {
            // A rate from a mean time: the error's share of the mean is its share of the rate.
            return rate(result) * error / result.getScore();
        }
        return error;
    }

    private static String format(double value, double error, Row row) {
        boolean hasError = !Double.isNaN(error);
        if (row.figure() == Figure.RATE) {
            String rate = hasError ? String.format("%,.0f ± %,.0f/s", value, error) : String.format("%,.0f/s", value);
            return row.bytes() > 0 ? rate + String.format(" (%,.0f MB/s)", value * row.bytes() / 1_000_000) : rate;
        }
        return hasError ? String.format("%,.1f ± %,.1f µs", value, error) : String.format("%,.1f µs", value);
    }

    /** A ratio, with its error when both figures have one (relative errors add in quadrature). */
    private static String ratio(double ratio, double mine, double mineError, double theirs, double theirsError) {
        if (Double.isNaN(mineError) || Double.isNaN(theirsError)) {
            return String.format("%.2f×", ratio);
        }
        double relative = Math.hypot(mineError / mine, theirsError / theirs);
        return String.format("%.2f× ± %.2f", ratio, ratio * relative);
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
