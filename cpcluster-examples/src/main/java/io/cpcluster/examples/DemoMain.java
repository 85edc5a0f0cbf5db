package io.cpcluster.examples;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.LinkInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.PortRange;
import io.cpcluster.Security;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Collectors;

/**
 * The demo: a master and three worker nodes in this JVM, over real TCP on loopback, count the
 * primes below a limit. A fourth node, the driver, hands out the chunks; each worker counts its
 * share and answers over a direct link; the driver checks the sum against a local count.
 * Options, as {@code --help} prints them:
 *
 * <pre>{@value #USAGE}</pre>
 */
public final class DemoMain {
    /** What {@code --help} prints. */
    public static final String USAGE = """
            usage: demo [--limit 50000000] [--chunk 500000] [--workers 3] [--range 55001-55999] [--insecure]

            Starts a master and worker nodes in this JVM, on loopback over real TCP with TLS 1.3, and
            counts the primes below --limit: a driver node submits chunks, the workers count them and
            answer over direct links, and the total is checked against a local count.

              --limit    count the primes below this; default 50000000
              --chunk    numbers per task; default 500000
              --workers  how many worker nodes; default 3
              --range    the ports the master gives links; default 55001-55999
              --insecure plain TCP instead of TLS
            """;

    private DemoMain() {
    }

    /**
     * Runs the demo.
     *
     * @param args the options above
     */
    public static void main(String[] args) {
        Launcher.logging(Level.WARNING);
        Launcher.run(USAGE, args, () -> {
            if (!run(args)) {
                System.exit(1);
            }
        });
    }

    /** Runs the demo; true when the cluster's count matches the local one. */
    static boolean run(String[] args) {
        Options options = Options.parse(Arrays.asList(args), Set.of("limit", "chunk", "workers", "range"),
                Set.of("insecure"));
        Security security = options.has("insecure") ? Security.PLAIN : Security.TLS;
        long limit = options.number("limit", 50_000_000);
        long chunk = options.number("chunk", 500_000);
        int workerCount = (int) options.number("workers", 3);
        if (limit < 1 || chunk < 1 || workerCount < 1 || workerCount > 64) {
            throw new Options.UsageException("--limit and --chunk take numbers of at least 1, --workers 1 to 64");
        }
        MasterConfig masterConfig = MasterConfig.builder()
                .port(0)
                .portRange(PortRange.parse(options.get("range", PortRange.DEFAULT.toString())))
                .security(security)
                .build();
        System.out.printf("CPCluster demo: counting the primes below %,d on %d worker nodes over direct links%n",
                limit, workerCount);
        try (ClusterMaster master = ClusterMaster.start(masterConfig)) {
            System.out.println("master   " + master.address().getHostString() + ":" + master.address().getPort()
                    + ", link ports " + masterConfig.portRange() + master.joinInfo().fingerprint()
                    .map(key -> ", TLS 1.3 with pinned keys (master key " + key.substring(0, 19) + "...)")
                    .orElse(", plain TCP (--insecure)"));
            List<ClusterNode> nodes = new ArrayList<>();
            try {
                for (int i = 1; i <= workerCount; i++) {
                    nodes.add(ClusterNode.start(PrimeJob.serve(NodeConfig.builder(), "worker-" + i)
                            .security(security).join(master.joinInfo()).build()));
                }
                ClusterNode driver = ClusterNode.start(NodeConfig.builder().name("driver").security(security)
                        .join(master.joinInfo()).build());
                nodes.add(driver);
                System.out.printf("nodes    %s; the driver submits %d chunks of %,d%n",
                        nodes.stream().map(n -> n.self().name()).collect(Collectors.joining(", ")),
                        (limit + chunk - 1) / chunk, chunk);
                // The driver joined last: the node list it got on joining already holds every worker.
                PrimeJob.Result result = PrimeJob.run(driver, limit, chunk);
                long localStarted = System.nanoTime();
                long expected = Primes.countBelow(limit);
                long localMillis = (System.nanoTime() - localStarted) / 1_000_000;
                boolean right = result.primes() == expected;

                System.out.printf("result   %,d primes below %,d: %s%n", result.primes(), limit,
                        right ? "matches the local count" : "WRONG: the local count is " + String.format("%,d", expected));
                System.out.printf("elapsed  %,d ms on the cluster (the local check took %,d ms on one thread)%n",
                        result.elapsed().toMillis(), localMillis);
                System.out.println("shares");
                PrimeJob.printShares(driver, result);
                printMastersView(master);
                return right;
            } finally {
                for (ClusterNode node : nodes.reversed()) {
                    node.close();
                }
            }
        }
    }

    private static void printMastersView(ClusterMaster master) {
        Map<NodeId, String> names = master.nodes().stream()
                .collect(Collectors.toMap(NodeInfo::id, NodeInfo::name, (a, b) -> a));
        Function<NodeId, String> name = id -> names.getOrDefault(id, id.value());
        System.out.println("the master's view");
        System.out.println("  nodes  " + master.nodes().stream()
                .map(n -> n.name() + (n.tasks().isEmpty() ? "" : " " + n.tasks())).collect(Collectors.joining(", ")));
        for (LinkInfo link : master.links()) {
            System.out.println("  link   " + name.apply(link.initiator()) + " -> " + name.apply(link.acceptor())
                    + " on " + link.host() + ":" + link.port());
        }
        MasterStats stats = master.stats();
        System.out.println("  ports  " + stats.portsInUse() + " in use; " + stats.linksBrokered()
                + " links brokered, " + stats.nodesAuthenticated() + " nodes authenticated");
    }
}
