package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkClosed;
import io.cpcluster.LinkClosedException;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.RemoteTaskException;
import io.cpcluster.core.wire.Bytes;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.LinkFrame;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
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
        assertNoLogLineForged();
    }

    /**
     * A link peer that closes its link with a forged reason (a {@code CLOSE} frame), and a node
     * that tells the master it closed a link for a forged reason ({@code LINK_CLOSED}, which the
     * master passes on to the other end, which logs it): the reasons reach the other end's logs,
     * events and failed calls, and the master's events, escaped. The forged frames are written
     * into b's own connections, under its TLS, as a node running other code would send them.
     */
    @Test
    void reasonsForClosingALinkReachLogsEventsAndExceptionsEscaped() throws Exception {
        DeafTransport taps = new DeafTransport(address -> true);
        CountDownLatch never = new CountDownLatch(1);
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b", x -> x.transport(taps).handle("hang", Integer.class, n -> {
            never.await();
            return n;
        }));
        try {
            // CLOSE: b's end of a link says it closes, for a forged reason, while a waits for a call.
            DirectLink first = b.connect(a.self().id());
            Transport.Connection firstConnection = taps.dialed.getLast();
            DirectLink atA = TestCluster.await(() -> a.link(first.id()).orElse(null));
            CompletableFuture<Integer> call = atA.call("hang", 1, Integer.class);
            byte[] reason = FORGED.getBytes(StandardCharsets.UTF_8);
            byte[] header = LinkFrame.header(LinkFrame.CLOSE, 0, 0, Bytes.EMPTY);
            write(firstConnection, header, reason);
            LinkClosedException failed = assertInstanceOf(LinkClosedException.class,
                    assertThrows(CompletionException.class, call::join).getCause());
            assertEscaped(failed.getMessage());
            assertEscaped(closedEvent(() -> cluster.events(a, LinkClosed.class), first).reason());

            // LINK_CLOSED: b tells the master it closed another link, for a forged reason.
            DirectLink second = b.connect(a.self().id());
            TestCluster.await(() -> a.link(second.id()).orElse(null));
            Transport.Connection toMaster = taps.dialed.stream()
                    .filter(c -> c.remoteAddress().getPort() == cluster.master.address().getPort())
                    .findFirst().orElseThrow();
            write(toMaster, ControlCodec.encode(new Control.LinkDown(second.id().value(), FORGED)));
            assertEscaped(closedEvent(() -> cluster.events(a, LinkClosed.class), second).reason());
            assertEscaped(closedEvent(() -> cluster.masterEvents(LinkClosed.class), second).reason());
            await("a logs why the master closed the link").atMost(Duration.ofSeconds(10))
                    .until(() -> logs.lines().stream().anyMatch(l -> l.contains("the master closed link "
                            + second.id().value())));
        } finally {
            never.countDown();
        }
        assertNoLogLineForged();
    }

    /** Writes one frame (its length, then the parts) into a node's connection, in one write. */
    private static void write(Transport.Connection connection, byte[]... parts) throws IOException {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer frame = ByteBuffer.allocate(4 + length).putInt(length);
        for (byte[] part : parts) {
            frame.put(part);
        }
        OutputStream out = connection.output();
        out.write(frame.array());
        out.flush();
    }

    /** The event that says this link closed, once it comes. */
    private static LinkClosed closedEvent(Supplier<List<LinkClosed>> events, DirectLink link) {
        return TestCluster.await(() -> events.get().stream().filter(e -> e.link().id().equals(link.id())).findFirst()
                .orElse(null));
    }

    private void assertNoLogLineForged() {
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
            // A formatting character above U+FFFF (a language tag) is escaped whole, as its two
            // halves, unless the text was cut before it (a reason quoted behind a prefix, such as
            // "closed by b (...): ", keeps its first 200 characters).
            assertTrue(text.contains("\\udb40\\udc01") || text.contains("..."), text);
        }
    }
}
