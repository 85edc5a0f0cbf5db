package io.cpcluster.examples;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.JoinInfo;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeInfo;
import io.cpcluster.PortRange;
import io.cpcluster.PortsExhaustedException;
import io.cpcluster.Security;
import io.cpcluster.core.TestPorts;
import io.cpcluster.spi.PortAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client of docs/PROTOCOL.md §16 (docs/examples/cpcluster_client.py), written from the
 * document alone, joins a Java master, opens a direct link to a Java node and calls its task, over
 * TLS with pinned keys and over plain TCP, and refuses a master or a link peer whose key is not
 * the pinned one. Skipped when python3 or its cryptography package is
 * missing, except on CI (the environment variable CI is "true"), where that is a failure.
 */
class PythonClientTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize()
            .getParent();
    private static final Path SCRIPT = ROOT.resolve("docs/examples/cpcluster_client.py");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The interpreters tried, in order: the one on the PATH, then Debian's (apt-get install python3-cryptography). */
    private static final List<String> PYTHONS = List.of("python3", "/usr/bin/python3");
    /** The first interpreter that can run the client; null when none can. */
    private static String python;
    /** Why none can, or null. */
    private static String skipped;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPython() throws InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String candidate : PYTHONS) {
            String why = cannotRun(candidate);
            if (why == null) {
                python = candidate;
                return;
            }
            missing.add(candidate + ": " + why);
        }
        if ("true".equals(System.getenv("CI"))) {
            fail("PythonClientTest needs python3 with the cryptography package on CI: " + String.join("; ", missing));
        }
        skipped = "PythonClientTest skipped: no python3 with TLS 1.3 and the cryptography package ("
                + String.join("; ", missing) + "); with CI=true this fails";
        System.err.println(skipped);
    }

    /** Every test that runs the client calls this first. */
    private static void needsPython() {
        Assumptions.assumeTrue(skipped == null, () -> skipped);
    }

    /** Why this interpreter cannot run the client, or null when it can. */
    private static String cannotRun(String interpreter) throws InterruptedException {
        try {
            Process probe = new ProcessBuilder(interpreter, "-c",
                    "import ssl, cryptography; assert ssl.HAS_TLSv1_3, 'no TLS 1.3 in its ssl module'")
                    .redirectErrorStream(true).start();
            if (!probe.waitFor(30, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return "did not answer within 30 s";
            }
            String said = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return probe.exitValue() == 0 ? null
                    : said.isEmpty() ? "exit " + probe.exitValue() : said.lines().reduce((a, b) -> b).orElse(said);
        } catch (IOException e) {
            return "not found";
        }
    }

    @Test
    void aPythonClientJoinsOverTlsLinksToAJavaNodeAndCallsItsTask() throws Exception {
        needsPython();
        Path join = dir.resolve("join.json");
        try (ClusterMaster master = ClusterMaster.start(master(join).build());
             ClusterNode worker = ClusterNode.start(PrimeJob.serve(NodeConfig.builder(), "worker").joinFile(join)
                     .build())) {
            String output = runClient(0, join.toString(), "--input", "{\"from\":0,\"to\":1000000}");
            String fingerprint = master.joinInfo().fingerprint().orElseThrow();
            assertTrue(output.contains("proved the key join.json pins, " + fingerprint), output);
            assertTrue(output.contains("proved the key the master vouched for, " + worker.self().fingerprint()
                    .orElseThrow()), output);
            assertTrue(last(output).matches("primes\\.count \\{\"from\":0,\"to\":1000000} = \\{.*\"primes\":78498.*}")
                    && last(output).contains("\"node\":\"worker\""), output);
            // It said BYE, and closed its link: the master holds nothing for it.
            await().atMost(WAIT).until(() -> master.nodes().stream().map(NodeInfo::name).toList()
                    .equals(List.of("worker")) && master.links().isEmpty());
            assertEquals(1, master.stats().linksBrokered());
        }
    }

    @Test
    void aPythonClientJoinsAPlainMasterWithoutTls() throws Exception {
        needsPython();
        Path join = dir.resolve("join.json");
        try (ClusterMaster master = ClusterMaster.start(master(join).security(Security.PLAIN).build());
             ClusterNode worker = ClusterNode.start(PrimeJob.serve(NodeConfig.builder(), "worker").joinFile(join)
                     .security(Security.PLAIN).build())) {
            assertTrue(master.joinInfo().fingerprint().isEmpty());
            String output = runClient(0, join.toString(), "--input", "{\"from\":0,\"to\":100}");
            assertTrue(output.contains("key none: plain TCP"), output);
            assertTrue(last(output).contains("\"primes\":25"), output);
            await().atMost(WAIT).until(() -> master.nodes().stream().map(NodeInfo::name).toList()
                    .equals(List.of("worker")) && master.links().isEmpty());
            assertTrue(worker.self().fingerprint().isEmpty(), "a plain node has no key");
        }
    }

    @Test
    void aPythonClientRefusesAMasterWhoseKeyIsNotTheOneJoinJsonPins() throws Exception {
        needsPython();
        Path join = dir.resolve("join.json");
        try (ClusterMaster master = ClusterMaster.start(master(join).build())) {
            JoinInfo real = master.joinInfo();
            Path impostor = dir.resolve("other.json");
            Files.writeString(impostor, "{\"token\":\"" + real.token() + "\",\"ip\":\"" + real.ip() + "\",\"port\":"
                    + real.port() + ",\"fingerprint\":\"sha256:" + "0".repeat(64) + "\"}");
            String output = runClient(1, impostor.toString(), "--timeout", "10");
            String key = real.fingerprint().orElseThrow();
            assertTrue(output.contains("is not the one join.json names: its key is " + key), output);
            assertTrue(output.contains("nothing was sent to it"), output);
            // Nothing was sent: no proof reached the master, right or wrong.
            assertEquals(0, master.stats().nodesAuthenticated() + master.stats().authFailures());
        }
    }

    @Test
    void aPythonClientRefusesALinkPeerWhoseKeyIsNotTheOneTheMasterVouchedForAndThePortGoesBack()
            throws Exception {
        needsPython();
        Path join = dir.resolve("join.json");
        PortRange range = TestPorts.range(2);
        try (ImpostorServer impostor = new ImpostorServer(dir);
             ClusterMaster master = ClusterMaster.start(master(join).portRange(range)
                     .portAllocator(new DialingElsewhere(range, impostor.port())).build());
             ClusterNode worker = ClusterNode.start(PrimeJob.serve(NodeConfig.builder(), "worker").joinFile(join)
                     .build())) {
            String vouched = worker.self().fingerprint().orElseThrow();
            String output = runClient(1, join.toString(), "--timeout", "20");
            assertTrue(output.contains("cpcluster_client: the node at 127.0.0.1:" + impostor.port() + " is not worker:"
                    + " its key is " + impostor.fingerprint() + ", the master vouched for " + vouched
                    + "; nothing was sent"), output);
            await().atMost(WAIT).until(() -> impostor.ended.get() == impostor.accepted.get());
            assertEquals(1, impostor.accepted.get(), "the client met the impostor once");
            assertEquals(0, impostor.received.get(), "the impostor was sent no byte through TLS: no LINK_AUTH");
            // The client told the master, which gave the port back and kept no link.
            await().atMost(WAIT).until(() -> master.links().isEmpty() && master.stats().portsInUseCount() == 0
                    && master.nodes().stream().map(NodeInfo::name).toList().equals(List.of("worker")));
        }
    }

    /** Hands out the range's ports as usual, but tells initiators to dial another port. */
    private static final class DialingElsewhere implements PortAllocator {
        private final PortRange range;
        private final int elsewhere;
        private final SortedSet<Integer> used = new ConcurrentSkipListSet<>();

        DialingElsewhere(PortRange range, int elsewhere) {
            this.range = range;
            this.elsewhere = elsewhere;
        }

        @Override
        public int allocate(String host) {
            for (int port = range.first(); port <= range.last(); port++) {
                if (used.add(port)) {
                    return port;
                }
            }
            throw new PortsExhaustedException("every port of " + range + " is in use");
        }

        @Override
        public boolean reserve(String host, int port) {
            return range.contains(port) && used.add(port);
        }

        @Override
        public void release(String host, int port) {
            used.remove(port);
        }

        @Override
        public int dialPort(String host, int bindPort) {
            return elsewhere;
        }

        @Override
        public SortedSet<Integer> inUse(String host) {
            return Collections.unmodifiableSortedSet(new TreeSet<>(used));
        }
    }

    /**
     * A TLS 1.3 server on loopback with a key pair of its own, made by the JDK's keytool: it
     * completes the handshake on every connection, as an acceptor would, and counts the bytes it is
     * then sent.
     */
    private static final class ImpostorServer implements AutoCloseable {
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger ended = new AtomicInteger();
        final AtomicLong received = new AtomicLong();
        private final SSLServerSocket server;
        private final String fingerprint;

        ImpostorServer(Path dir) throws Exception {
            Path store = dir.resolve("impostor.p12");
            char[] password = "impostor".toCharArray();
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "impostor", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                    "CN=impostor", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", "impostor", "-keypass", "impostor").redirectErrorStream(true).start();
            String said = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(keytool.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) && keytool.exitValue() == 0, said);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password);
            }
            byte[] publicKey = keys.getCertificate("impostor").getPublicKey().getEncoded();
            fingerprint = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(publicKey));
            KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            managers.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(managers.getKeyManagers(), null, null);
            server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                    InetAddress.getLoopbackAddress());
            server.setEnabledProtocols(new String[] {"TLSv1.3"});
            Thread.ofVirtual().name("impostor-accept").start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        String fingerprint() {
            return fingerprint;
        }

        private void accept() {
            try {
                while (true) {
                    Socket socket = server.accept();
                    accepted.incrementAndGet();
                    Thread.ofVirtual().name("impostor").start(() -> serve(socket));
                }
            } catch (IOException e) {
                // closed
            }
        }

        private void serve(Socket socket) {
            // Counted as they come, so that bytes read before a reset are not lost with it.
            OutputStream counting = new OutputStream() {
                @Override
                public void write(int b) {
                    received.incrementAndGet();
                }

                @Override
                public void write(byte[] bytes, int offset, int length) {
                    received.addAndGet(length);
                }
            };
            try (socket) {
                socket.setSoTimeout((int) WAIT.toMillis());
                ((SSLSocket) socket).startHandshake();
                socket.getInputStream().transferTo(counting);
            } catch (IOException e) {
                // the client went away, as it should
            } finally {
                ended.incrementAndGet();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** Needs no python3: it only reads the two files. */
    @Test
    void protocolMdQuotesTheScriptAsItIs() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/PROTOCOL.md"));
        int from = doc.indexOf("<!-- python-client:begin -->");
        int to = doc.indexOf("<!-- python-client:end -->");
        assertTrue(from >= 0 && to > from, "docs/PROTOCOL.md lacks the python-client:begin ... end markers");
        String script = normalize(Files.readString(SCRIPT));
        String excerpts = doc.substring(from, to);
        int blocks = 0;
        for (int at = excerpts.indexOf("```python\n"); at >= 0; at = excerpts.indexOf("```python\n", at)) {
            int end = excerpts.indexOf("```", at + 10);
            String block = normalize(excerpts.substring(at + 10, end));
            assertTrue(script.contains(block), "docs/PROTOCOL.md §16 quotes lines that are not in "
                    + SCRIPT.getFileName() + " as they are; copy them over:\n" + block);
            blocks++;
            at = end + 3;
        }
        assertTrue(blocks >= 5, "only " + blocks + " excerpts found");
    }

    /** Compares code, not its indentation: each line stripped, blank lines dropped. */
    private static String normalize(String code) {
        return code.lines().map(String::strip).filter(line -> !line.isEmpty())
                .collect(Collectors.joining("\n", "\n", "\n"));
    }

    private static MasterConfig.Builder master(Path join) {
        return MasterConfig.builder().host("127.0.0.1").port(0).portRange(TestPorts.range(4)).joinFile(join);
    }

    /** Runs the client with a deadline; returns what it wrote (stdout and stderr), checking its exit status. */
    private String runClient(int expectedExit, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "client", ".log");
        Process client = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!client.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            client.destroyForcibly().waitFor();
            fail("the Python client did not finish within " + WAIT.toSeconds() + " s:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(expectedExit, client.exitValue(), output);
        return output;
    }

    private static String last(String output) {
        return output.strip().lines().reduce((a, b) -> b).orElse("");
    }
}
