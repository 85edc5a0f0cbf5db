package io.cpcluster.benchmarks;

import io.cpcluster.Security;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/**
 * Turns a run's results into the tables README.md carries: each CPCluster figure beside its
 * baseline of the same security from the same run (TLS beside the JDK's SSLSocket, plain beside
 * plain sockets), the ratio, and the goal; then what TLS costs, CPCluster with TLS over CPCluster
 * plain.
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

    /**
     * What a row holds its figure to: nothing, a ratio to the baseline (at most, or at least, as
     * the figure's {@link Figure#lowerIsBetter} says), or a figure of CPCluster's own, in µs.
     */
    record Goal(double value, boolean absolute) {
        static final Goal NONE = new Goal(0, false);

        static Goal ratio(double ratio) {
            return new Goal(ratio, false);
        }

        static Goal atMostMicros(double micros) {
            return new Goal(micros, true);
        }
    }

    /** One row: what is compared with what, and its goal. */
    private record Row(String label, String cpcluster, String baseline, Figure figure, Goal goal, int bytes) {
    }

    /**
     * One row of what TLS costs: a CPCluster benchmark with TLS over the same plain, and its
     * baseline's likewise, each named with its parameters other than {@code security}.
     */
    private record Cost(String label, Figure figure, int bytes, String benchmark, List<String> params,
                        String baseline, List<String> baselineParams) {
    }

    /**
     * The goals of plain mode (DESIGN §8 and issue 10): round trip p50 ≤ 1.2× raw, a record's ≤
     * 1.4×, 1 KiB one-way ≥ 0.8× and 64 KiB ≥ 0.95× a socket that coalesces, many callers at least
     * as fast as threads taking turns on a raw socket.
     */
    static final double ROUND_TRIP_GOAL = 1.2;
    static final double RECORD_ROUND_TRIP_GOAL = 1.4;
    static final double SMALL_ONE_WAY_GOAL = 0.8;
    static final double LARGE_ONE_WAY_GOAL = 0.95;
    static final double MANY_CALLERS_GOAL = 1.0;
    /**
     * The goals of TLS (issue 11), against the JDK's SSLSocket with the same TLS: round trip p50
     * ≤ 1.2×, 64 KiB one-way ≥ 0.9×, and a link set up in 5 ms or less at p50.
     */
    static final double TLS_ROUND_TRIP_GOAL = 1.2;
    static final double TLS_LARGE_ONE_WAY_GOAL = 0.9;
    static final double TLS_LINK_SETUP_GOAL_MICROS = 5_000;

    private static final String DEFAULTS = "(defaults: platform readers, virtual-thread handlers)";
    private static final String RAW = key("RawRoundTrip.bytes64", Security.PLAIN, "readers=PLATFORM");
    private static final String RAW_1K = key("RawOneWay.small", Security.PLAIN, "flush=coalesced");
    private static final String RAW_1K_EACH = key("RawOneWay.small", Security.PLAIN, "flush=each");
    private static final String RAW_64K = key("RawOneWay.large", Security.PLAIN, "flush=coalesced");
    private static final String RAW_64K_EACH = key("RawOneWay.large", Security.PLAIN, "flush=each");
    private static final String RAW_CONNECT = key("RawConnect.connect", Security.PLAIN);

    /** Plain mode: CPCluster over plain TCP beside plain sockets. */
    private static final List<Row> PLAIN = List.of(
            new Row("round trip, 64 B " + DEFAULTS, plain("RoundTrip.bytes64", "threads=platform"), RAW, Figure.P50,
                    Goal.ratio(ROUND_TRIP_GOAL), 0),
            new Row("round trip, 64 B " + DEFAULTS, plain("RoundTrip.bytes64", "threads=platform"), RAW, Figure.P99,
                    Goal.NONE, 0),
            new Row("round trip, 64 B " + DEFAULTS, plain("RoundTrip.bytes64", "threads=platform"), RAW, Figure.P999,
                    Goal.NONE, 0),
            new Row("round trip, 64 B " + DEFAULTS, plain("RoundTrip.bytes64", "threads=platform"), RAW, Figure.MEAN,
                    Goal.NONE, 0),
            new Row("round trip, 64 B (platform readers, serial handlers)",
                    plain("RoundTrip.bytes64", "threads=platform-serial"), RAW, Figure.P50,
                    Goal.ratio(ROUND_TRIP_GOAL), 0),
            new Row("round trip, 64 B (platform readers, serial handlers)",
                    plain("RoundTrip.bytes64", "threads=platform-serial"), RAW, Figure.P99, Goal.NONE, 0),
            new Row("round trip, 64 B (virtual readers)", plain("RoundTrip.bytes64", "threads=virtual"), RAW,
                    Figure.P50, Goal.ratio(ROUND_TRIP_GOAL), 0),
            new Row("round trip, 64 B (virtual readers)", plain("RoundTrip.bytes64", "threads=virtual"), RAW,
                    Figure.P99, Goal.NONE, 0),
            new Row("round trip, record as JSON-B " + DEFAULTS, plain("RoundTrip.record", "threads=platform"), RAW,
                    Figure.P50, Goal.ratio(RECORD_ROUND_TRIP_GOAL), 0),
            new Row("round trip, record as JSON-B " + DEFAULTS, plain("RoundTrip.record", "threads=platform"), RAW,
                    Figure.MEAN, Goal.NONE, 0),
            new Row("round trip, record as JSON-B (platform readers, serial handlers)",
                    plain("RoundTrip.record", "threads=platform-serial"), RAW, Figure.P50,
                    Goal.ratio(RECORD_ROUND_TRIP_GOAL), 0),
            new Row("round trip, record as JSON-B (virtual readers)", plain("RoundTrip.record", "threads=virtual"),
                    RAW, Figure.P50, Goal.ratio(RECORD_ROUND_TRIP_GOAL), 0),
            new Row("raw baseline itself, with a virtual-thread reader",
                    key("RawRoundTrip.bytes64", Security.PLAIN, "readers=VIRTUAL"), RAW, Figure.P50, Goal.NONE, 0),
            new Row(ManyCallers.CALLERS + " threads calling one link, 64 B each " + DEFAULTS
                    + " vs a raw socket they take turns on", plain("ManyCallers.bytes64"),
                    plain("RawManyCallers.bytes64"), Figure.RATE, Goal.ratio(MANY_CALLERS_GOAL), 0),
            new Row("one-way 1 KiB (platform readers) vs a raw socket that coalesces",
                    plain("OneWay.small", "readers=PLATFORM"), RAW_1K, Figure.RATE, Goal.ratio(SMALL_ONE_WAY_GOAL),
                    1024),
            new Row("one-way 1 KiB (virtual readers) vs a raw socket that coalesces",
                    plain("OneWay.small", "readers=VIRTUAL"), RAW_1K, Figure.RATE, Goal.ratio(SMALL_ONE_WAY_GOAL),
                    1024),
            new Row("one-way 1 KiB (platform readers) vs a raw socket that flushes each message",
                    plain("OneWay.small", "readers=PLATFORM"), RAW_1K_EACH, Figure.RATE, Goal.NONE, 1024),
            new Row("one-way 64 KiB (platform readers) vs a raw socket that coalesces",
                    plain("OneWay.large", "readers=PLATFORM"), RAW_64K, Figure.RATE, Goal.ratio(LARGE_ONE_WAY_GOAL),
                    65536),
            new Row("one-way 64 KiB (virtual readers) vs a raw socket that coalesces",
                    plain("OneWay.large", "readers=VIRTUAL"), RAW_64K, Figure.RATE, Goal.ratio(LARGE_ONE_WAY_GOAL),
                    65536),
            new Row("one-way 64 KiB (platform readers) vs a raw socket that flushes each message",
                    plain("OneWay.large", "readers=PLATFORM"), RAW_64K_EACH, Figure.RATE, Goal.NONE, 65536),
            new Row("link set-up (platform readers)", plain("LinkSetup.connect", "readers=PLATFORM"), RAW_CONNECT,
                    Figure.P50, Goal.NONE, 0),
            new Row("link set-up (virtual readers)", plain("LinkSetup.connect", "readers=VIRTUAL"), RAW_CONNECT,
                    Figure.P50, Goal.NONE, 0),
            new Row("nodes joining a master that has 100", plain("MasterRates.join"), RAW_CONNECT, Figure.RATE,
                    Goal.NONE, 0),
            new Row("links brokered among 100 nodes", plain("MasterRates.link"), RAW_CONNECT, Figure.RATE, Goal.NONE,
                    0));

    private static final String RAW_TLS = key("RawRoundTrip.bytes64", Security.TLS, "readers=PLATFORM");
    private static final String RAW_TLS_CONNECT = key("RawConnect.connect", Security.TLS);

    /** TLS: CPCluster's defaults over TLS 1.3 beside the JDK's SSLSocket over plain sockets. */
    private static final List<Row> TLS = List.of(
            new Row("round trip, 64 B " + DEFAULTS, tls("RoundTrip.bytes64", "threads=platform"), RAW_TLS, Figure.P50,
                    Goal.ratio(TLS_ROUND_TRIP_GOAL), 0),
            new Row("round trip, 64 B " + DEFAULTS, tls("RoundTrip.bytes64", "threads=platform"), RAW_TLS, Figure.P99,
                    Goal.NONE, 0),
            new Row("round trip, 64 B " + DEFAULTS, tls("RoundTrip.bytes64", "threads=platform"), RAW_TLS,
                    Figure.P999, Goal.NONE, 0),
            new Row("round trip, 64 B " + DEFAULTS, tls("RoundTrip.bytes64", "threads=platform"), RAW_TLS,
                    Figure.MEAN, Goal.NONE, 0),
            new Row(ManyCallers.CALLERS + " threads calling one link, 64 B each " + DEFAULTS
                    + " vs a raw SSLSocket they take turns on", tls("ManyCallers.bytes64"),
                    tls("RawManyCallers.bytes64"), Figure.RATE, Goal.NONE, 0),
            new Row("one-way 1 KiB (platform readers) vs a raw SSLSocket that coalesces",
                    tls("OneWay.small", "readers=PLATFORM"), key("RawOneWay.small", Security.TLS, "flush=coalesced"),
                    Figure.RATE, Goal.NONE, 1024),
            new Row("one-way 64 KiB (platform readers) vs a raw SSLSocket that coalesces",
                    tls("OneWay.large", "readers=PLATFORM"), key("RawOneWay.large", Security.TLS, "flush=coalesced"),
                    Figure.RATE, Goal.ratio(TLS_LARGE_ONE_WAY_GOAL), 65536),
            new Row("link set-up (platform readers), full TLS handshakes",
                    tls("LinkSetup.connect", "readers=PLATFORM"), RAW_TLS_CONNECT, Figure.P50,
                    Goal.atMostMicros(TLS_LINK_SETUP_GOAL_MICROS), 0),
            new Row("nodes joining a master that has 100 (each makes its key pair)", tls("MasterRates.join"),
                    RAW_TLS_CONNECT, Figure.RATE, Goal.NONE, 0),
            new Row("links brokered among 100 nodes", tls("MasterRates.link"), RAW_TLS_CONNECT, Figure.RATE,
                    Goal.NONE, 0));

    /** What TLS costs: each figure with TLS over the same without, CPCluster's and the baseline's. */
    private static final List<Cost> COSTS = List.of(
            new Cost("round trip, 64 B " + DEFAULTS, Figure.P50, 0, "RoundTrip.bytes64", List.of("threads=platform"),
                    "RawRoundTrip.bytes64", List.of("readers=PLATFORM")),
            new Cost("round trip, 64 B " + DEFAULTS, Figure.MEAN, 0, "RoundTrip.bytes64", List.of("threads=platform"),
                    "RawRoundTrip.bytes64", List.of("readers=PLATFORM")),
            new Cost(ManyCallers.CALLERS + " threads calling one link, 64 B each", Figure.RATE, 0,
                    "ManyCallers.bytes64", List.of(), "RawManyCallers.bytes64", List.of()),
            new Cost("one-way 1 KiB (platform readers)", Figure.RATE, 1024, "OneWay.small", List.of("readers=PLATFORM"),
                    "RawOneWay.small", List.of("flush=coalesced")),
            new Cost("one-way 64 KiB (platform readers)", Figure.RATE, 65536, "OneWay.large",
                    List.of("readers=PLATFORM"), "RawOneWay.large", List.of("flush=coalesced")),
            new Cost("link set-up (platform readers)", Figure.P50, 0, "LinkSetup.connect", List.of("readers=PLATFORM"),
                    "RawConnect.connect", List.of()),
            new Cost("nodes joining a master that has 100", Figure.RATE, 0, "MasterRates.join", List.of(),
                    "RawConnect.connect", List.of()),
            new Cost("links brokered among 100 nodes", Figure.RATE, 0, "MasterRates.link", List.of(),
                    "RawConnect.connect", List.of()));

    private Report() {
    }

    static String markdown(Collection<RunResult> results, boolean quick) {
        Map<String, Result<?>> byKey = new HashMap<>();
        for (RunResult result : results) {
            byKey.put(key(result), result.getPrimaryResult());
        }
        StringBuilder text = new StringBuilder();
        if (quick) {
            text.append("**Quick run: these figures check that the benchmarks work; they measure nothing.**\n\n");
        }
        section(text, "**TLS 1.3** (`Security.TLS`, the default) against the JDK's `SSLSocket` with the same TLS:",
                table(TLS, byKey));
        section(text, "**Plain TCP** (`Security.PLAIN`) against plain sockets:", table(PLAIN, byKey));
        section(text, "**What TLS costs**: each figure with TLS over the same without, for CPCluster and for the"
                + " raw sockets (the JDK's TLS alone). For times a ratio above 1 is the cost; for rates, one below 1.",
                costs(byKey) + summary(byKey));
        text.append("Baselines: `java.net.Socket`s over the same loopback, `TCP_NODELAY`, buffered streams, ")
                .append("the same frame sizes, a platform-thread reader (the virtual-thread row shows what that ")
                .append("costs). With TLS, the JDK's `SSLSocket` layered over them as CPCluster layers it: TLS 1.3 ")
                .append("only, the JDK's default cipher suites (").append(cipherSuite(byKey))
                .append(" negotiated), mutual authentication with an EC P-256 key and a self-signed certificate ")
                .append("on each side, each side pinning the other's key; the TLS connect baseline is a TCP ")
                .append("connect and a full handshake. TLS rows measure CPCluster's defaults only. Latencies are ")
                .append("JMH SampleTime percentiles; rates are operations per second. Ratios are CPCluster over ")
                .append("baseline. `±` is JMH's 99.9% confidence interval over the measurement iterations, for ")
                .append("rates and means (a ratio's combines both); JMH gives none for percentiles. A difference ")
                .append("within the `±` is noise.\n\n")
                .append(machine());
        return text.toString();
    }

    /** A heading and its table, unless the run left the table empty. */
    private static void section(StringBuilder text, String heading, String table) {
        if (!table.isEmpty()) {
            text.append(heading).append("\n\n").append(table).append('\n');
        }
    }

    /** The rows whose two results the run has, as a Markdown table; empty when it has none. */
    private static String table(List<Row> rows, Map<String, Result<?>> byKey) {
        StringBuilder text = new StringBuilder();
        List<String> straddling = new ArrayList<>();
        for (Row row : rows) {
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
            String shown = ratio(ratio, mine, mineError, theirs, theirsError);
            text.append("| ").append(row.label())
                    .append(" | ").append(row.figure().label)
                    .append(" | ").append(format(mine, mineError, row.figure(), row.bytes()))
                    .append(" | ").append(format(theirs, theirsError, row.figure(), row.bytes()))
                    .append(" | ").append(shown)
                    .append(" | ").append(goal(row, mine, ratio))
                    .append(" |\n");
            if (row.goal().value() != 0 && !row.goal().absolute()
                    && straddles(ratio, ratioError(ratio, mine, mineError, theirs, theirsError), row.goal().value())) {
                straddling.add(row.label() + ", " + row.figure().label + " (" + shown + ", goal "
                        + (row.figure().lowerIsBetter ? "≤ " : "≥ ") + row.goal().value() + "×)");
            }
        }
        if (text.isEmpty()) {
            return "";
        }
        return "| benchmark | figure | CPCluster | baseline | ratio | goal |\n|---|---|---:|---:|---:|---|\n" + text
                + "\n" + verdictNote(straddling);
    }

    /**
     * How the goal column decides, under each table: by the ratio itself, its {@code ±} aside; and
     * which goals this run's {@code ±} cannot decide, because the interval lies on both sides.
     */
    static String verdictNote(List<String> straddling) {
        String note = "Met or missed goes by the ratio itself, not its `±`; a p50 has no `±` (JMH gives none for"
                + " percentiles). ";
        if (straddling.isEmpty()) {
            return note + "No goal's `±` reaches across its goal in this run.\n";
        }
        return note + "Within its `±` this run cannot tell met from missed for: " + String.join("; ", straddling)
                + ".\n";
    }

    /** Whether the interval {@code ratio ± error} holds values on both sides of {@code goal}. */
    static boolean straddles(double ratio, double error, double goal) {
        return !Double.isNaN(error) && ratio - error < goal && ratio + error > goal;
    }

    /** What TLS costs, as a Markdown table; empty when the run has no row of it. */
    private static String costs(Map<String, Result<?>> byKey) {
        StringBuilder text = new StringBuilder();
        for (Cost cost : COSTS) {
            String[] ours = cost.params().toArray(String[]::new);
            String[] theirs = cost.baselineParams().toArray(String[]::new);
            Result<?> tls = byKey.get(key(cost.benchmark(), Security.TLS, ours));
            Result<?> plain = byKey.get(key(cost.benchmark(), Security.PLAIN, ours));
            if (tls == null || plain == null) {
                continue;
            }
            Result<?> rawTls = byKey.get(key(cost.baseline(), Security.TLS, theirs));
            Result<?> rawPlain = byKey.get(key(cost.baseline(), Security.PLAIN, theirs));
            Figure figure = cost.figure();
            double withTls = figure(tls, figure);
            double without = figure(plain, figure);
            double withTlsError = error(tls, figure);
            double withoutError = error(plain, figure);
            String raw = "";
            if (rawTls != null && rawPlain != null) {
                double rawWith = figure(rawTls, figure);
                double rawWithout = figure(rawPlain, figure);
                raw = ratio(rawWith / rawWithout, rawWith, error(rawTls, figure), rawWithout,
                        error(rawPlain, figure));
            }
            text.append("| ").append(cost.label())
                    .append(" | ").append(figure.label)
                    .append(" | ").append(format(withTls, withTlsError, figure, cost.bytes()))
                    .append(" | ").append(format(without, withoutError, figure, cost.bytes()))
                    .append(" | ").append(ratio(withTls / without, withTls, withTlsError, without, withoutError))
                    .append(" | ").append(raw)
                    .append(" |\n");
        }
        return text.isEmpty() ? "" : "| benchmark | figure | CPCluster, TLS | CPCluster, plain | TLS / plain"
                + " | raw: SSLSocket / socket |\n|---|---|---:|---:|---:|---:|\n" + text;
    }

    /**
     * What TLS costs CPCluster, in a sentence: the round trip's p50, the streams' rates and the
     * link set-up's p50, TLS over plain; empty without them.
     */
    private static String summary(Map<String, Result<?>> byKey) {
        Result<?> tripTls = byKey.get(tls("RoundTrip.bytes64", "threads=platform"));
        Result<?> tripPlain = byKey.get(plain("RoundTrip.bytes64", "threads=platform"));
        Result<?> smallTls = byKey.get(tls("OneWay.small", "readers=PLATFORM"));
        Result<?> smallPlain = byKey.get(plain("OneWay.small", "readers=PLATFORM"));
        Result<?> largeTls = byKey.get(tls("OneWay.large", "readers=PLATFORM"));
        Result<?> largePlain = byKey.get(plain("OneWay.large", "readers=PLATFORM"));
        Result<?> setupTls = byKey.get(tls("LinkSetup.connect", "readers=PLATFORM"));
        Result<?> setupPlain = byKey.get(plain("LinkSetup.connect", "readers=PLATFORM"));
        if (tripTls == null || tripPlain == null || smallTls == null || smallPlain == null || largeTls == null
                || largePlain == null || setupTls == null || setupPlain == null) {
            return "";
        }
        return String.format("\nIn short, TLS makes a call's round trip take %.2f× as long (p50), one-way messages"
                        + " run at %.2f× the rate (1 KiB) and %.2f× (64 KiB), and a link takes %.2f× as long to set"
                        + " up (%,.0f µs at p50).\n",
                figure(tripTls, Figure.P50) / figure(tripPlain, Figure.P50),
                figure(smallTls, Figure.RATE) / figure(smallPlain, Figure.RATE),
                figure(largeTls, Figure.RATE) / figure(largePlain, Figure.RATE),
                figure(setupTls, Figure.P50) / figure(setupPlain, Figure.P50), figure(setupTls, Figure.P50));
    }

    /** The suite the TLS baselines negotiate (CPCluster's too: the same defaults), when there are TLS results. */
    private static String cipherSuite(Map<String, Result<?>> byKey) {
        boolean tls = byKey.keySet().stream().anyMatch(key -> key.contains("security=TLS"));
        return "`" + (tls ? RawTls.cipherSuite() : "not run") + "`";
    }

    /** A result's key: {@code Class.method param=value ...}, the parameters sorted by name. */
    static String key(String benchmark, Security security, String... params) {
        Map<String, String> sorted = new TreeMap<>();
        sorted.put("security", security.name());
        for (String param : params) {
            int at = param.indexOf('=');
            sorted.put(param.substring(0, at), param.substring(at + 1));
        }
        StringBuilder key = new StringBuilder(benchmark);
        sorted.forEach((name, value) -> key.append(' ').append(name).append('=').append(value));
        return key.toString();
    }

    private static String plain(String benchmark, String... params) {
        return key(benchmark, Security.PLAIN, params);
    }

    private static String tls(String benchmark, String... params) {
        return key(benchmark, Security.TLS, params);
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

    private static String format(double value, double error, Figure figure, int bytes) {
        boolean hasError = !Double.isNaN(error);
        if (figure == Figure.RATE) {
            String rate = hasError ? String.format("%,.0f ± %,.0f/s", value, error) : String.format("%,.0f/s", value);
            return bytes > 0 ? rate + String.format(" (%,.0f MB/s)", value * bytes / 1_000_000) : rate;
        }
        return hasError ? String.format("%,.1f ± %,.1f µs", value, error) : String.format("%,.1f µs", value);
    }

    /** A ratio, with its error when both figures have one. */
    private static String ratio(double ratio, double mine, double mineError, double theirs, double theirsError) {
        // Two decimals, or three for a small ratio (a rate beside a raw connect's).
        String digits = ratio < 0.095 ? "%.3f" : "%.2f";
        double error = ratioError(ratio, mine, mineError, theirs, theirsError);
        if (Double.isNaN(error)) {
            return String.format(digits + "×", ratio);
        }
        return String.format(digits + "× ± " + digits, ratio, error);
    }

    /** A ratio's error (relative errors add in quadrature), or NaN when a figure has none. */
    private static double ratioError(double ratio, double mine, double mineError, double theirs, double theirsError) {
        if (Double.isNaN(mineError) || Double.isNaN(theirsError)) {
            return Double.NaN;
        }
        return ratio * Math.hypot(mineError / mine, theirsError / theirs);
    }

    /** The goal and whether it was met: by the ratio, or by CPCluster's own figure ({@code mine}, µs). */
    private static String goal(Row row, double mine, double ratio) {
        Goal goal = row.goal();
        if (goal.value() == 0) {
            return "";
        }
        boolean lower = row.figure().lowerIsBetter;
        double measured = goal.absolute() ? mine : ratio;
        boolean met = lower ? measured <= goal.value() : measured >= goal.value();
        String sign = lower ? "≤ " : "≥ ";
        String target = goal.absolute()
                ? row.figure().label + " " + sign + new DecimalFormat("0.###").format(goal.value() / 1000) + " ms"
                : sign + goal.value() + "×";
        return target + ": " + (met ? "met" : "**missed**");
    }

    private static String machine() {
        Runtime runtime = Runtime.getRuntime();
        return "Machine: " + runtime.availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + ", " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version") + ".\n";
    }
}
