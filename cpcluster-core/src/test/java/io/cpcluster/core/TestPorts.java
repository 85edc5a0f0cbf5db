package io.cpcluster.core;

import io.cpcluster.PortRange;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Port ranges for tests that cannot collide: each call hands out a block no other test in this
 * JVM gets, below the kernel's ephemeral range (32768 and up on Linux) so that no outgoing
 * connection takes one of its ports, and checked free on the given hosts. Shared with other
 * modules' tests through core's test jar.
 */
public final class TestPorts {
    private static final int FIRST = 21000;
    private static final int LAST = 32000;
    private static final AtomicInteger NEXT = new AtomicInteger(FIRST);

    private TestPorts() {
    }

    /** A range of {@code size} ports, free on 127.0.0.1. */
    public static PortRange range(int size) {
        return range(size, "127.0.0.1");
    }

    /** A range of {@code size} ports, free on every given host. */
    public static PortRange range(int size, String... hosts) {
        while (true) {
            int first = NEXT.getAndAdd(size);
            if (first + size - 1 > LAST) {
                throw new IllegalStateException("the tests used up the ports from " + FIRST + " to " + LAST);
            }
            if (free(first, size, hosts)) {
                return new PortRange(first, first + size - 1);
            }
        }
    }

    private static boolean free(int first, int size, String... hosts) {
        List<ServerSocket> bound = new ArrayList<>();
        try {
            for (String host : hosts) {
                for (int port = first; port < first + size; port++) {
                    ServerSocket socket = new ServerSocket();
                    bound.add(socket);
                    socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            for (ServerSocket socket : bound) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // best effort: the socket was only probing
                }
            }
        }
    }
}
