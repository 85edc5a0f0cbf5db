package io.cpcluster.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The pauses in a master's GC log ({@code -Xlog:gc}): how many and how long, by kind. The full
 * collections that {@code stats} asks for ({@code System.gc()}) are counted apart, since the probe
 * causes them; the others are the master's own, and a master whose heap is too small for its nodes
 * shows them here.
 */
final class GcLog {
    /** {@code ... GC(12) Pause Young (Normal) (G1 Evacuation Pause) 100M->50M(256M) 12.345ms}. */
    private static final Pattern PAUSE = Pattern.compile("GC\\(\\d+\\) (Pause \\w+)(.*?) (\\d+(?:\\.\\d+)?)ms\\s*$");

    private GcLog() {
    }

    /** Each kind of pause, with how many and their total seconds; empty when the log is missing. */
    static Map<String, double[]> pauses(Path log) {
        Map<String, double[]> pauses = new TreeMap<>();
        if (!Files.isRegularFile(log)) {
            return pauses;
        }
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            lines.forEach(line -> {
                Matcher m = PAUSE.matcher(line);
                if (m.find()) {
                    String kind = m.group(1) + (m.group(2).contains("System.gc()") ? " (System.gc(), asked for by stats)"
                            : "");
                    double[] counted = pauses.computeIfAbsent(kind, k -> new double[2]);
                    counted[0]++;
                    counted[1] += Double.parseDouble(m.group(3)) / 1000;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return Map.of();
        }
        return pauses;
    }
}
