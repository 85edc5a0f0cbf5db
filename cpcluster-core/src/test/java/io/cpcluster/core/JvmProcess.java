package io.cpcluster.core;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A JVM started by a test, with this JVM's java; its output (stdout and stderr together) is
 * collected line by line. Shared with other modules' tests through core's test jar.
 */
public final class JvmProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private JvmProcess(List<String> javaArgs, Path directory, Map<String, String> environment) throws IOException {
        this(List.of(), javaArgs, directory, environment);
    }

    private JvmProcess(List<String> prefix, List<String> javaArgs, Path directory, Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).directory(directory.toFile());
        builder.environment().putAll(environment);
        process = builder.start();
        Thread.ofVirtual().name("jvm-process-output").start(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    /** Runs {@code java <javaArgs>} in a directory, with extra environment variables. */
    public static JvmProcess java(Path directory, Map<String, String> environment, List<String> javaArgs)
            throws IOException {
        return new JvmProcess(javaArgs, directory, environment);
    }

    /**
     * Runs {@code java <javaArgs>} behind a command prefix, such as a {@link NetnsBed} host's
     * {@code ip netns exec <namespace>} (which execs java in the same process).
     */
    public static JvmProcess java(List<String> prefix, Path directory, Map<String, String> environment,
                                  List<String> javaArgs) throws IOException {
        return new JvmProcess(prefix, javaArgs, directory, environment);
    }

    /** Runs a main class on this test's class path. */
    public static JvmProcess main(Class<?> main, Map<String, String> environment, String... args) throws IOException {
        return main(main, environment, List.of(), args);
    }

    /** Runs a main class on this test's class path, with JVM options such as {@code -Xmx64m}. */
    public static JvmProcess main(Class<?> main, Map<String, String> environment, List<String> jvmOptions,
                                  String... args) throws IOException {
        List<String> javaArgs = new ArrayList<>(jvmOptions);
        javaArgs.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        javaArgs.addAll(List.of(args));
        return new JvmProcess(javaArgs, Path.of("."), environment);
    }

    /** Writes a line to its standard input. */
    public void send(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Waits for a line that starts with {@code prefix} and returns the rest of it. */
    public String awaitLine(String prefix, Duration timeout) {
        awaitOrSay(prefix, timeout, () -> find(prefix).isPresent() || !process.isAlive());
        return find(prefix).orElseThrow(() -> new AssertionError("the process ended without printing '" + prefix
                + "'; it printed:\n" + output()));
    }

    private void awaitOrSay(String prefix, Duration timeout, Callable<Boolean> condition) {
        try {
            await().atMost(timeout).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no line '" + prefix + "' within " + timeout + "; the process printed:\n"
                    + output(), e);
        }
    }

    private Optional<String> find(String prefix) {
        return lines.stream().filter(line -> line.startsWith(prefix)).map(line -> line.substring(prefix.length()))
                .findFirst();
    }

    /** Waits for a new line that starts with {@code prefix}, after the ones printed so far, and returns the rest. */
    public String awaitNextLine(String prefix, Duration timeout) {
        int seen = lines.size();
        awaitOrSay(prefix, timeout, () -> List.copyOf(lines).stream().skip(seen)
                .anyMatch(line -> line.startsWith(prefix)) || !process.isAlive());
        return List.copyOf(lines).stream().skip(seen).filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length())).findFirst().orElseThrow(() -> new AssertionError(
                        "the process ended without printing '" + prefix + "'; it printed:\n" + output()));
    }

    /** Whether it is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything it printed so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Everything it printed so far, as one text. */
    public String output() {
        return String.join("\n", lines);
    }

    /** Waits for it to exit on its own and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the process did not exit within " + timeout + "; it printed:\n" + output());
        }
        return process.exitValue();
    }

    /** Asks it to stop with SIGTERM (its shutdown hooks run) and waits for it to exit. */
    public int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        return awaitExit(timeout);
    }

    /** The process id. */
    public long pid() {
        return process.pid();
    }

    /** Sends it a signal, such as {@code STOP} or {@code CONT}, with {@code kill}. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Kills it with SIGKILL: no shutdown hook, no goodbye. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
