package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.fail;

import io.cpcluster.core.JvmProcess;
import io.cpcluster.core.NetnsBed;
import io.cpcluster.core.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@link NetnsBed} and the JVMs a test runs on its hosts: the command-line master and nodes
 * (the examples' jar) and node processes driven by commands ({@link NodeProcess}). Skips the test
 * when the bed cannot run here, saying why, except with {@code CI=true}, where it fails it.
 */
final class NetnsHosts implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("basedir", "."), "target", "cpcluster-examples.jar")
            .toAbsolutePath();
    final NetnsBed bed;
    private final Path dir;
    private final List<JvmProcess> processes = new ArrayList<>();

    NetnsHosts(int hosts, Path dir) throws Exception {
        runsOrSkips(NetnsBed.unavailable());
        this.dir = dir;
        this.bed = new NetnsBed(hosts);
    }

    /** Makes the hosts for a test that also needs {@link NetnsBed#impair}: delay and loss. */
    static NetnsHosts impairable(int hosts, Path dir) throws Exception {
        runsOrSkips(NetnsBed.impairmentUnavailable());
        return new NetnsHosts(hosts, dir);
    }

    private static void runsOrSkips(Optional<String> why) {
        if (why.isPresent() && "true".equals(System.getenv("CI"))) {
            fail("the network-namespace tests must run on CI, and cannot: " + why.get());
        }
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipping the network-namespace tests: " + why.get());
    }

    /** Runs the examples' command line ({@code master ...}, {@code node ...}) on a host. */
    JvmProcess cli(int host, String... arguments) throws Exception {
        List<String> java = new ArrayList<>(List.of("-jar", JAR.toString()));
        java.addAll(List.of(arguments));
        return start(host, java);
    }

    /**
     * Runs a node process on a host, joining with the join file in the test's directory: a 200 ms
     * heartbeat on its master connection and links (1 s timeouts), and a 3 s connect timeout, so
     * that an attempt started during a cut gives up soon after the heal. More {@code key=value}
     * arguments go to NodeProcess ({@code masters=...}, say).
     */
    JvmProcess node(int host, String name, String... more) throws Exception {
        List<String> java = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"),
                NodeProcess.class.getName(), "join=" + dir.resolve("join.json"), "name=" + name, "heartbeat=200",
                "connectTimeout=3000"));
        java.addAll(List.of(more));
        return start(host, java);
    }

    /** Runs a main class of the test's class path on a host. */
    JvmProcess main(int host, Class<?> main, String... arguments) throws Exception {
        List<String> java = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        java.addAll(List.of(arguments));
        return start(host, java);
    }

    private JvmProcess start(int host, List<String> java) throws Exception {
        JvmProcess process = JvmProcess.java(bed.on(host), dir, Map.of(), java);
        processes.add(process);
        return process;
    }

    /**
     * Stops every process, keeping what each printed in {@code target/netns-logs/<test dir>/}
     * (a failed scenario's other processes tell why), and removes the bed.
     */
    @Override
    public void close() {
        processes.reversed().forEach(JvmProcess::close);
        Path logs = JAR.getParent().resolve("netns-logs").resolve(dir.getFileName().toString());
        try {
            Files.createDirectories(logs);
            for (int i = 0; i < processes.size(); i++) {
                Files.writeString(logs.resolve("process-" + (i + 1) + ".log"), processes.get(i).output());
            }
        } catch (IOException e) {
            System.err.println("NetnsHosts: could not keep the processes' output in " + logs + ": " + e);
        }
        bed.close();
    }
}
