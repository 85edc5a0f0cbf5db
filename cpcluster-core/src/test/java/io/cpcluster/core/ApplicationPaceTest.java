package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.HandlerThreads;
import io.cpcluster.NodeConfig;
import io.cpcluster.core.link.Link;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, defect 1: "A stalled reader is taken for a dead peer." A link's liveness must judge
 * the wire (bytes from the peer), never the pace of the application on this side: messages
 * waiting for a consumer, a slow consumer, or handlers run on the reader must not close a
 * healthy link, and two busy peers in {@link HandlerThreads.SERIAL} mode must not block each
 * other.
 *
 * <p>Every link here times out after {@value #LINK_TIMEOUT_MS} ms without a frame from its peer.
 */
class ApplicationPaceTest {
    private static final long LINK_TIMEOUT_MS = 1000;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestCluster cluster = new TestCluster();
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    /** Released after each test, so that no consumer or handler stays blocked. */
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        background.shutdownNow();
        cluster.close();
    }

    private static NodeConfig.Builder quickLinks(NodeConfig.Builder builder) {
        return builder.linkHeartbeat(Duration.ofMillis(100), Duration.ofMillis(LINK_TIMEOUT_MS));
    }

    private static byte[] number(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }

    private static int number(byte[] message) {
        return ByteBuffer.wrap(message).getInt();
    }

    /** The accepting end of a link a opened. */
    private static DirectLink acceptedEnd(ClusterNode acceptor, DirectLink opened) {
        return TestCluster.await(() -> acceptor.link(opened.id()).orElse(null));
    }

    /**
     * Waits while the link must stay open on both sides; a closed end fails the test soon after,
     * with the reason it closed for.
     */
    private static void awaitOpenDuring(Duration period, DirectLink... ends) {
        await("the link stays open on both sides for " + period.toMillis() + " ms")
                .during(period).atMost(period.plusSeconds(1))
                .until(() -> Stream.of(ends).map(end -> (end.isOpen() ? "open " : "CLOSED ") + end).toList(),
                        everyItem(startsWith("open ")));
    }

    /**
     * 1,100 messages arrive before the receiver sets a consumer: more than the 1,024 a link holds
     * for it, so its reader stops reading. The peer is fine all the same, and the link must stay.
     * (In the code before issue 8, the reader waits for the consumer without counting that as its own silence, and the
     * link is closed as "dead, frozen or cut off" one link timeout later.)
     */
    @Test
    void messagesWaitingForAConsumerDoNotMakeAHealthyPeerLookDead() throws Exception {
        ClusterNode a = cluster.node("a", ApplicationPaceTest::quickLinks);
        ClusterNode b = cluster.node("b", ApplicationPaceTest::quickLinks);
        DirectLink out = a.connect(b.self().id());
        DirectLink in = acceptedEnd(b, out);

        int count = 1100;
        // send() may block (backpressure), so it runs on a thread of its own.
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                out.send(number(i));
            }
        }, background);
        await("1,100 small messages are sent").atMost(WAIT).until(sent::isDone);
        sent.join();

        awaitOpenDuring(Duration.ofMillis(3 * LINK_TIMEOUT_MS), in, out);

        List<Integer> received = new CopyOnWriteArrayList<>();
        in.onMessage(message -> received.add(number(message)));
        await("all 1,100 messages arrive").atMost(WAIT).until(received::size, equalTo(count));
        assertEquals(IntStream.range(0, count).boxed().toList(), received, "in the order they were sent");
    }

    /**
     * 1,000 messages of 128 KiB (125 MiB) go to a receiver that holds at most 1 MiB of them
     * ({@code maxQueuedMessageBytes}), the first ones before it sets a consumer. That is fewer
     * messages than the 1,024 a link holds, so only the bound in bytes can stop them: the
     * receiver holds 1 MiB and reads no more, TCP holds the sender back (its {@code send} stalls
     * with most messages unsent: loopback's socket buffers take a few MiB), and the link stays
     * open. Once a consumer is set, every message arrives in order, and the bytes held never pass
     * the bound meanwhile. (Counted in messages alone, all 125 MiB would pile up for the consumer.)
     */
    @Test
    void messagesWaitingForAConsumerAreBoundedInBytesAndNoneIsLost() {
        int size = 128 * 1024;
        int count = 1000;
        long bound = 1024 * 1024;
        ClusterNode a = cluster.node("a", ApplicationPaceTest::quickLinks);
        ClusterNode b = cluster.node("b", builder -> quickLinks(builder).maxPayloadSize(256 * 1024)
                .maxQueuedMessageBytes(bound));
        DirectLink out = a.connect(b.self().id());
        Link in = (Link) acceptedEnd(b, out);

        AtomicInteger sent = new AtomicInteger();
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < count; i++) {
                byte[] message = new byte[size];
                ByteBuffer.wrap(message).putInt(i);
                out.send(message);
                sent.incrementAndGet();
            }
        }, background);
        await("the receiver holds its bound of messages").atMost(WAIT).until(in::queuedMessageBytes, equalTo(bound));
        await("the receiver reads no more, the sender stalls, the link stays open")
                .during(Duration.ofMillis(2 * LINK_TIMEOUT_MS)).atMost(Duration.ofMillis(2 * LINK_TIMEOUT_MS).plus(WAIT))
                .until(() -> in.queuedMessageBytes() <= bound && !sending.isDone() && in.isOpen() && out.isOpen());
        assertTrue(sent.get() < count / 2, sent.get() + " of " + count + " messages were sent");

        AtomicLong most = new AtomicLong();
        List<Integer> received = new CopyOnWriteArrayList<>();
        in.onMessage(message -> received.add(number(message)));
        await("all 1,000 messages arrive").atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            most.accumulateAndGet(in.queuedMessageBytes(), Math::max);
            return received.size() == count;
        });
        sending.join();
        assertTrue(most.get() <= bound, "at most " + most.get() + " bytes were held");
        assertEquals(IntStream.range(0, count).boxed().toList(), received, "in the order they were sent");
        assertTrue(in.isOpen() && out.isOpen(), "the link is open");
    }

    /**
     * A message consumer that takes 2.5 link timeouts over one message, while the peer sends
     * nothing else: the peer is alive (its keep-alives are on the wire, unread), so the link must
     * stay, and later messages still arrive. (In the code before issue 8, the consumer runs on the reader, which reads
     * nothing meanwhile, and the link is closed for the silence.)
     */
    @Test
    void aSlowMessageConsumerDoesNotMakeAHealthyPeerLookDead() throws Exception {
        ClusterNode a = cluster.node("a", ApplicationPaceTest::quickLinks);
        ClusterNode b = cluster.node("b", ApplicationPaceTest::quickLinks);
        DirectLink out = a.connect(b.self().id());
        DirectLink in = acceptedEnd(b, out);

        CountDownLatch busy = new CountDownLatch(1);
        List<Integer> received = new CopyOnWriteArrayList<>();
        in.onMessage(message -> {
            received.add(number(message));
            if (busy.getCount() > 0) {
                busy.countDown();
                awaitRelease();
            }
        });
        send(out, 0);
        assertTrue(busy.await(10, TimeUnit.SECONDS), "the consumer got the first message");

        awaitOpenDuring(Duration.ofMillis(LINK_TIMEOUT_MS * 5 / 2), in, out);
        release.countDown();

        send(out, 1);
        await("the message sent after the slow one arrives").atMost(WAIT).until(received::size, equalTo(2));
        assertEquals(List.of(0, 1), received);
        assertTrue(out.isOpen() && in.isOpen(), "the link is open");
    }

    /** Sends one message on another thread, so that a blocked send cannot hold up the test. */
    private void send(DirectLink link, int i) {
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> link.send(number(i)), background);
        await("message " + i + " is sent").atMost(WAIT).until(sent::isDone);
        sent.join();
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Both nodes run handlers on their link readers ({@link HandlerThreads.SERIAL}); each calls
     * the other at once over the same link, and each handler pushes 32 MiB of messages back
     * (more than the socket buffers of a loopback connection hold) to a consumer that only
     * counts. Both calls must complete and the link stay open. (In the code before issue 8, both readers sit in their
     * handlers, blocked writing to a peer that reads nothing: neither call can end, and the link
     * is then closed for the silence.)
     */
    @Test
    void twoBusyPeersInReaderModeDoNotBlockEachOther() throws Exception {
        ClusterNode a = cluster.node("a", builder -> quickLinks(builder).handlerThreads(HandlerThreads.SERIAL));
        ClusterNode b = cluster.node("b", builder -> quickLinks(builder).handlerThreads(HandlerThreads.SERIAL));
        DirectLink ab = a.connect(b.self().id());
        DirectLink ba = acceptedEnd(b, ab);

        int messages = 512;
        byte[] chunk = new byte[64 * 1024];
        AtomicInteger atA = new AtomicInteger();
        AtomicInteger atB = new AtomicInteger();
        ab.onMessage(message -> atA.incrementAndGet());
        ba.onMessage(message -> atB.incrementAndGet());
        // Each handler waits until both have started, so that both readers are busy at once.
        CountDownLatch bothStarted = new CountDownLatch(2);
        a.handle("push", Integer.class, n -> push(ab, bothStarted, n, chunk));
        b.handle("push", Integer.class, n -> push(ba, bothStarted, n, chunk));

        CompletableFuture<Integer> aCallsB = ab.call("push", messages, Integer.class);
        CompletableFuture<Integer> bCallsA = ba.call("push", messages, Integer.class);

        await("both calls complete").atMost(Duration.ofSeconds(20))
                .until(() -> aCallsB.isDone() && bCallsA.isDone());
        assertEquals(messages, aCallsB.join(), "a's call to b");
        assertEquals(messages, bCallsA.join(), "b's call to a");
        await("every message is counted").atMost(WAIT).until(() -> atA.get() == messages && atB.get() == messages);
        assertTrue(ab.isOpen() && ba.isOpen(), "the link is open");
    }

    private static int push(DirectLink link, CountDownLatch bothStarted, int n, byte[] chunk) throws Exception {
        bothStarted.countDown();
        if (!bothStarted.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the other handler never started");
        }
        for (int i = 0; i < n; i++) {
            link.send(chunk);
        }
        return n;
    }
}
