package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.JvmProcess;
import io.cpcluster.core.TestPorts;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library works on the module path too: the demo runs as module io.cpcluster.examples,
 * which requires only io.cpcluster; the implementation module is found through ServiceLoader.
 */
class ModulePathIT {
    private static final Path TARGET = Path.of(System.getProperty("basedir", "."), "target").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void theDemoRunsOnTheModulePath() throws Exception {
        String modulePath = TARGET.resolve("cpcluster-examples.jar") + File.pathSeparator + TARGET.resolve("lib");
        try (JvmProcess demo = JvmProcess.java(dir, Map.of(), List.of("--module-path", modulePath,
                "-m", "io.cpcluster.examples/io.cpcluster.examples.Main", "demo",
                "--limit", "1000000", "--chunk", "100000", "--range", TestPorts.range(8).toString()))) {
            assertEquals(0, demo.awaitExit(Duration.ofSeconds(60)), demo.output());
            assertTrue(demo.output().contains("78,498 primes below 1,000,000: matches the local count"), demo.output());
        }
    }
}
