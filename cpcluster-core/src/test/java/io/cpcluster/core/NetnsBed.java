package io.cpcluster.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Several hosts on one machine, for tests: a Linux network namespace per host, each with one
 * address from the documentation range 198.51.100.0/24 on its {@code eth0}, all joined by a
 * router that lives in a namespace of its own (the host namespaces route 198.51.100.0/24 through
 * it, and nothing else). No namespace has a route out, and the machine's own namespace forwards
 * nothing: traffic only ever goes between the test hosts' addresses.
 *
 * <p>Faults are the router's: {@link #cut} drops every packet between two hosts, both ways,
 * silently (a policy rule of type {@code blackhole}), and {@link #heal} lets them through again;
 * {@link #isolate} takes a host's link down for good; {@link #impair} delays and drops packets
 * between all hosts. The kernel of the machine this was built on has no {@code sch_netem}, so
 * delay and loss are made in user space: the router's {@code FORWARD} chain hands every packet
 * to {@code NFQUEUE}, and {@code netns-impair.py} (beside this class), run in the router's
 * namespace, holds or drops each (see {@link #impairmentUnavailable()} for what that needs).
 *
 * <p>Names carry the process id of the JVM that made them ({@code cpc<pid>-h1}), so a bed a
 * killed test left behind is found and removed by the next one ({@link #removeStale}); closing
 * removes everything made. Needs root and iproute2's {@code ip}; {@link #unavailable()} says
 * why not when it cannot run.
 */
public final class NetnsBed implements AutoCloseable {
    /** The prefix of every namespace a bed makes. */
    private static final String PREFIX = "cpc";
    private final String run = PREFIX + ProcessHandle.current().pid();
    private final int hosts;
    private final List<String> made = new ArrayList<>();
    /** The impairment program in the router's namespace, once {@link #impair} started it. */
    private Process impairer;
    private BufferedReader impairerAnswers;

    /**
     * Makes {@code hosts} hosts, h1 to hN, at 198.51.100.11 and up.
     *
     * @throws IOException if a command fails; whatever was made is removed
     */
    public NetnsBed(int hosts) throws IOException {
        this.hosts = hosts;
        removeStale();
        try {
            String router = router();
            ip("netns", "add", router);
            made.add(router);
            ip("-n", router, "link", "set", "lo", "up");
            exec(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            for (int i = 1; i <= hosts; i++) {
                String host = namespace(i);
                ip("netns", "add", host);
                made.add(host);
                ip("-n", host, "link", "set", "lo", "up");
                ip("link", "add", "eth0", "netns", host, "type", "veth", "peer", "name", "h" + i, "netns", router);
                ip("-n", host, "addr", "add", address(i) + "/32", "dev", "eth0");
                ip("-n", host, "link", "set", "eth0", "up");
                ip("-n", router, "link", "set", "h" + i, "up");
                ip("-n", router, "addr", "add", "198.51.100.1/32", "dev", "h" + i);
                ip("-n", router, "route", "add", address(i) + "/32", "dev", "h" + i);
                ip("-n", host, "route", "add", "198.51.100.1/32", "dev", "eth0");
                ip("-n", host, "route", "add", "198.51.100.0/24", "via", "198.51.100.1");
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Why the test bed cannot run here, or empty when it can: it needs root and iproute2.
     */
    public static Optional<String> unavailable() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.of("network namespaces need Linux, and this is " + System.getProperty("os.name"));
        }
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("Uid:")).findFirst().orElse("Uid: -1").split("\\s+")[1];
            if (!uid.equals("0")) {
                return Optional.of("network namespaces need root, and this test runs as uid " + uid);
            }
            run(List.of("ip", "-V"));
        } catch (IOException e) {
            return Optional.of("iproute2's ip is missing or fails (" + e.getMessage() + "): install iproute2");
        }
        return Optional.empty();
    }

    /**
     * Why {@link #impair} cannot run here, or empty when it can: besides what the bed needs, it
     * needs iptables (for the {@code NFQUEUE} rule) and python3.
     */
    public static Optional<String> impairmentUnavailable() {
        Optional<String> bed = unavailable();
        if (bed.isPresent()) {
            return bed;
        }
        for (List<String> probe : List.of(List.of("iptables", "--version"), List.of("python3", "--version"))) {
            try {
                run(probe);
            } catch (IOException e) {
                return Optional.of(probe.getFirst() + " is missing or fails (" + e.getMessage() + "): delay and loss"
                        + " need iptables and python3");
            }
        }
        return Optional.empty();
    }

    /**
     * Delays every packet between hosts by {@code delayMillis ± jitterMillis} (uniform; packets
     * may overtake each other, as with netem) and drops a share {@code loss} of them, at random
     * from {@code seed} (the seed of the first call counts); replaces the impairment in force.
     * Cuts still drop everything.
     */
    public void impair(double delayMillis, double jitterMillis, double loss, long seed) throws IOException {
        if (impairer == null) {
            Path script = Files.createTempFile("netns-impair", ".py");
            try (InputStream in = NetnsBed.class.getResourceAsStream("netns-impair.py")) {
                Files.write(script, in.readAllBytes());
            }
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", router(), "python3", "-u",
                    script.toString(), Long.toString(seed)));
            impairer = new ProcessBuilder(command).redirectErrorStream(true).start();
            impairerAnswers = new BufferedReader(new InputStreamReader(impairer.getInputStream(),
                    StandardCharsets.UTF_8));
            try {
                expect("ready");
                exec(router(), "iptables", "-A", "FORWARD", "-j", "NFQUEUE", "--queue-num", "0");
            } catch (IOException e) {
                impairer.destroyForcibly();
                impairer = null;
                throw e;
            } finally {
                Files.delete(script);
            }
        }
        impairer(String.format(java.util.Locale.ROOT, "set %f %f %f", delayMillis, jitterMillis, loss));
        expect("ok");
    }

    /**
     * What {@link #impair} did so far: {@code seen=N dropped=N delayed=N overflows=N} (overflows
     * count the times the kernel's queue to the program was full, and it dropped packets).
     */
    public String impairment() throws IOException {
        if (impairer == null) {
            return "seen=0 dropped=0 delayed=0 overflows=0";
        }
        impairer("stats");
        return expect("stats ");
    }

    private void impairer(String command) throws IOException {
        impairer.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        impairer.getOutputStream().flush();
    }

    /** Reads the impairment program's next line, which must start with {@code prefix}; returns the rest. */
    private String expect(String prefix) throws IOException {
        String line = impairerAnswers.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IOException("netns-impair.py answered " + (line == null ? "nothing (it ended)" : "'" + line + "'")
                    + " where '" + prefix.strip() + "' was expected");
        }
        return line.substring(prefix.length());
    }

    /** Lets packets straight through again and stops the impairment program (held packets go on). */
    public void unimpair() throws IOException {
        if (impairer == null) {
            return;
        }
        exec(router(), "iptables", "-D", "FORWARD", "-j", "NFQUEUE", "--queue-num", "0");
        impairer.getOutputStream().close();
        try {
            if (!impairer.waitFor(10, TimeUnit.SECONDS)) {
                impairer.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            impairer.destroyForcibly();
        }
        impairer = null;
    }

    /** The namespace of host {@code i} (from 1). */
    public String namespace(int i) {
        check(i);
        return run + "-h" + i;
    }

    /** The address of host {@code i} (from 1): 198.51.100.10 + i. */
    public String address(int i) {
        check(i);
        return "198.51.100." + (10 + i);
    }

    private String router() {
        return run + "-r";
    }

    private void check(int i) {
        if (i < 1 || i > hosts) {
            throw new IllegalArgumentException("host " + i + " of " + hosts);
        }
    }

    /** Drops every packet between hosts {@code a} and {@code b}, both ways, without a word to either. */
    public void cut(int a, int b) throws IOException {
        for (String[] pair : List.of(new String[] {address(a), address(b)}, new String[] {address(b), address(a)})) {
            ip("-n", router(), "rule", "add", "from", pair[0], "to", pair[1], "blackhole");
        }
    }

    /** Lets packets between hosts {@code a} and {@code b} through again. */
    public void heal(int a, int b) throws IOException {
        for (String[] pair : List.of(new String[] {address(a), address(b)}, new String[] {address(b), address(a)})) {
            ip("-n", router(), "rule", "del", "from", pair[0], "to", pair[1], "blackhole");
        }
    }

    /** Takes host {@code i}'s link to the router down for good: it reaches no one, and no one it. */
    public void isolate(int i) throws IOException {
        ip("-n", router(), "link", "set", "h" + i, "down");
    }

    /** The command prefix that runs a program on host {@code i}. */
    public List<String> on(int i) {
        return List.of("ip", "netns", "exec", namespace(i));
    }

    private void exec(String namespace, String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        line.addAll(List.of(command));
        run(line);
    }

    private static void ip(String... arguments) throws IOException {
        List<String> line = new ArrayList<>();
        line.add("ip");
        line.addAll(List.of(arguments));
        run(line);
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): "
                    + output.strip());
        }
        return output;
    }

    /**
     * Removes the namespaces of beds whose JVM is gone (a test killed before it closed its bed),
     * killing what still runs in them first: a namespace outlives its name while a process is in it.
     */
    public static void removeStale() throws IOException {
        for (String line : run(List.of("ip", "netns", "list")).lines().toList()) {
            String name = line.split("\\s+")[0];
            if (!name.startsWith(PREFIX) || name.indexOf('-') < 0) {
                continue;
            }
            String pid = name.substring(PREFIX.length(), name.indexOf('-'));
            if (!pid.chars().allMatch(Character::isDigit) || pid.isEmpty()) {
                continue;
            }
            if (ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                killAll(name);
                run(List.of("ip", "netns", "del", name));
            }
        }
    }

    private static void killAll(String namespace) throws IOException {
        for (String pid : run(List.of("ip", "netns", "pids", namespace)).lines().map(String::strip)
                .filter(line -> !line.isEmpty()).toList()) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Kills what still runs on the hosts, and removes every namespace made (their veths go with them). */
    @Override
    public void close() {
        if (impairer != null) {
            impairer.destroyForcibly();
            impairer = null;
        }
        for (String namespace : made.reversed()) {
            try {
                killAll(namespace);
                run(List.of("ip", "netns", "del", namespace));
            } catch (IOException e) {
                System.err.println("NetnsBed: " + e.getMessage());
            }
        }
        made.clear();
    }
}
