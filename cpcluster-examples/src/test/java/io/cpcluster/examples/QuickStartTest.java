package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's API example runs, and the README shows it as it is. */
class QuickStartTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

    @Test
    void theExampleRunsAndPrintsWhatTheReaderExpects() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            QuickStart.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertTrue(output.contains("hello Ada over link "), output);
        assertTrue(output.contains("remote failure: no coffee"), output);
        assertTrue(output.contains("hello Grace"), output);
        assertTrue(output.contains("the master sees 2 nodes, 1 link port(s) in use"), output);
    }

    @Test
    void theReadmeQuotesTheExampleVerbatim() throws Exception {
        String source = Files.readString(ROOT.resolve(
                "cpcluster-examples/src/main/java/io/cpcluster/examples/QuickStart.java"));
        String body = source.substring(source.indexOf("// README:begin") + "// README:begin".length(),
                source.indexOf("        // README:end"));
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertEquals(normalize(body), normalize(between(readme, "<!-- quickstart:begin -->",
                "<!-- quickstart:end -->").replace("```java", "").replace("```", "")),
                "README.md's API example differs from QuickStart.java; copy it over");
    }

    private static String between(String text, String begin, String end) {
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        assertTrue(from >= 0 && to > from, "README.md lacks the " + begin + " ... " + end + " markers");
        return text.substring(from + begin.length(), to);
    }

    /** Compares code, not its indentation. */
    private static String normalize(String code) {
        return code.lines().map(String::strip).filter(line -> !line.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
