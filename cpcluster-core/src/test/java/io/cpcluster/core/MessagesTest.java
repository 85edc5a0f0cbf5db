package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.NodeConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MessagesTest {
    private final TestCluster cluster = new TestCluster();
    private DirectLink sender;
    private DirectLink receiver;

    @BeforeEach
    void link() {
        ClusterNode a = cluster.node("a");
        ClusterNode b = cluster.node("b");
        sender = a.connect(b.self().id());
        await().atMost(Duration.ofSeconds(10)).until(() -> !b.links().isEmpty());
        receiver = b.links().getFirst();
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    @Test
    void messagesArriveWholeAndInOrderIncludingThoseSentBeforeTheConsumerWasSet() {
        for (int i = 0; i < 500; i++) {
            sender.send(ByteBuffer.allocate(4).putInt(i).array());
        }
        List<byte[]> received = new CopyOnWriteArrayList<>();
        receiver.onMessage(received::add);
        for (int i = 500; i < 2000; i++) {
            sender.send(ByteBuffer.allocate(4).putInt(i).array());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2000);
        for (int i = 0; i < 2000; i++) {
            assertEquals(i, ByteBuffer.wrap(received.get(i)).getInt());
        }
    }

    @Test
    void bothEndsSendAndLargeMessagesArriveIntact() {
        List<byte[]> atSender = new CopyOnWriteArrayList<>();
        List<byte[]> atReceiver = new CopyOnWriteArrayList<>();
        sender.onMessage(atSender::add);
        receiver.onMessage(atReceiver::add);
        byte[] big = new byte[4 * 1024 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        sender.send(big);
        receiver.send(new byte[] {7});
        await().atMost(Duration.ofSeconds(10)).until(() -> atReceiver.size() == 1 && atSender.size() == 1);
        assertArrayEquals(big, atReceiver.getFirst());
        assertArrayEquals(new byte[] {7}, atSender.getFirst());
    }

    @Test
    void aMessageOfExactlyMaxPayloadSizeArrivesAndOneByteMoreIsRefusedWithTheLinkStillOpen() {
        List<byte[]> received = new CopyOnWriteArrayList<>();
        receiver.onMessage(received::add);
        // The limit counts payload bytes only: frame headers are the library's business.
        byte[] largest = new byte[NodeConfig.DEFAULT_MAX_PAYLOAD_SIZE];
        largest[largest.length - 1] = 42;
        sender.send(largest);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> sender.send(new byte[NodeConfig.DEFAULT_MAX_PAYLOAD_SIZE + 1]));
        assertTrue(refused.getMessage().contains("a message is 16777217 bytes, more than the 16777216 bytes"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("maxPayloadSize") && refused.getMessage().contains("send it in parts"),
                refused.getMessage());
        sender.send(new byte[] {1});
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
        assertEquals(largest.length, received.getFirst().length);
        assertEquals(42, received.getFirst()[largest.length - 1]);
        assertArrayEquals(new byte[] {1}, received.get(1));
        assertTrue(sender.isOpen() && receiver.isOpen());
    }

    @Test
    void aConsumerThatThrowsDoesNotBreakTheLink() {
        List<byte[]> received = new CopyOnWriteArrayList<>();
        receiver.onMessage(message -> {
            received.add(message);
            if (message[0] == 0) {
                throw new IllegalStateException("consumer bug");
            }
        });
        sender.send(new byte[] {0});
        sender.send(new byte[] {1});
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
        assertTrue(receiver.isOpen());
    }
}
