package io.cpcluster.core;

import java.net.InetSocketAddress;

/** Socket addresses as people write them: {@code host:port}, {@code [v6]:port}. */
final class Addresses {
    private Addresses() {
    }

    static String text(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
