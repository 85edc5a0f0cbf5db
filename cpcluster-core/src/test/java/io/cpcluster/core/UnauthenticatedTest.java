package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.MasterConfig;
import io.cpcluster.MasterStats;
import io.cpcluster.NodeId;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What anyone who can reach the master's port can do before proving anything: try wrong proofs
 * as fast as the master takes them, and open connections that never speak. Attackers connect
 * from other loopback addresses (127.0.0.2 and up), the honest nodes from 127.0.0.1.
 */
class UnauthenticatedTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<Socket> sockets = new ArrayList<>();
    private TestCluster cluster;

    @AfterEach
    void close() {
        sockets.forEach(UnauthenticatedTest::closeQuietly);
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * 5,000 wrong proofs from one address, sent by 16 threads that never wait for an answer. Each
     * is answered at once and its socket let go (no socket waits out a delay); only a handful of
     * them are checked at all, however fast they come; and a real node joins from another address
     * in the middle of it. (In the code before issue 9, the master slept before each answer while
     * holding the socket: thousands piled up in CLOSE_WAIT, and real nodes could not join.)
     */
    @Test
    void wrongProofsAreAnsweredAtOnceHoldNoSocketAndKeepNoRealNodeOut() throws Exception {
        cluster = new TestCluster();
        InetAddress attacker = InetAddress.getByName("127.0.0.2");
        int total = 5000;
        AtomicInteger tried = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService guessers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 16; t++) {
                guessers.submit(() -> {
                    while (tried.getAndIncrement() < total) {
                        guess(attacker);
                    }
                    return null;
                });
            }
            await("a thousand guesses are made").atMost(Duration.ofSeconds(60)).until(() -> tried.get() >= 1000);
            // The issue asks for "within a second". Three seconds leave room for a loaded 2-core
            // machine (a TLS handshake and a key pair on each side, 16 guessers competing for the
            // cores), and stay below the 5 s handshake deadline that real nodes missed before.
            CompletableFuture<ClusterNode> joining = CompletableFuture.supplyAsync(() -> cluster.node("honest"),
                    guessers);
            await("the honest node joins").atMost(Duration.ofSeconds(3)).until(joining::isDone);
            ClusterNode honest = joining.join();
            assertEquals(List.of(honest.self().id()), cluster.master.nodes().stream().map(n -> n.id()).toList());
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;

        await("every guesser's socket is let go").atMost(WAIT)
                .until(() -> cluster.master.stats().connections() == 1);
        MasterStats stats = cluster.master.stats();
        assertEquals(0, stats.unauthenticated());
        // The first burst from an address the master has no wrong proof from yet may all be
        // checked (at most as many as may be authenticating from one address at once, 64); then
        // one at a time, after pauses of 100, 200, 400 ... ms, then one per 5 s.
        assertTrue(stats.authFailures() <= MasterConfig.DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS + 8 + seconds / 5,
                stats.authFailures() + " proofs were checked in " + seconds + " s");
        assertTrue(stats.authFailures() + stats.authThrottled() >= total / 2, "most guesses were answered: " + stats);
        assertEquals(1, cluster.master.nodes().size());
    }

    /** Connects from an address, reads HELLO, sends a wrong proof and hangs up without waiting. */
    private void guess(InetAddress from) {
        try (RawClient raw = new RawClient(cluster.master.address(), from)) {
            raw.read(Control.Hello.class);
            raw.send(new Control.Auth(Control.VERSION, NodeId.random().value(), "guesser",
                    Secrets.base64(Secrets.randomBytes(32)), List.of(), null, List.of()));
        } catch (IOException e) {
            // Refused as the connection was accepted, or reset: both are answers too.
        }
    }

    /**
     * Connections that never say a word: one address gets at most its own cap, many addresses
     * together at most the master's, and each one past a cap is closed as soon as it is accepted.
     * A node from an address with room joins meanwhile; once the silent ones are gone, anyone does.
     */
    @Test
    void silentConnectionsAreCappedInAllAndPerAddress() throws Exception {
        cluster = new TestCluster(TestPorts.range(4), b -> b.maxUnauthenticated(40).maxUnauthenticatedPerAddress(10)
                .authTimeout(Duration.ofSeconds(30)));
        InetSocketAddress master = cluster.master.address();

        List<Socket> fromOne = open(master, "127.0.0.2", 25);
        await("one address gets 10").atMost(WAIT).until(() -> cluster.master.stats().unauthenticated() == 10);
        assertEquals(15, closedByTheMaster(fromOne), "the 15 past the address's cap are closed at once");

        ClusterNode first = cluster.node("first");
        for (int i = 3; i <= 8; i++) {
            open(master, "127.0.0." + i, 10);
        }
        await("all addresses together get 40").atMost(WAIT)
                .until(() -> cluster.master.stats().unauthenticated() == 40);
        MasterStats stats = cluster.master.stats();
        assertEquals(15 + 30, stats.connectionsRefused(), "15 from the first address, then 30 past the master's cap");
        assertEquals(List.of(first.self().id()), cluster.master.nodes().stream().map(n -> n.id()).toList());

        sockets.forEach(UnauthenticatedTest::closeQuietly);
        await("the silent connections are let go").atMost(WAIT)
                .until(() -> cluster.master.stats().unauthenticated() == 0);
        ClusterNode second = cluster.node("second");
        assertEquals(2, cluster.master.nodes().size());
        assertTrue(second.nodes().stream().anyMatch(n -> n.id().equals(first.self().id())));
    }

    /** Opens silent connections from a local address; they are closed after the test. */
    private List<Socket> open(InetSocketAddress to, String from, int count) throws IOException {
        List<Socket> opened = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket(to.getAddress(), to.getPort(), InetAddress.getByName(from), 0);
            sockets.add(socket);
            opened.add(socket);
        }
        return opened;
    }

    /**
     * How many of these sockets the master closed. A socket it kept gets a HELLO and then
     * silence; one it refused ends before a byte.
     */
    private static int closedByTheMaster(List<Socket> opened) throws IOException {
        int closed = 0;
        for (Socket socket : opened) {
            socket.setSoTimeout(2000);
            InputStream in = socket.getInputStream();
            try {
                if (in.read() < 0) {
                    closed++;
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the master neither greeted nor closed a connection within 2 s");
            } catch (IOException e) {
                closed++;
            }
        }
        return closed;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
