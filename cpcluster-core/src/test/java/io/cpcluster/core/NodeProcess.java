package io.cpcluster.core;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.JoinInfo;
import io.cpcluster.LinkId;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.SubmitOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node in a JVM of its own, for tests that freeze or kill it. Arguments are {@code key=value}:
 * {@code master=host:port}, {@code masters=host:port,host:port} (tried in order) or
 * {@code join=path/to/join.json} (or both: the masters, and the token and key from the file),
 * {@code name=...}, and optionally
 * {@code heartbeat=ms} (the node's and its links' heartbeat interval; the timeouts are five times
 * it) and {@code connectTimeout=ms} (default 30 s: a process started among many others under load
 * may wait seconds for the CPU, and these tests are not about how fast it joins). The token comes from {@code CPCLUSTER_TOKEN} or the join file. It serves {@code echo}
 * (bytes), {@code square} (a long), {@code nap} (sleeps that many milliseconds, returns them) and
 * {@code hold} (keeps its bytes for half a second, returns how many there were),
 * prints {@code READY <node id>} once joined, then {@code EVENT <type> <event>} for each cluster
 * event, takes commands on its standard input (see {@link #command}), and leaves when its standard
 * input ends.
 */
public final class NodeProcess {
    private NodeProcess() {
    }

    /**
     * The environment that gives a node process the master's token and (with TLS) the fingerprint
     * of its key, for a process started with {@code master=host:port} rather than a join file.
     */
    static Map<String, String> environment(JoinInfo join) {
        Map<String, String> environment = new HashMap<>();
        environment.put("CPCLUSTER_TOKEN", join.token());
        join.fingerprint().ifPresent(key -> environment.put("CPCLUSTER_MASTER_KEY", key));
        return environment;
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            options.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        NodeConfig.Builder config = NodeConfig.builder()
                .name(options.getOrDefault("name", "process"))
                .handle("echo", byte[].class, bytes -> bytes)
                .handle("square", Long.class, x -> x * x)
                // The slow handler the flood test needs: this sleep is the work, not a wait.
                .handle("nap", Integer.class, millis -> {
                    Thread.sleep(millis);
                    return millis;
                })
                // A slow call with a large input, for the memory tests: the sleep is its work.
                .handle("hold", byte[].class, bytes -> {
                    Thread.sleep(500);
                    return bytes.length;
                });
        config.connectTimeout(Duration.ofMillis(Long.parseLong(options.getOrDefault("connectTimeout", "30000"))));
        if (options.containsKey("master")) {
            String master = options.get("master");
            int colon = master.lastIndexOf(':');
            config.master(master.substring(0, colon), Integer.parseInt(master.substring(colon + 1)));
        }
        if (options.containsKey("masters")) {
            for (String master : options.get("masters").split(",")) {
                int colon = master.lastIndexOf(':');
                config.master(master.substring(0, colon), Integer.parseInt(master.substring(colon + 1)));
            }
        }
        if (options.containsKey("join")) {
            config.joinFile(Path.of(options.get("join")));
        }
        if (options.containsKey("heartbeat")) {
            Duration beat = Duration.ofMillis(Long.parseLong(options.get("heartbeat")));
            config.heartbeat(beat, beat.multipliedBy(5)).linkHeartbeat(beat, beat.multipliedBy(5))
                    .reconnectDelay(beat.dividedBy(4), beat.multipliedBy(2));
        }
        try (ClusterNode node = ClusterNode.start(config.build())) {
            node.subscribe(ClusterListener.of(event -> say("EVENT " + event.getClass().getSimpleName() + " "
                    + event.toString().replace('\n', ' '))));
            say("READY " + node.self().id());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                command(node, line.strip().split(" "));
            }
        }
    }

    /**
     * Runs a command from the test: {@code connect <node id>} (answers {@code LINK <link id>
     * <port> <set-up time in microseconds>}), {@code calls <link id> <seconds>} (calls one after
     * the other, see {@link #calls}), {@code call <link id> <x>} (answers {@code SQUARE <x> <x*x>} when the answer comes,
     * or {@code FAILED <x> <exception>}), {@code links} (answers {@code LINKS} and the open links'
     * ids), {@code nap <link id> <millis>} (a call of {@code nap}: {@code NAPPED <millis>}, or
     * {@code FAILED nap after <ms> ms: <exception>}), {@code submit <n>} (submits {@code square}
     * of 0 to n-1 as idempotent tasks; {@code SUBMITTED <k> of <n> right} once all are done;
     * {@code submit <n> <first> <timeout ms>} submits first to first+n-1 with that timeout, and
     * answers {@code SUBMITTED <first> right=<r> failed=<f> wrong=<w> of <n>}), {@code threads}
     * ({@code THREADS <live platform threads>}),
     * {@code close <link id>} ({@code CLOSED <link id>} once closed). A
     * failure answers {@code FAILED} and the exception.
     */
    private static void command(ClusterNode node, String[] words) {
        try {
            switch (words[0]) {
                case "connect" -> {
                    long started = System.nanoTime();
                    DirectLink link = node.connect(NodeId.of(words[1]));
                    say("LINK " + link.id() + " " + link.port() + " " + (System.nanoTime() - started) / 1000);
                }
                case "calls" -> {
                    DirectLink link = node.link(LinkId.of(words[1])).orElseThrow(
                            () -> new IllegalArgumentException("no open link " + words[1]));
                    long seconds = Long.parseLong(words[2]);
                    Thread.ofVirtual().name("calls-" + words[1]).start(() -> calls(link, seconds));
                }
                case "call" -> {
                    long x = Long.parseLong(words[2]);
                    DirectLink link = node.link(LinkId.of(words[1])).orElseThrow(
                            () -> new IllegalArgumentException("no open link " + words[1]));
                    link.call("square", x, Long.class).whenComplete((answer, failure) -> say(failure == null
                            ? "SQUARE " + x + " " + answer
                            : "FAILED " + x + " " + (failure.getCause() != null ? failure.getCause() : failure)));
                }
                case "nap" -> {
                    int millis = Integer.parseInt(words[2]);
                    DirectLink link = node.link(LinkId.of(words[1])).orElseThrow(
                            () -> new IllegalArgumentException("no open link " + words[1]));
                    long started = System.nanoTime();
                    link.call("nap", millis, Integer.class).whenComplete((answer, failure) -> say(failure == null
                            ? "NAPPED " + answer
                            : "FAILED nap after " + (System.nanoTime() - started) / 1_000_000 + " ms: "
                                    + (failure.getCause() != null ? failure.getCause() : failure)));
                }
                case "submit" -> {
                    int count = Integer.parseInt(words[1]);
                    long first = words.length > 2 ? Long.parseLong(words[2]) : 0;
                    SubmitOptions options = words.length > 3
                            ? new SubmitOptions(true).withTimeout(Duration.ofMillis(Long.parseLong(words[3])))
                            : new SubmitOptions(true);
                    List<CompletableFuture<String>> answers = new ArrayList<>();
                    for (long x = first; x < first + count; x++) {
                        long input = x;
                        answers.add(node.submit("square", input, Long.class, options)
                                .handle((answer, failure) -> {
                                    if (failure != null) {
                                        say("FAILED submit " + input + " " + failure);
                                        return "failed";
                                    }
                                    return answer == input * input ? "right" : "wrong";
                                }));
                    }
                    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((done, e) -> {
                        List<String> kinds = answers.stream().map(CompletableFuture::join).toList();
                        if (words.length > 2) {
                            say("SUBMITTED " + first + " right=" + kinds.stream().filter("right"::equals).count()
                                    + " failed=" + kinds.stream().filter("failed"::equals).count() + " wrong="
                                    + kinds.stream().filter("wrong"::equals).count() + " of " + count);
                        } else {
                            say("SUBMITTED " + kinds.stream().filter("right"::equals).count() + " of " + count
                                    + " right");
                        }
                    });
                }
                case "threads" -> say("THREADS " + Thread.getAllStackTraces().size());
                case "close" -> {
                    node.link(LinkId.of(words[1])).orElseThrow(
                            () -> new IllegalArgumentException("no open link " + words[1])).close();
                    say("CLOSED " + words[1]);
                }
                case "links" -> say("LINKS " + String.join(",", node.links().stream().map(l -> l.id().value())
                        .toList()));
                default -> say("FAILED unknown command " + words[0]);
            }
        } catch (RuntimeException e) {
            say("FAILED " + words[0] + " " + e);
        }
    }

    /**
     * Calls {@code square} on a link one call after the other for that many seconds (or until
     * the link closes), each answer checked, and says {@code CALLS <link id> n=.. right=..
     * wrong=.. failed=.. p50=..us p99=..us max=..us}: the calls' round trips, in microseconds.
     */
    private static void calls(DirectLink link, long seconds) {
        List<Long> micros = new ArrayList<>();
        long right = 0;
        long wrong = 0;
        long failed = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (long x = 0; System.nanoTime() - end < 0 && link.isOpen(); x++) {
            long started = System.nanoTime();
            try {
                long answer = link.call("square", x, Long.class).get(30, TimeUnit.SECONDS);
                micros.add((System.nanoTime() - started) / 1000);
                if (answer == x * x) {
                    right++;
                } else {
                    wrong++;
                }
            } catch (ExecutionException | TimeoutException e) {
                failed++;
                say("FAILED calls " + link.id() + " " + x + " " + (e.getCause() != null ? e.getCause() : e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Collections.sort(micros);
        say("CALLS " + link.id() + " n=" + (right + wrong + failed) + " right=" + right + " wrong=" + wrong + " failed="
                + failed + " p50=" + percentile(micros, 50) + "us p99=" + percentile(micros, 99) + "us max="
                + percentile(micros, 100) + "us");
    }

    /** The value at that percentile of a sorted list (nearest rank); 0 for an empty list. */
    static long percentile(List<Long> sorted, int percent) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
