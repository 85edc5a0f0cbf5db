package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Over a real link, with many threads writing at once so that their frames share socket writes
 * (and large ones go to the socket between buffered small ones): every message arrives whole and
 * in its sender's order, and every call gets its own answer. The batching itself, frame by
 * frame and write by write, is {@code FrameOutputTest}'s.
 */
class BatchingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final TestCluster cluster = new TestCluster();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void close() {
        threads.shutdownNow();
        cluster.close();
    }

    @Test
    void messagesFromManyThreadsArriveWholeAndInEachSendersOrder() throws Exception {
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        DirectLink sender = a.connect(b.self().id());
        DirectLink receiver = TestCluster.await(() -> b.link(sender.id()).orElse(null));
        Map<Integer, List<Integer>> arrived = new ConcurrentHashMap<>();
        List<String> broken = new CopyOnWriteArrayList<>();
        receiver.onMessage(message -> {
            ByteBuffer in = ByteBuffer.wrap(message);
            int thread = in.getInt();
            int sequence = in.getInt();
            if (message.length != size(sequence) || message[message.length - 1] != (byte) (thread + sequence)) {
                broken.add("message " + sequence + " of thread " + thread + " arrived as " + message.length + " bytes");
            }
            arrived.computeIfAbsent(thread, t -> new ArrayList<>()).add(sequence);
        });
        int senders = 8;
        int each = 1000;
        List<CompletableFuture<Void>> sending = new ArrayList<>();
        for (int t = 0; t < senders; t++) {
            int thread = t;
            sending.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < each; i++) {
                    byte[] message = new byte[size(i)];
                    ByteBuffer.wrap(message).putInt(thread).putInt(i);
                    message[message.length - 1] = (byte) (thread + i);
                    sender.send(message);
                }
            }, threads));
        }
        CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new)).get();
        await().atMost(WAIT).until(() -> arrived.values().stream().mapToInt(List::size).sum() == senders * each);
        assertEquals(List.of(), broken);
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            inOrder.add(i);
        }
        for (int t = 0; t < senders; t++) {
            assertEquals(inOrder, arrived.get(t), "thread " + t + "'s messages, in the order it sent them");
        }
    }

    @Test
    void callsFromManyThreadsEachGetTheirOwnAnswer() throws Exception {
        ClusterNode server = cluster.node("server", b -> b.handle("echo", byte[].class, bytes -> bytes));
        ClusterNode client = cluster.node("client");
        DirectLink link = client.connect(server.self().id());
        int callers = 16;
        int each = 300;
        List<CompletableFuture<Integer>> calling = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            int thread = t;
            calling.add(CompletableFuture.supplyAsync(() -> {
                int right = 0;
                for (int i = 0; i < each; i++) {
                    byte[] input = new byte[size(i)];
                    ByteBuffer.wrap(input).putInt(thread).putInt(i);
                    input[input.length - 1] = (byte) (thread * i);
                    assertArrayEquals(input, link.call("echo", input, byte[].class).join(),
                            "the answer to call " + i + " of thread " + thread);
                    right++;
                }
                return right;
            }, threads));
        }
        for (CompletableFuture<Integer> caller : calling) {
            assertEquals(each, caller.get());
        }
        // And a lone call on the link, now quiet, is answered as any other.
        assertArrayEquals(new byte[] {1, 2, 3}, link.call("echo", new byte[] {1, 2, 3}, byte[].class).join());
    }

    @Test
    void aConsumerThatThrowsAnErrorLosesOnlyThatMessageNotTheRestOfItsBatch() {
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        DirectLink sender = a.connect(b.self().id());
        DirectLink receiver = TestCluster.await(() -> b.link(sender.id()).orElse(null));
        List<Integer> arrived = new CopyOnWriteArrayList<>();
        receiver.onMessage(message -> {
            int sequence = ByteBuffer.wrap(message).getInt();
            if (sequence % 100 == 7) {
                // An Error, not an exception: a batch of messages once ended at the first of these,
                // losing the rest of the batch and their places in the inbox for good.
                throw new AssertionError("the consumer fails on message " + sequence);
            }
            arrived.add(sequence);
        });
        int sent = 5000;
        for (int i = 0; i < sent; i++) {
            sender.send(ByteBuffer.allocate(4).putInt(i).array());
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < sent; i++) {
            if (i % 100 != 7) {
                expected.add(i);
            }
        }
        await().atMost(WAIT).until(() -> arrived.size() == expected.size());
        assertEquals(expected, arrived);
    }

    /** Mostly small, and every 25th larger than a write buffer takes, so it goes out on its own. */
    private static int size(int sequence) {
        return sequence % 25 == 0 ? 100_000 + sequence : 9 + sequence % 500;
    }
}
