package io.cpcluster.core;

import io.cpcluster.ClusterNode;
import io.cpcluster.NodeConfig;
import java.io.IOException;

/**
 * A node in a JVM of its own, for tests that kill it. Arguments: master host, master port,
 * node name. The token comes from the {@code CPCLUSTER_TOKEN} environment variable. It serves
 * {@code echo} (bytes), prints {@code READY <node id>} once joined, and leaves when its
 * standard input ends.
 */
public final class NodeProcess {
    private NodeProcess() {
    }

    public static void main(String[] args) throws IOException {
        NodeConfig config = NodeConfig.builder()
                .name(args[2])
                .master(args[0], Integer.parseInt(args[1]))
                .handle("echo", byte[].class, bytes -> bytes)
                .build();
        try (ClusterNode node = ClusterNode.start(config)) {
            System.out.println("READY " + node.self().id());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the test to close our input, or to kill us
            }
        }
    }
}
