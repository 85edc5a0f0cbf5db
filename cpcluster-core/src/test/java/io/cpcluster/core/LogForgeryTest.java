package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.RemoteTaskException;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.Secrets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Text a peer chooses (a reason it gives for leaving, its handler's error message) reaches our
 * logs, events and exceptions with every character that could forge a log line or drive a
 * terminal written as a visible escape. (In the code before issue 9, a BYE's reason printed a
 * whole fake INFO line, and ANSI escapes, into the master's log.)
 */
class LogForgeryTest {
    private static final String FAKE_LINE = "INFO: node trusted joined";
    private static final String FORGED = "leaving\nNov 30, 2026 3:00:00 AM io.cpcluster.core.master.Master start\n"
            + FAKE_LINE + "\u001b[2J\u009b31m\u202egnp.exe\u2028\udb40\udc01\udb40\udc41";
    private final LogCapture logs = new LogCapture();
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
        logs.close();
    }

    @Test
    void textFromPeersReachesLogsEventsAndExceptionsEscaped() throws Exception {
        ClusterNode a = cluster.node("a", b -> b.handle("fail", Integer.class, x -> {
            throw new IllegalStateException(FORGED);
        }));
        ClusterNode b = cluster.node("b");

        // A node that leaves with a forged reason.
        String token = cluster.master.joinInfo().token();
        try (RawClient raw = new RawClient(cluster.master.address())) {
            Control.Hello hello = raw.read(Control.Hello.class);
            raw.send(new Control.Auth(Control.VERSION, "forger", "forger", raw.proof(token, hello), List.of(), null,
                    List.of()));
            raw.read(Control.AuthOk.class);
            // Heard of first: a node that joins and leaves within one membership interval may
            // never be announced, and then its leaving is no news either.
            TestCluster.await(() -> cluster.events(a, NodeJoined.class).stream()
                    .filter(joined -> joined.node().name().equals("forger")).findFirst().orElse(null));
            raw.send(new Control.Bye(FORGED));
            raw.awaitClosed();
        }
        NodeLeft left = TestCluster.await(() -> cluster.events(a, NodeLeft.class).stream().findFirst().orElse(null));
        assertEscaped(left.reason());

        // A handler whose error message is forged.
        CompletionException failed = assertThrows(CompletionException.class,
                () -> b.connect(a.self().id()).call("fail", 1, Integer.class).join());
        RemoteTaskException remote = assertInstanceOf(RemoteTaskException.class, failed.getCause());
        assertEscaped(remote.getMessage());

        await().atMost(Duration.ofSeconds(10)).until(() -> logs.lines().stream().anyMatch(l -> l.contains("forger")));
        for (String record : logs.lines()) {
            for (String line : record.split("\n")) {
                assertFalse(line.startsWith(FAKE_LINE) || line.startsWith("Nov 30, 2026 3:00:00 AM"),
                        "a log line was forged: " + record);
            }
            assertEscaped(record.replace("\n", "").replace("\r", "").replace("\t", ""));
        }
    }

    /** No character that could change how the text reads when printed is left as it is. */
    private static void assertEscaped(String text) {
        text.codePoints().forEach(c -> {
            int type = Character.getType(c);
            assertFalse(Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR,
                    "character " + Integer.toHexString(c) + " is in: " + text);
        });
        if (text.contains("leaving")) {
            assertTrue(text.contains("\\u000a") && text.contains("\\u001b"), text);
            // A formatting character above U+FFFF (a language tag) is escaped whole, as its two halves.
            assertTrue(text.contains("\\udb40\\udc01"), text);
        }
    }
}
