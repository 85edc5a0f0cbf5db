package io.cpcluster.core;

import io.cpcluster.ClusterMaster;
import io.cpcluster.MasterConfig;
import io.cpcluster.PortRange;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A master in a JVM of its own, for tests that kill it. Arguments: port, join file, port range,
 * heartbeat timeout in milliseconds. Prints {@code READY <port>} once listening, and stops when
 * its standard input ends.
 */
public final class MasterProcess {
    private MasterProcess() {
    }

    public static void main(String[] args) throws IOException {
        MasterConfig config = MasterConfig.builder()
                .port(Integer.parseInt(args[0]))
                .joinFile(Path.of(args[1]))
                .portRange(PortRange.parse(args[2]))
                .heartbeatTimeout(Duration.ofMillis(Long.parseLong(args[3])))
                .build();
        try (ClusterMaster master = ClusterMaster.start(config)) {
            System.out.println("READY " + master.address().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the test to close our input, or to kill us
            }
        }
    }
}
