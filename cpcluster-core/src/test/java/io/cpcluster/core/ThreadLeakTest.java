package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.ReaderThreads;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing a master and its nodes leaves no thread of CPCluster's behind, virtual ones included. */
class ThreadLeakTest {
    private static final Pattern NAME = Pattern.compile("\"name\": \"(cpcluster-[^\"]*)\"");

    @TempDir
    Path dir;

    private int dumps;

    @Test
    void closingEverythingEndsEveryThread() throws Exception {
        Set<String> before = threads();
        try (TestCluster cluster = new TestCluster()) {
            ClusterNode a = cluster.node("a", b -> b.linkReaders(ReaderThreads.PLATFORM));
            ClusterNode b = cluster.node("b", builder -> builder.handle("echo", String.class, s -> s));
            ClusterNode c = cluster.node("c", builder -> builder.handle("echo", String.class, s -> s));
            DirectLink link = a.connect(b.self().id());
            assertEquals("x", link.call("echo", "x", String.class).join());
            link.send(new byte[] {1});
            assertEquals("y", a.submit("echo", "y", String.class).join());
            assertEquals("z", c.connect(b.self().id()).call("echo", "z", String.class).join());
            assertFalse(threads().isEmpty());
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            Set<String> left = threads();
            left.removeAll(before);
            return left.isEmpty();
        });
    }

    /** The names of CPCluster's live threads, platform and virtual, from a JVM thread dump. */
    private Set<String> threads() throws IOException {
        Path file = dir.resolve("threads-" + dumps++ + ".json");
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
        Set<String> names = new TreeSet<>();
        Matcher matcher = NAME.matcher(Files.readString(file));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
