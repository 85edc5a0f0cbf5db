package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.MasterLost;
import io.cpcluster.MasterUnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An established link does not depend on the master. */
class MasterLossTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void linksKeepWorkingWhenTheMasterGoesAway() {
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b", builder -> builder.handle("echo", String.class, s -> s));
        DirectLink link = a.connect(b.self().id());

        cluster.master.close();

        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.events(a, MasterLost.class).size() == 1
                && cluster.events(b, MasterLost.class).size() == 1);
        assertEquals("still linked", link.call("echo", "still linked", String.class).join());
        MasterUnavailableException noMaster = assertThrows(MasterUnavailableException.class,
                () -> a.connect(b.self().id()));
        assertTrue(noMaster.getMessage().contains("open links keep working"), noMaster.getMessage());
        assertEquals("and still", a.submit("echo", "and still", String.class).join());
    }

    @Test
    void aNodeWithNoMasterToReachSaysSo() {
        int port = cluster.master.address().getPort();
        String token = cluster.master.joinInfo().token();
        cluster.master.close();
        MasterUnavailableException failure = assertThrows(MasterUnavailableException.class,
                () -> ClusterNode.start(io.cpcluster.NodeConfig.builder().name("late").master("127.0.0.1", port)
                        .token(token).masterKey(cluster.master.joinInfo().fingerprint().orElseThrow()).build()));
        assertTrue(failure.getMessage().contains("could not reach the master (127.0.0.1:" + port), failure.getMessage());
        assertTrue(failure.getMessage().contains("is it running"), failure.getMessage());
    }
}
