package io.cpcluster.core.node;

import io.cpcluster.Security;
import io.cpcluster.ClusterException;
import io.cpcluster.JoinInfo;
import io.cpcluster.NodeConfig;
import io.cpcluster.core.defaults.JoinFiles;
import io.cpcluster.spi.TokenStore;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a node finds its token, its masters and (for TLS) the fingerprint of the master's key: the
 * configuration first, then the {@code CPCLUSTER_TOKEN} and {@code CPCLUSTER_MASTER_KEY}
 * environment variables, then the join file
 * ({@link NodeConfig#joinFile()}, else the file {@code CPCLUSTER_JOIN} names, else
 * {@code join.json} in the working directory). The join file must pass the checks of
 * {@link JoinFiles} (owner, mode, links), and every token those of
 * {@link TokenStore#requireStrong(String)}. {@link #toString()} hides the token.
 *
 * @param token the token to prove
 * @param masters the masters to try, in order
 * @param masterKey the fingerprint the master's key must have; empty with {@link Security#PLAIN}, or
 *        when the node trusts a PKI's authorities and was given no fingerprint (it then identifies
 *        the master by its certificate)
 */
public record JoinSettings(String token, List<InetSocketAddress> masters, Optional<String> masterKey) {
    static final String TOKEN_VARIABLE = "CPCLUSTER_TOKEN";
    static final String MASTER_KEY_VARIABLE = "CPCLUSTER_MASTER_KEY";
    static final String JOIN_VARIABLE = "CPCLUSTER_JOIN";
    static final String DEFAULT_JOIN_FILE = "join.json";

    public static JoinSettings resolve(NodeConfig config, Map<String, String> environment) {
        Optional<Path> named = config.joinFile()
                .or(() -> Optional.ofNullable(environment.get(JOIN_VARIABLE)).filter(s -> !s.isBlank()).map(Path::of));
        Path file = named.orElse(Path.of(DEFAULT_JOIN_FILE));
        // NodeConfig checked its own token; the others are checked here, naming where they came from.
        String token = config.token().orElse(null);
        if (token == null) {
            token = Optional.ofNullable(environment.get(TOKEN_VARIABLE)).map(String::strip).filter(s -> !s.isEmpty())
                    .map(t -> strong(t, "the " + TOKEN_VARIABLE + " environment variable")).orElse(null);
        }
        List<InetSocketAddress> masters = config.masters();
        boolean tls = config.security() == Security.TLS;
        String masterKey = tls ? config.masterKey().orElse(null) : null;
        if (tls && masterKey == null) {
            String given = environment.get(MASTER_KEY_VARIABLE);
            if (given != null && !given.isBlank()) {
                try {
                    masterKey = JoinInfo.checkFingerprint(given);
                } catch (IllegalArgumentException e) {
                    throw new ClusterException("the " + MASTER_KEY_VARIABLE + " environment variable will not do: "
                            + e.getMessage(), e);
                }
            }
        }
        // With a PKI's authorities a node may go without a pin: it checks the master's certificate instead.
        boolean pinNeeded = tls && config.trustedCertificates().isEmpty();
        boolean needFile = token == null || masters.isEmpty() || (tls && masterKey == null);
        if (needFile && (named.isPresent() || Files.exists(file))) {
            JoinInfo join = JoinFiles.read(file);
            if (token == null) {
                token = strong(join.token(), "join file " + file.toAbsolutePath());
            }
            if (masters.isEmpty()) {
                masters = List.of(join.address());
            }
            if (tls && masterKey == null && (join.fingerprint().isPresent() || pinNeeded)) {
                masterKey = join.fingerprint().orElseThrow(() -> new ClusterException("the join file "
                        + file.toAbsolutePath() + " names no fingerprint of the master's key, so this node cannot"
                        + " tell the master from an impostor: it was written by a master running with security"
                        + " PLAIN. Run the master with TLS (the default), or run this node with security PLAIN"
                        + " (NodeConfig.security, --insecure, cpcluster.security=plain) too"));
            }
        }
        if (token == null) {
            throw new ClusterException("this node has no token to join with: set NodeConfig.token, the "
                    + TOKEN_VARIABLE + " environment variable, or give it the join.json the master wrote"
                    + " (NodeConfig.joinFile, the " + JOIN_VARIABLE + " environment variable, or ./join.json)");
        }
        if (masters.isEmpty()) {
            throw new ClusterException("this node does not know where the master is: set NodeConfig.master, or give"
                    + " it the join.json the master wrote (NodeConfig.joinFile, the " + JOIN_VARIABLE
                    + " environment variable, or ./join.json)");
        }
        if (pinNeeded && masterKey == null) {
            throw new ClusterException("this node does not know the fingerprint of the master's key, so it cannot tell"
                    + " the master from an impostor: give it the join.json the master wrote, or set"
                    + " NodeConfig.masterKey or the " + MASTER_KEY_VARIABLE + " environment variable (the master"
                    + " logs its fingerprint at start), or NodeConfig.trustedCertificates for a PKI; or run the master"
                    + " and every node with security PLAIN");
        }
        return new JoinSettings(token, masters, Optional.ofNullable(masterKey));
    }

    private static String strong(String token, String source) {
        try {
            return TokenStore.requireStrong(token);
        } catch (IllegalArgumentException e) {
            throw new ClusterException("the token in " + source + " will not do: " + e.getMessage()
                    + " A node proves the token its master uses: give it the join.json the master wrote.", e);
        }
    }

    @Override
    public String toString() {
        return "JoinSettings[token=(hidden), masters=" + masters + ", masterKey=" + masterKey + "]";
    }
}
