package io.cpcluster.benchmarks;

import io.cpcluster.PortRange;
import io.cpcluster.Security;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LoadMaster} in a child JVM, driven through its standard input and output, and measured
 * through {@code /proc}. Closing it asks the master to quit and kills the process if it has not
 * gone within a few seconds; a shutdown hook kills it too if the driver is stopped first.
 */
final class MasterProcess implements AutoCloseable {
    private static final String EOF = "\u0000end of the master's output";

    private final Process process;
    private final BufferedWriter commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread hook;
    private final Path log;
    final int port;
    final String token;
    /** The master's key fingerprint; null in plain TCP. */
    final String fingerprint;

    /**
     * Starts the master and waits for its READY line.
     *
     * @param heap the master's -Xmx, such as {@code 1g}
     * @param jvmOptions more options for the master's JVM (for a flight recording, say)
     * @param log where the master's standard error (its log) goes
     * @throws IllegalStateException if it does not say READY within {@code timeout}
     */
    MasterProcess(String classpath, String heap, List<String> jvmOptions, Security security, PortRange range, Path log,
                  Duration timeout) throws IOException {
        this.log = log;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        // One line per collection: how long the master stood still, and why (see GcLog).
        command.add("-Xlog:gc:file=" + gcLog(log));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, LoadMaster.class.getName(), "--range", range.toString()));
        if (security == Security.PLAIN) {
            command.add("--plain");
        }
        Files.createDirectories(log.toAbsolutePath().getParent());
        process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        hook = new Thread(process::destroyForcibly, "load-master-killer");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
            Thread.ofVirtual().name("load-master-output").start(this::readOutput);
            String ready = answer("READY", timeout);
            String[] words = ready.split(" ");
            port = Integer.parseInt(words[1]);
            token = words[2];
            fingerprint = words[3].equals("-") ? null : words[3];
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void readOutput() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            // The process ended.
        } finally {
            lines.add(EOF);
        }
    }

    /** Where the master JVM logs its collections: beside its log. */
    static Path gcLog(Path log) {
        return log.resolveSibling(log.getFileName().toString().replaceFirst("\\.log$", "") + ".gc.log");
    }

    /** The master's process id, for jcmd. */
    long pid() {
        return process.pid();
    }

    /** Where the master's log goes. */
    Path log() {
        return log;
    }

    /** Waits for the next line starting with {@code prefix}; other lines are skipped. */
    private String answer(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException("the master said no " + prefix + " line within " + timeout.toSeconds()
                            + " s; its log: " + log);
                }
                if (line.equals(EOF)) {
                    throw new IllegalStateException("the master exited before its " + prefix + " line (exit "
                            + exitCode() + "); its log: " + log);
                }
                if (line.startsWith(prefix + " ")) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the master", e);
        }
    }

    private String exitCode() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /**
     * Asks for the master's STATS (which runs a full collection first).
     *
     * @return each {@code key=value} of the line, as numbers
     */
    Map<String, Long> stats(Duration timeout) {
        try {
            commands.write("stats\n");
            commands.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("the master does not take commands (exit " + exitCode() + "); its log: "
                    + log, e);
        }
        Map<String, Long> values = new HashMap<>();
        for (String word : answer("STATS", timeout).split(" ")) {
            int equals = word.indexOf('=');
            if (equals > 0) {
                values.put(word.substring(0, equals), Long.parseLong(word.substring(equals + 1)));
            }
        }
        return values;
    }

    /** The CPU time this process used so far, user and system, in seconds. */
    double cpuSeconds() {
        return Proc.cpuSeconds(process.pid());
    }

    /** The part of {@link #cpuSeconds} spent in the kernel, in seconds. */
    double kernelSeconds() {
        return Proc.kernelSeconds(process.pid());
    }

    /** This process's resident memory, in bytes. */
    long rssBytes() {
        return Proc.rssBytes(process.pid());
    }

    /** Asks the master to quit; kills it if it has not exited within 10 s. */
    @Override
    public void close() {
        try {
            if (commands != null) {
                try {
                    commands.write("quit\n");
                    commands.flush();
                    commands.close();
                } catch (IOException e) {
                    // Exited already.
                }
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Shutting down: the hook runs anyway.
            }
        }
    }
}
