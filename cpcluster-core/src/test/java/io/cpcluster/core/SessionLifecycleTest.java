package io.cpcluster.core;

import static org.awaitility.Awaitility.await;

import io.cpcluster.ClusterMaster;
import io.cpcluster.MasterConfig;
import io.cpcluster.core.tcp.TcpTransport;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A master session closed while its transport's handshake still runs (by the auth deadline, or
 * the master closing) leaves no writer thread behind, and ends at once.
 *
 * <p>The transport here finishes its handshake just as the auth deadline closes the
 * connection, which makes the interleaving certain.
 */
@Timeout(60)
class SessionLifecycleTest {
    /** TCP whose accepted connections' handshake ends only when the connection is closed. */
    private static final class LateHandshake implements Transport {
        private final TcpTransport tcp = new TcpTransport();

        @Override
        public String name() {
            return "late-handshake";
        }

        @Override
        public Listener listen(InetSocketAddress address) throws IOException {
            Listener inner = tcp.listen(address);
            return new Listener() {
                @Override
                public InetSocketAddress localAddress() {
                    return inner.localAddress();
                }

                @Override
                public Connection accept() throws IOException {
                    return new Late(inner.accept());
                }

                @Override
                public void close() throws IOException {
                    inner.close();
                }
            };
        }

        @Override
        public Connection connect(InetSocketAddress address, Duration timeout) throws IOException {
            return tcp.connect(address, timeout);
        }
    }

    private static final class Late extends ForwardingConnection {
        private final CountDownLatch closed = new CountDownLatch(1);

        Late(Transport.Connection inner) {
            super(inner);
        }

        @Override
        public void handshake(Duration timeout) throws IOException {
            try {
                closed.await(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws IOException {
            closed.countDown();
            super.close();
        }
    }

    @Test
    void aSessionClosedBeforeItsOutboxExistedLeavesNoWriterThread() throws Exception {
        ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(2))
                .transport(new LateHandshake()).authTimeout(Duration.ofMillis(300)).build());
        try (Socket client = new Socket()) {
            client.connect(master.address());
            // The auth deadline fires, closes the connection, and the handshake then returns.
            await("the session has ended").atMost(Duration.ofSeconds(15))
                    .until(() -> master.stats().connections(), Matchers.equalTo(0));
            await("no master writer thread is left").atMost(Duration.ofSeconds(5))
                    .until(SessionLifecycleTest::writers, Matchers.empty());
        } finally {
            master.close();
        }
    }

    private static Set<String> writers() {
        return TestThreads.cpcluster().stream().filter(name -> name.startsWith("cpcluster-master-writer-"))
                .collect(Collectors.toSet());
    }
}
