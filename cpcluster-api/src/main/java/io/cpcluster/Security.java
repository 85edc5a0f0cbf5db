package io.cpcluster;

/**
 * How the master's connections and the direct links are protected. Masters and nodes of one
 * cluster must agree: a node of one kind meeting a master of the other fails at once, with an
 * {@link AuthenticationException} that names the setting to change.
 */
public enum Security {
    /**
     * The default: TLS 1.3 with pinned keys. The master proves its key to every node against the
     * fingerprint in {@code join.json}; every node proves its key to the master, which vouches
     * for it to the node's link peers; every direct link is mutual TLS, each side pinning the key
     * the master vouched for. No certificate authority and no keystore to set up.
     */
    TLS,
    /**
     * Plain TCP: every byte, task and name crosses the network in clear, and nothing proves the
     * master's identity. Only for a network where nobody else can listen or connect; chosen by
     * name ({@code security(PLAIN)}, {@code --insecure}, {@code cpcluster.security=plain}), and
     * the master and each node log a warning once when they start with it.
     */
    PLAIN
}
