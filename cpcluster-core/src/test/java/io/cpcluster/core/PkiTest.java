package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.AuthenticationException;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.KeyFiles;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.core.tls.Keys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster whose keys a certificate authority issued: nodes trust the CA instead of pinning the
 * master's key, the master takes only nodes whose certificates the CA issued, and links still pin
 * the keys the master vouched for.
 */
class PkiTest {
    private final Closing closing = new Closing();
    private final TestPki ca = new TestPki("cpcluster test CA");
    @TempDir
    Path dir;
    private Path authorities;
    private ClusterMaster master;

    @BeforeEach
    void start() throws Exception {
        authorities = ca.writeCertificate(dir.resolve("ca.pem"));
        KeyFiles masterKeys = TestPki.write(ca.issue("master", "127.0.0.1"), dir.resolve("master.pem"));
        master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0).portRange(TestPorts.range(4))
                .keyFiles(masterKeys).trustedCertificates(authorities).build()));
    }

    @AfterEach
    void close() throws Exception {
        closing.closeAll();
    }

    /** A node with a key the CA issued, trusting the CA, and given no fingerprint of the master's key. */
    private NodeConfig.Builder node(String name) throws Exception {
        return node(name, master);
    }

    /** The same, joining another master. */
    private NodeConfig.Builder node(String name, ClusterMaster joining) throws Exception {
        KeyFiles keys = TestPki.write(ca.issue(name), dir.resolve(name + ".pem"));
        return NodeConfig.builder().name(name).master("127.0.0.1", joining.address().getPort())
                .token(joining.joinInfo().token()).keyFiles(keys).trustedCertificates(authorities);
    }

    @Test
    void nodesThatTrustTheAuthorityJoinWithoutAPinAndLinkWithTheirIssuedKeys() throws Exception {
        ClusterNode a = closing.later(ClusterNode.start(node("a").build()));
        ClusterNode b = closing.later(ClusterNode.start(node("b").handle("echo", String.class, s -> s).build()));
        try (DirectLink link = a.connect(b.self().id())) {
            assertEquals("issued", link.call("echo", "issued", String.class).join());
        }
        Keys.Pair bKeys = Keys.read(java.nio.file.Files.readString(dir.resolve("b.pem")),
                java.nio.file.Files.readString(dir.resolve("b.pem")), "b.pem");
        assertEquals(Optional.of(bKeys.fingerprint()), b.self().fingerprint(), "the master vouches for b's issued key");
    }

    @Test
    void aNodeWhoseKeyTheAuthorityDidNotIssueIsRefusedByTheMaster() throws Exception {
        KeyFiles own = TestPki.write(Keys.generate("self-signed"), dir.resolve("own.pem"));
        AuthenticationException refused = assertThrows(AuthenticationException.class,
                () -> ClusterNode.start(node("stranger").keyFiles(own).build()));
        assertTrue(refused.getMessage().contains("refused this node: the master trusts certificates its authorities"
                + " (MasterConfig.trustedCertificates) issued, and this node's was not"), refused.getMessage());
        assertEquals(0, master.nodes().size());
    }

    @Test
    void aMasterWhoseCertificateNamesAnotherHostIsRefusedByTheNode() throws Exception {
        KeyFiles elsewhere = TestPki.write(ca.issue("master elsewhere", "192.0.2.1"), dir.resolve("elsewhere.pem"));
        ClusterMaster impostor = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(2)).token(master.joinInfo().token()).keyFiles(elsewhere)
                .trustedCertificates(authorities).build()));
        AuthenticationException refused = assertThrows(AuthenticationException.class,
                () -> ClusterNode.start(node("careful", impostor).connectTimeout(Duration.ofSeconds(30)).build()));
        assertTrue(refused.getMessage().contains("name the host dialed"), refused.getMessage());
        assertEquals(0, impostor.nodes().size());
    }

    @Test
    void aPinStillHoldsWhenTheNodeHasOne() throws Exception {
        KeyFiles other = TestPki.write(ca.issue("another master", "127.0.0.1"), dir.resolve("other.pem"));
        ClusterMaster second = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(TestPorts.range(2)).token(master.joinInfo().token()).keyFiles(other)
                .trustedCertificates(authorities).build()));
        // The CA issued the second master's key too, but the node pins the first one's.
        AuthenticationException refused = assertThrows(AuthenticationException.class,
                () -> ClusterNode.start(node("pinned", second)
                        .masterKey(master.joinInfo().fingerprint().orElseThrow()).build()));
        assertTrue(refused.getMessage().contains("is not the one join.json names"), refused.getMessage());
    }
}
