package io.cpcluster.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Compare} reads JMH's JSON results as JMH writes them (p50 of a sampled time, the score of
 * a rate) and judges after against before by the medians of the rounds, lower times and higher
 * rates being better.
 */
class CompareTest {
    @TempDir
    Path dir;

    private static String result(String benchmark, String mode, String unit, double score, double p50) {
        return """
                {"benchmark":"io.cpcluster.benchmarks.%s","mode":"%s","params":{"security":"TLS","readers":"PLATFORM"},
                 "primaryMetric":{"score":%s,"scoreUnit":"%s","scorePercentiles":{"0.0":1.0,"50.0":%s,"100.0":9e9}}}
                """.formatted(benchmark, mode, score, unit, p50);
    }

    private Map<Compare.Key, Compare.Figure> read(String... results) throws IOException {
        Path json = dir.resolve("benchmarks-" + System.nanoTime() + ".json");
        Files.writeString(json, "[" + String.join(",", results) + "]");
        return Compare.read(json);
    }

    @Test
    void readsTheMedianOfASampledTimeAndTheScoreOfARate() throws IOException {
        Map<Compare.Key, Compare.Figure> figures = read(result("LinkSetup.connect", "sample", "us/op", 700.0, 480.5),
                result("OneWay.small", "thrpt", "ops/s", 123_456.0, 0.0));
        Compare.Figure setUp = figures.get(new Compare.Key("LinkSetup.connect", "readers=PLATFORM, security=TLS"));
        assertEquals(new Compare.Figure(480.5, "us/op p50", true), setUp);
        Compare.Figure rate = figures.get(new Compare.Key("OneWay.small", "readers=PLATFORM, security=TLS"));
        assertEquals(new Compare.Figure(123_456.0, "ops/s", false), rate);
    }

    @Test
    void judgesByTheMediansOfTheRoundsInTheDirectionThatIsBetter() throws IOException {
        Map<Compare.Key, List<Compare.Figure>> before = new TreeMap<>();
        Map<Compare.Key, List<Compare.Figure>> after = new TreeMap<>();
        // Set-up: 500, 900 (an outlier), 510 before; 505, 520, 490 after: medians 510 and 505, no worse.
        // Rate: 100, 110, 105 before; 90, 95, 99 after: medians 105 and 95, fewer than before's worst.
        // Round trip: 60, 62, 61 before; 61.5, 61.8, 61 after: medians 61 and 61.5, within noise.
        double[][] setUps = {{500, 505}, {900, 520}, {510, 490}};
        double[][] rates = {{100, 90}, {110, 95}, {105, 99}};
        double[][] trips = {{60, 61.5}, {62, 61.8}, {61, 61}};
        for (int round = 0; round < 3; round++) {
            add(before, read(result("LinkSetup.connect", "sample", "us/op", 0, setUps[round][0]),
                    result("OneWay.small", "thrpt", "ops/s", rates[round][0], 0),
                    result("RoundTrip.bytes64", "sample", "us/op", 0, trips[round][0])));
            add(after, read(result("LinkSetup.connect", "sample", "us/op", 0, setUps[round][1]),
                    result("OneWay.small", "thrpt", "ops/s", rates[round][1], 0),
                    result("RoundTrip.bytes64", "sample", "us/op", 0, trips[round][1])));
        }
        String report = Compare.report("a test", "LinkSetup|OneWay", 3, before, after);
        String setUp = line(report, "LinkSetup.connect");
        assertTrue(setUp.contains("| 510 | 505 | 0.99× | no worse |"), setUp);
        assertTrue(setUp.contains("| 500, 900, 510 | 505, 520, 490 |"), setUp);
        String rate = line(report, "OneWay.small");
        assertTrue(rate.contains("| 105 | 95.00 | 0.90× | WORSE (fewer) |"), rate);
        String trip = line(report, "RoundTrip.bytes64");
        assertTrue(trip.contains("| 61.00 | 61.50 | 1.01× | within noise"), trip);
    }

    private static void add(Map<Compare.Key, List<Compare.Figure>> into, Map<Compare.Key, Compare.Figure> round) {
        round.forEach((key, figure) -> into.computeIfAbsent(key, k -> new ArrayList<>()).add(figure));
    }

    private static String line(String report, String benchmark) {
        return report.lines().filter(l -> l.startsWith("| " + benchmark + " ")).findFirst().orElseThrow();
    }
}
