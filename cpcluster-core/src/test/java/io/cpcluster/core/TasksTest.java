package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.RemoteTaskException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TasksTest {
    /** A record input and result, bound with JSON-B. */
    public record Range(long from, long to) {
    }

    /** The result of "sum". */
    public record Sum(Range range, long total) {
    }

    private final TestCluster cluster = new TestCluster();
    private ClusterNode caller;
    private ClusterNode server;
    private DirectLink link;

    @BeforeEach
    void link() {
        caller = cluster.node("caller");
        server = cluster.node("server", b -> b
                .handle("sum", Range.class, r -> new Sum(r, (r.from() + r.to()) * (r.to() - r.from() + 1) / 2))
                .handle("reverse", byte[].class, TasksTest::reversed)
                .handle("fail", String.class, message -> {
                    throw new IllegalStateException(message);
                })
                .handle("nothing", String.class, s -> null)
                .handle("later", Integer.class, x -> CompletableFuture.supplyAsync(() -> x * 2))
                .handle("later-fail", Integer.class, x -> CompletableFuture.failedFuture(
                        new ArithmeticException("no " + x))));
        link = caller.connect(server.self().id());
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void recordsGoAsJsonAndBytesGoRaw() {
        assertEquals(new Sum(new Range(1, 100), 5050), link.call("sum", new Range(1, 100), Sum.class).join());
        assertArrayEquals(new byte[] {3, 2, 1}, link.call("reverse", new byte[] {1, 2, 3}, byte[].class).join());
        assertArrayEquals(new byte[0], link.call("reverse", new byte[0], byte[].class).join());
        assertNull(link.call("nothing", "x", String.class).join());
        assertEquals(42, link.call("later", 21, Integer.class).join());
    }

    @Test
    void aHandlerThatThrowsGivesRemoteTaskExceptionWithItsMessageAndTheLinkStaysUsable() {
        RemoteTaskException failure = remoteFailure(link.call("fail", "the disk is full", String.class));
        assertEquals("the disk is full", failure.remoteMessage());
        assertEquals(IllegalStateException.class.getName(), failure.remoteType());
        assertEquals("fail", failure.task());
        assertTrue(failure.getMessage().contains("the disk is full"), failure.getMessage());
        assertTrue(failure.getMessage().contains("server ("), failure.getMessage());
        assertTrue(link.isOpen());

        RemoteTaskException later = remoteFailure(link.call("later-fail", 7, Integer.class));
        assertEquals(ArithmeticException.class.getName(), later.remoteType());
        assertEquals("no 7", later.remoteMessage());

        assertEquals(new Sum(new Range(1, 2), 3), link.call("sum", new Range(1, 2), Sum.class).join());
    }

    @Test
    void anUnknownTaskOrAnInputOfTheWrongShapeIsARemoteFailure() {
        RemoteTaskException unknown = remoteFailure(link.call("nope", "x", String.class));
        assertEquals(UnsupportedOperationException.class.getName(), unknown.remoteType());
        assertTrue(unknown.remoteMessage().contains("does not serve task 'nope'"), unknown.remoteMessage());
        assertTrue(unknown.remoteMessage().contains("[fail, later, later-fail, nothing, reverse, sum]"),
                unknown.remoteMessage());

        RemoteTaskException wrongInput = remoteFailure(link.call("sum", "not a range", Sum.class));
        assertEquals(IllegalArgumentException.class.getName(), wrongInput.remoteType());
        assertTrue(wrongInput.remoteMessage().contains("the input of task 'sum' could not be read"),
                wrongInput.remoteMessage());

        RemoteTaskException bytesForJson = remoteFailure(link.call("sum", new byte[] {1}, Sum.class));
        assertTrue(bytesForJson.remoteMessage().contains("raw bytes"), bytesForJson.remoteMessage());
        assertTrue(link.isOpen());
    }

    @Test
    void aResultThatDoesNotFitTheExpectedTypeFailsOnlyThatCall() {
        CompletionException wrapped = assertThrows(CompletionException.class,
                () -> link.call("sum", new Range(1, 2), Integer.class).join());
        ClusterException failure = assertInstanceOf(ClusterException.class, wrapped.getCause());
        assertTrue(failure.getMessage().contains("the result of task 'sum'"), failure.getMessage());
        assertEquals(new Sum(new Range(1, 2), 3), link.call("sum", new Range(1, 2), Sum.class).join());
    }

    @Test
    void anInputLargerThanThePeerAcceptsIsRefusedBeforeItIsSent() {
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> link.call("reverse", new byte[17 * 1024 * 1024], byte[].class));
        assertTrue(tooBig.getMessage().contains("maxPayloadSize"), tooBig.getMessage());
        assertArrayEquals(new byte[] {2, 1}, link.call("reverse", new byte[] {1, 2}, byte[].class).join());
    }

    @Test
    void aTaskServedAfterStartIsAnnouncedToTheMasterAndThePeers() {
        server.handle("square", Integer.class, x -> x * x);
        assertEquals(49, link.call("square", 7, Integer.class).join());
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.nodes().stream()
                .anyMatch(n -> n.id().equals(server.self().id()) && n.serves("square")));
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.master.nodes().stream()
                .anyMatch(n -> n.id().equals(server.self().id()) && n.serves("square")));
        assertTrue(server.self().serves("square"));
        assertEquals(Set.of("fail", "later", "later-fail", "nothing", "reverse", "sum", "square"),
                server.self().tasks());
    }

    @Test
    void callsOnAClosedLinkFailWithLinkClosedException() {
        link.close();
        CompletionException failure = assertThrows(CompletionException.class,
                () -> link.call("sum", new Range(1, 2), Sum.class).join());
        assertInstanceOf(io.cpcluster.LinkClosedException.class, failure.getCause());
        assertThrows(io.cpcluster.LinkClosedException.class, () -> link.send(new byte[] {1}));
        assertEquals(List.of(), caller.links());
    }

    private static RemoteTaskException remoteFailure(CompletableFuture<?> call) {
        CompletionException failure = assertThrows(CompletionException.class, call::join);
        return assertInstanceOf(RemoteTaskException.class, failure.getCause());
    }

    private static byte[] reversed(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }
}
