package io.cpcluster.core;

import io.cpcluster.ClusterNode;
import io.cpcluster.JoinInfo;
import io.cpcluster.NodeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A node in a JVM of its own, for tests that freeze or kill it. Arguments are {@code key=value}:
 * {@code master=host:port} or {@code join=path/to/join.json}, {@code name=...}, and optionally
 * {@code heartbeat=ms} (the node's and its links' heartbeat interval; the timeouts are five times
 * it) and {@code connectTimeout=ms} (default 30 s: a process started among many others under load
 * may wait seconds for the CPU, and these tests are not about how fast it joins). The token comes from {@code CPCLUSTER_TOKEN} or the join file. It serves {@code echo}
 * (bytes), {@code square} (a long), {@code nap} (sleeps that many milliseconds, returns them) and
 * {@code hold} (keeps its bytes for half a second, returns how many there were),
 * prints {@code READY <node id>} once joined, and leaves when its standard input ends.
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
        if (options.containsKey("join")) {
            config.joinFile(Path.of(options.get("join")));
        }
        if (options.containsKey("heartbeat")) {
            Duration beat = Duration.ofMillis(Long.parseLong(options.get("heartbeat")));
            config.heartbeat(beat, beat.multipliedBy(5)).linkHeartbeat(beat, beat.multipliedBy(5))
                    .reconnectDelay(beat.dividedBy(4), beat.multipliedBy(2));
        }
        try (ClusterNode node = ClusterNode.start(config.build())) {
            System.out.println("READY " + node.self().id());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the test to close our input, or to freeze or kill us
            }
        }
    }
}
