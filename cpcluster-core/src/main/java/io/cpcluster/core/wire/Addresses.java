package io.cpcluster.core.wire;

import java.net.InetSocketAddress;

/** Socket addresses as people write them: {@code host:port}, {@code [v6]:port}. */
public final class Addresses {
    private Addresses() {
    }

    public static String text(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
