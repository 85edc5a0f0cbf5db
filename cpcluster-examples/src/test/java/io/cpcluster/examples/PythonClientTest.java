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
import io.cpcluster.Security;
import io.cpcluster.core.TestPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client of docs/PROTOCOL.md §16 (docs/examples/cpcluster_client.py), written from the
 * document alone, joins a Java master, opens a direct link to a Java node and calls its task, over
 * TLS with pinned keys and over plain TCP. Skipped when python3 or its cryptography package is
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
