package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.JoinInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.PortRange;
import io.cpcluster.core.defaults.JoinFiles;
import io.cpcluster.core.defaults.MemoryTokenStore;
import io.cpcluster.core.node.JoinSettings;
import io.cpcluster.spi.TokenStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, item 7, for tokens that come in files: "a 16-character {@code aaaaaaaaaaaaaaaa} token
 * is accepted from a file". Weak tokens are now refused wherever they come from, and strong ones
 * go through. Masters and nodes run on loopback; the files are real.
 */
class JoinFileTrustTest {
    /** 128 random bits as 32 hex digits, as {@code openssl rand -hex 16} prints: the shortest hex token accepted. */
    private static final String HEX_128 = "d89a086fb732c2c9682848f8f45f8d44";

    private final Closing closing = new Closing();
    /** No test here opens a link: the masters share one range. */
    private final PortRange range = TestPorts.range(2);

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        closing.closeAll();
    }

    @Test
    void weakTokensAreRefusedWhereverTheyComeFrom() throws Exception {
        IllegalArgumentException configured = assertThrows(IllegalArgumentException.class,
                () -> MasterConfig.builder().token("aaaaaaaaaaaaaaaa"));
        assertTrue(configured.getMessage().contains("about 64 bits, and a token needs 128 or more"),
                configured.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MemoryTokenStore().add("0123456789abcdef"));

        Path file = dir.resolve("join.json");
        JoinFiles.write(file, new JoinInfo("a".repeat(40), "127.0.0.1", 55000));
        String adopted = refused(() -> ClusterMaster.start(master(file)));
        assertTrue(adopted.startsWith("the master will not adopt the token in join file " + file + ": the token is too"
                + " predictable: it uses only 1 different characters"), adopted);
        assertFalse(adopted.contains("a".repeat(40)), adopted);
        assertEquals("a".repeat(40), JoinFiles.read(file).token(), "the file is left as it was");

        JoinFiles.write(file, new JoinInfo("9f86d081884c7d659a2f", "127.0.0.1", 55000));
        String read = refused(() -> ClusterNode.start(node(file)));
        assertTrue(read.startsWith("the token in join file " + file + " will not do: the token is too weak: its 20"
                + " characters, from an alphabet of 16 (hex digits), carry at most about 80 bits"), read);
        assertTrue(read.contains("give it the join.json the master wrote"), read);
        assertFalse(read.contains("9f86d081884c7d659a2f"), read);

        String environment = refused(() -> JoinSettings.resolve(NodeConfig.builder().name("n")
                .master("127.0.0.1", 55000).build(), Map.of("CPCLUSTER_TOKEN", "aaaaaaaaaaaaaaaa")));
        assertTrue(environment.startsWith("the token in the CPCLUSTER_TOKEN environment variable will not do: the"
                + " token is too weak"), environment);
    }

    @Test
    void strongTokensAreAcceptedAndMintedOnesAlwaysPass() throws Exception {
        Path file = dir.resolve("join.json");
        ClusterMaster master = closing.later(ClusterMaster.start(MasterConfig.builder().port(0)
                .portRange(range).token(HEX_128).joinFile(file).build()));
        assertEquals(HEX_128, JoinFiles.read(file).token());
        ClusterNode node = closing.later(ClusterNode.start(node(file)));
        assertEquals(List.of(node.self()), master.nodes());

        MemoryTokenStore store = new MemoryTokenStore();
        for (int i = 0; i < 2_000; i++) {
            String minted = store.issue();
            assertEquals(minted, TokenStore.requireStrong(minted));
        }
    }

    private MasterConfig master(Path joinFile) {
        return MasterConfig.builder().port(0).portRange(range).joinFile(joinFile).build();
    }

    private static NodeConfig node(Path joinFile) {
        return NodeConfig.builder().name("n").joinFile(joinFile).build();
    }

    /** Runs what must fail with a {@link ClusterException}, and returns its message. */
    private static String refused(Supplier<?> start) {
        return assertThrows(ClusterException.class, start::get).getMessage();
    }

}
