package io.cpcluster;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What a node needs to join a cluster: the master's address and the shared token. The master
 * writes it as {@code join.json}:
 * {@snippet lang=json :
 * {"token": "6f1c…", "ip": "127.0.0.1", "port": "55000"}
 * }
 * ({@code port} is read as a string or a number).
 *
 * <p>{@link #toString()} never shows the token.
 *
 * @param token the shared secret nodes prove they hold
 * @param ip the master's address, as nodes should dial it
 * @param port the master's port
 */
public record JoinInfo(String token, String ip, int port) {
    /** Checks the fields. */
    public JoinInfo {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(ip, "ip");
        if (token.isBlank()) {
            throw new IllegalArgumentException("the join token is empty");
        }
        if (ip.isBlank()) {
            throw new IllegalArgumentException("the master ip is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the master port is between 1 and 65535, not " + port);
        }
    }

    /**
     * Returns the master's address, unresolved.
     *
     * @return {@code ip:port}
     */
    public InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(ip, port);
    }

    /** Shows the address and hides the token, so that it never reaches a log. */
    @Override
    public String toString() {
        return "JoinInfo[token=(hidden), ip=" + ip + ", port=" + port + "]";
    }
}
