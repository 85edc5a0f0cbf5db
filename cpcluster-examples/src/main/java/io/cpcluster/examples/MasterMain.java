package io.cpcluster.examples;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.LinkClosed;
import io.cpcluster.LinkOpened;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.PortRange;
import io.cpcluster.Security;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.logging.Level;

/**
 * Runs a master until it is stopped (Ctrl-C or SIGTERM), printing nodes and links as they come
 * and go. Options, as {@code --help} prints them:
 *
 * <pre>{@value #USAGE}</pre>
 */
public final class MasterMain {
    /** What {@code --help} prints. */
    public static final String USAGE = """
            usage: master [--host 127.0.0.1] [--port 55000] [--range 55001-55999] [--join-file join.json]
                          [--advertise HOST] [--token-env] [--insecure]

            Runs a CPCluster master until Ctrl-C. It writes join.json (owner-only), with its token
            and the fingerprint of its TLS key: give that file to the nodes, or set CPCLUSTER_JOIN to
            its path. Its key pair is kept beside it (join.key.pem, owner-only) and reused on restart.

              --host       where to listen (0.0.0.0 for every interface); default 127.0.0.1
              --port       the port nodes connect to; 0 picks a free one; default 55000
              --range      the ports direct links use, on each node's host; default 55001-55999
              --join-file  where to write join.json; default $CPCLUSTER_JOIN, else ./join.json.
                           A join.json already there keeps its token, so its nodes can rejoin;
                           it must be yours (or root's) with mode 600. One master at a time.
              --advertise  the address join.json tells nodes to dial; default the --host address
              --token-env  use the token in $CPCLUSTER_TOKEN instead of reusing or minting one;
                           it must carry 128 bits or more (openssl rand -hex 32 makes one)
              --insecure   plain TCP instead of TLS, for a network nobody else can reach; the nodes
                           must be run with --insecure too
            """;

    private MasterMain() {
    }

    private static String name(ClusterMaster master, NodeId id) {
        return master.nodes().stream().filter(n -> n.id().equals(id)).map(NodeInfo::name).findFirst()
                .orElse(id.value());
    }

    /**
     * Runs the master.
     *
     * @param args the options above
     */
    public static void main(String[] args) {
        Launcher.logging(Level.INFO);
        Launcher.run(USAGE, args, () -> run(args));
    }

    private static void run(String[] args) throws InterruptedException {
        Options options = Options.parse(Arrays.asList(args),
                Set.of("host", "port", "range", "join-file", "advertise"), Set.of("token-env", "insecure"));
        Path joinFile = Path.of(options.get("join-file").orElseGet(
                () -> System.getenv().getOrDefault("CPCLUSTER_JOIN", "join.json")));
        MasterConfig.Builder config = MasterConfig.builder()
                .host(options.get("host", "127.0.0.1"))
                .port((int) options.number("port", MasterConfig.DEFAULT_PORT))
                .portRange(PortRange.parse(options.get("range", PortRange.DEFAULT.toString())))
                .joinFile(joinFile);
        options.get("advertise").ifPresent(config::advertisedHost);
        if (options.has("insecure")) {
            config.security(Security.PLAIN);
        }
        if (options.has("token-env")) {
            String token = System.getenv("CPCLUSTER_TOKEN");
            if (token == null || token.isBlank()) {
                throw new Options.UsageException("--token-env is set but CPCLUSTER_TOKEN is empty");
            }
            config.token(token.strip());
        }

        try (ClusterMaster master = ClusterMaster.start(config.build())) {
            master.subscribe(new ClusterListener() {
                @Override
                public void onNodeJoined(NodeJoined event) {
                    System.out.println("joined: " + event.node().label() + " at " + event.node().host()
                            + ", serving " + event.node().tasks());
                }

                @Override
                public void onNodeLeft(NodeLeft event) {
                    System.out.println("left:   " + event.node().label() + ": " + event.reason());
                }

                @Override
                public void onLinkOpened(LinkOpened event) {
                    System.out.println("link:   " + event.link().id() + " " + name(master, event.link().initiator())
                            + " -> " + name(master, event.link().acceptor()) + " on " + event.link().host() + ":"
                            + event.link().port());
                }

                @Override
                public void onLinkClosed(LinkClosed event) {
                    System.out.println("closed: link " + event.link().id() + ": " + event.reason());
                }
            });
            System.out.println("CPCluster master listening on " + master.address().getHostString() + ":"
                    + master.address().getPort() + master.joinInfo().fingerprint().map(key -> " (TLS 1.3, key " + key
                    + ")").orElse(" (plain TCP: --insecure)"));
            System.out.println("join file: " + joinFile.toAbsolutePath() + " (owner-only; nodes dial "
                    + master.joinInfo().ip() + ":" + master.joinInfo().port() + ")");
            System.out.println("link ports: " + config.build().portRange() + " on each node's host");
            System.out.println("Ctrl-C stops it.");
            System.out.flush();
            Launcher.awaitShutdown();
        }
    }
}
