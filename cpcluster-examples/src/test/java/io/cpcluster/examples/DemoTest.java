package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.TestPorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The demo counts right, with TLS unless told otherwise. */
class DemoTest {
    /** The master's line: its address, link ports, and TLS with the start of its key's fingerprint. */
    private static final Pattern TLS_LINE = Pattern.compile("(?m)^master   127\\.0\\.0\\.1:\\d+, link ports \\d+-\\d+,"
            + " TLS 1\\.3 with pinned keys \\(master key sha256:[0-9a-f]{12}\\.\\.\\.\\)$");

    @Test
    void threeWorkersCountThePrimesOverTlsByDefaultAndTheDriverChecksTheSum() {
        String output = demo("--limit", "3000000", "--chunk", "100000", "--range", TestPorts.range(8).toString());
        assertTrue(TLS_LINE.matcher(output).find(), output);
        assertFalse(output.contains("plain TCP"), output);
    }

    @Test
    void theDemoRunsInPlainTcpWhenAskedFor() {
        String output = demo("--limit", "1000000", "--chunk", "100000", "--range", TestPorts.range(8).toString(),
                "--insecure");
        assertTrue(output.contains(", plain TCP (--insecure)"), output);
        assertFalse(output.contains("TLS"), output);
    }

    /** Runs the demo, checks that it says its count is right, and returns what it printed. */
    private static String demo(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        boolean right;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            right = DemoMain.run(args);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertTrue(right, output);
        return output;
    }
}
