package io.cpcluster.examples;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterNode;
import io.cpcluster.LinkClosed;
import io.cpcluster.LinkOpened;
import io.cpcluster.MasterLost;
import io.cpcluster.NodeConfig;
import io.cpcluster.Security;
import io.cpcluster.NodeInfo;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * Runs a node that serves the demo's task ({@code primes.count}) until it is stopped; or, with
 * {@code --count-primes}, one that also hands that work to the other nodes and prints the
 * answer. Options, as {@code --help} prints them:
 *
 * <pre>{@value #USAGE}</pre>
 */
public final class NodeMain {
    /** What {@code --help} prints. */
    public static final String USAGE = """
            usage: node [--name NAME] [--join-file join.json] [--master HOST:PORT] [--master-key sha256:...]
                        [--advertise HOST] [--bind HOST] [--insecure]
                        [--count-primes N [--wait-for K] [--chunk SIZE]]

            Joins a CPCluster and serves the demo's task, primes.count, until Ctrl-C. The token, the
            master's address and the fingerprint of the master's TLS key come from join.json (or
            $CPCLUSTER_JOIN), which must be yours (or root's) with mode 600, as ssh requires of key
            files; $CPCLUSTER_TOKEN and $CPCLUSTER_MASTER_KEY, when set, override the token and the
            fingerprint. The node talks TLS 1.3 to the master and its peers, and refuses a master
            whose key is not the one join.json names.

              --name          the node's name; default the host name and process id
              --join-file     the join.json the master wrote; default $CPCLUSTER_JOIN, else ./join.json
              --master        the master's HOST:PORT, instead of the one in join.json
              --master-key    the fingerprint of the master's key (the master prints it), instead of
                              the one in join.json
              --advertise     the address other nodes dial to reach this one (behind NAT, in containers)
              --bind          where this node listens for links; default the address it reaches the master from
              --count-primes  count the primes below N on the other nodes, print the answer, and exit
              --wait-for      with --count-primes: wait for K other nodes serving the task; default 1
              --chunk         with --count-primes: numbers per task; default 500000
              --insecure      plain TCP instead of TLS, for a master run with --insecure
            """;

    private NodeMain() {
    }

    /**
     * Runs the node.
     *
     * @param args the options above
     */
    public static void main(String[] args) {
        Launcher.logging(Level.INFO);
        Launcher.run(USAGE, args, () -> run(args));
    }

    private static void run(String[] args) throws InterruptedException {
        Options options = Options.parse(Arrays.asList(args), Set.of("name", "join-file", "master", "master-key",
                "advertise", "bind", "count-primes", "wait-for", "chunk"), Set.of("insecure"));
        String name = options.get("name").orElseGet(NodeMain::defaultName);
        NodeConfig.Builder config = PrimeJob.serve(NodeConfig.builder(), name);
        options.get("join-file").map(Path::of).ifPresent(config::joinFile);
        options.get("master").ifPresent(master -> {
            int colon = master.lastIndexOf(':');
            if (colon <= 0) {
                throw new Options.UsageException("--master takes HOST:PORT, not '" + master + "'");
            }
            try {
                config.master(master.substring(0, colon), Integer.parseInt(master.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--master takes HOST:PORT with a port from 1 to 65535, not '"
                        + master + "'");
            }
        });
        options.get("master-key").ifPresent(key -> {
            try {
                config.masterKey(key);
            } catch (IllegalArgumentException e) {
                throw new Options.UsageException("--master-key: " + e.getMessage());
            }
        });
        if (options.has("insecure")) {
            config.security(Security.PLAIN);
        }
        options.get("advertise").ifPresent(config::advertisedHost);
        options.get("bind").ifPresent(config::bindHost);

        try (ClusterNode node = ClusterNode.start(config.build())) {
            System.out.println("node " + node.self().label() + " joined; " + node.nodes().size()
                    + " node(s) in the cluster");
            node.subscribe(new ClusterListener() {
                @Override
                public void onLinkOpened(LinkOpened event) {
                    System.out.println("link opened: " + event.link().id() + " on " + event.link().host() + ":"
                            + event.link().port());
                }

                @Override
                public void onLinkClosed(LinkClosed event) {
                    System.out.println("link closed: " + event.link().id() + ": " + event.reason());
                }

                @Override
                public void onMasterLost(MasterLost event) {
                    System.out.println("lost the master: " + event.reason() + " (links keep working)");
                }
            });
            if (options.has("count-primes")) {
                countPrimes(node, options.number("count-primes", 0), (int) options.number("wait-for", 1),
                        options.number("chunk", 500_000));
                return;
            }
            System.out.println("serving " + Primes.TASK + "; Ctrl-C stops it.");
            System.out.flush();
            Launcher.awaitShutdown();
        }
    }

    private static void countPrimes(ClusterNode node, long limit, int waitFor, long chunk)
            throws InterruptedException {
        if (limit < 1 || chunk < 1 || waitFor < 1) {
            throw new Options.UsageException("--count-primes, --chunk and --wait-for take numbers of at least 1");
        }
        CountDownLatch enough = new CountDownLatch(1);
        node.subscribe(ClusterListener.of(event -> {
            if (servers(node) >= waitFor) {
                enough.countDown();
            }
        }));
        if (servers(node) < waitFor) {
            System.out.println("waiting for " + waitFor + " other node(s) serving " + Primes.TASK + "...");
            if (!enough.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("fewer than " + waitFor + " other nodes served " + Primes.TASK
                        + " after 5 minutes");
            }
        }
        PrimeJob.Result result = PrimeJob.run(node, limit, chunk);
        long expected = Primes.countBelow(limit);
        System.out.printf("primes below %,d: %,d (checked locally: %s) in %d ms%n", limit, result.primes(),
                result.primes() == expected ? "right" : "WRONG, expected " + expected, result.elapsed().toMillis());
        PrimeJob.printShares(node, result);
        System.out.flush();
        if (result.primes() != expected) {
            System.exit(1);
        }
    }

    private static long servers(ClusterNode node) {
        return node.nodes().stream().filter(n -> !n.id().equals(node.self().id()))
                .filter(n -> n.serves(Primes.TASK)).map(NodeInfo::id).count();
    }

    private static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
