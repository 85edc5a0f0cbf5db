package io.cpcluster.benchmarks;

import io.cpcluster.ClusterMaster;
import io.cpcluster.JoinInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.PortRange;
import io.cpcluster.Security;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The master side of the load benchmark ({@link Load}): a real {@link ClusterMaster} on 127.0.0.1
 * in a JVM of its own, so that the driver can read this process's CPU time and resident memory
 * from {@code /proc} and nothing else shares its heap.
 *
 * <p>It prints {@code READY <port> <token> <fingerprint>} on standard output once it listens
 * ({@code -} for the fingerprint with {@code --plain}), then answers one line per command read
 * from standard input:
 * <ul>
 *   <li>{@code stats}: runs {@link System#gc()}, then prints
 *       {@code STATS nodes=.. connections=.. links=.. pending=.. brokered=.. authenticated=..
 *       protocolErrors=.. heapUsed=.. heapCommitted=.. threads=..} (heap in bytes, after the
 *       collection; threads are the JVM's platform threads);</li>
 *   <li>{@code quit}: closes the master and exits, as the end of standard input does.</li>
 * </ul>
 *
 * <p>Options: {@code --plain} (plain TCP instead of TLS 1.3), {@code --port P} (0, the default,
 * picks a free one), {@code --range FIRST-LAST} (link ports, 20000-29999 by default: outside the
 * kernel's ephemeral range, and wide enough for every simulated node, since they all share the
 * host 127.0.0.1). Everything else is the master's default. The master's log goes to standard
 * error at WARNING and above: a line per join at INFO would cost the master more than the joins.
 */
public final class LoadMaster {
    /** The link ports by default. */
    static final PortRange DEFAULT_RANGE = new PortRange(20000, 29999);
    /** Held so that the level stays set. */
    private static final Logger QUIET = Logger.getLogger("io.cpcluster");
    /** The warning that plain TCP was chosen: with --plain it is chosen on purpose. */
    private static final Logger PLAIN_CHOSEN = Logger.getLogger("io.cpcluster.security");

    private LoadMaster() {
    }

    /**
     * Starts the master and serves commands until standard input ends.
     *
     * @param args {@code [--plain] [--port P] [--range FIRST-LAST]}
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        QUIET.setLevel(Level.WARNING);
        PLAIN_CHOSEN.setLevel(Level.SEVERE);
        Security security = Security.TLS;
        int port = 0;
        PortRange range = DEFAULT_RANGE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--plain" -> security = Security.PLAIN;
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--range" -> range = PortRange.parse(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; LoadMaster takes --plain, --port P, --range FIRST-LAST");
            }
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        MasterConfig config = MasterConfig.builder().host("127.0.0.1").port(port).portRange(range).security(security)
                .build();
        try (ClusterMaster master = ClusterMaster.start(config)) {
            JoinInfo join = master.joinInfo();
            out.println("READY " + master.address().getPort() + " " + join.token() + " "
                    + join.fingerprint().orElse("-"));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String command = line.strip();
                if (command.equals("quit")) {
                    break;
                }
                out.println(switch (command) {
                    case "stats" -> stats(master);
                    case "" -> "ERR empty command";
                    default -> "ERR unknown command '" + command + "': stats or quit";
                });
            }
        }
    }

    /** The STATS line: the master's counts, and its heap after a full collection. */
    private static String stats(ClusterMaster master) {
        MasterStats stats = master.stats();
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return "STATS nodes=" + stats.nodes() + " connections=" + stats.connections() + " links=" + stats.openLinks()
                + " pending=" + stats.pendingLinks() + " brokered=" + stats.linksBrokered() + " authenticated="
                + stats.nodesAuthenticated() + " protocolErrors=" + stats.protocolErrors() + " heapUsed="
                + heap.getUsed() + " heapCommitted=" + heap.getCommitted() + " threads="
                + ManagementFactory.getThreadMXBean().getThreadCount();
    }
}
