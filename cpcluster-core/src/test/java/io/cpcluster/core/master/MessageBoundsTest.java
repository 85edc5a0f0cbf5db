package io.cpcluster.core.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.TaskBinding;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every message the master sends about a node fits the 64 KiB control frame a node may limit
 * itself to, whatever the node's fields within their rules: the bound worked out here is pinned.
 */
class MessageBoundsTest {
    private static final int FRAME = 64 * 1024;
    /** The longest id, and a character that takes 3 bytes in JSON for every place that allows it. */
    private static final String ID = "i".repeat(64);
    private static final String WIDE = "\u20ac";

    /** The largest node there can be: the longest id, name and host, task names up to the limit. */
    private static NodeInfo largest(List<String> tasks) {
        return new NodeInfo(new NodeId(ID), NodeConfig.checkName(WIDE.repeat(NodeConfig.MAX_NAME_LENGTH)),
                WIDE.repeat(255), new HashSet<>(tasks), Instant.ofEpochMilli(Long.MIN_VALUE),
                java.util.Optional.of("sha256:" + "f".repeat(64)));
    }

    /**
     * Task names taking as many bytes as JSON as a node's may, or nearly (within one name): each
     * of 255 quotes, which JSON doubles.
     */
    private static List<String> fullTasks() {
        List<String> tasks = new ArrayList<>();
        for (int i = 0; ; i++) {
            String prefix = i + "-";
            String name = TaskBinding.checkTaskName(prefix
                    + "\"".repeat(TaskBinding.MAX_TASK_NAME_BYTES - prefix.length()));
            List<String> more = new ArrayList<>(tasks);
            more.add(name);
            if (ControlCodec.jsonLength(more) > Control.MAX_TASKS_JSON_BYTES) {
                return tasks;
            }
            tasks = more;
        }
    }

    @Test
    void everyMessageAboutTheLargestNodeFitsA64KiBFrame() {
        List<String> tasks = fullTasks();
        int tasksBytes = ControlCodec.jsonLength(tasks);
        assertTrue(tasksBytes > Control.MAX_TASKS_JSON_BYTES - 520, "within one name of the limit: " + tasksBytes);
        NodeInfo node = largest(tasks);
        Control.WireNode wire = Control.WireNode.of(node);
        String ticket = "f".repeat(64);
        Map<String, Control> messages = Map.of(
                "AUTH_OK", new Control.AuthOk(Control.VERSION, wire, Long.MIN_VALUE),
                "MEMBERS", new Control.Members(List.of(wire), List.of()),
                "NODES_FOUND", new Control.NodesFound(Long.MIN_VALUE, List.of(wire), true),
                "NODES", new Control.NodeList(List.of(wire), true),
                "LINK_OFFER", new Control.LinkOffer(ID, wire, 65535, ticket, Long.MIN_VALUE),
                "LINK_ASSIGNED", new Control.LinkAssigned(Long.MIN_VALUE, ID, wire, WIDE.repeat(255), 65535, ticket,
                        65535));
        int largest = 0;
        for (Map.Entry<String, Control> message : messages.entrySet()) {
            int bytes = ControlCodec.encode(message.getValue()).length;
            assertTrue(bytes <= FRAME, message.getKey() + " takes " + bytes + " bytes");
            largest = Math.max(largest, bytes);
        }
        // The bound, pinned: the largest is LINK_ASSIGNED, whose fields other than the task names
        // take 2,389 bytes at most (its key's fingerprint included); with task names at their limit
        // it is 35,157 bytes, a little over half the frame.
        assertEquals(2_389, largest - tasksBytes);
        assertEquals(35_157, largest - tasksBytes + Control.MAX_TASKS_JSON_BYTES);

        // The book's estimate of a node's size is never below what it takes in a message.
        int nodeUpdate = ControlCodec.encode(new Control.Members(List.of(wire), List.of())).length;
        int estimate = Book.nodeBytes(node, tasksBytes);
        assertTrue(estimate >= nodeUpdate, estimate + " < " + nodeUpdate);
        int emptyUpdate = ControlCodec.encode(new Control.Members(List.of(Control.WireNode.of(largest(List.of()))),
                List.of())).length;
        assertTrue(Book.nodeBytes(largest(List.of()), 2) >= emptyUpdate);
    }

    @Test
    void aFullPageOfNodesFitsA64KiBFrame() {
        // The book fills a page up to PAGE_BYTES by its estimate: the largest node, then the
        // largest nodes without tasks until the next would not fit, or 50.
        List<String> tasks = fullTasks();
        NodeInfo big = largest(tasks);
        NodeInfo small = largest(List.of());
        List<Control.WireNode> page = new ArrayList<>(List.of(Control.WireNode.of(big)));
        int bytes = Book.nodeBytes(big, ControlCodec.jsonLength(tasks));
        while (page.size() < Book.NODES_PER_PAGE && bytes + Book.nodeBytes(small, 2) <= Book.PAGE_BYTES) {
            page.add(Control.WireNode.of(small));
            bytes += Book.nodeBytes(small, 2);
        }
        int encoded = ControlCodec.encode(new Control.NodeList(page, true)).length;
        assertTrue(encoded <= FRAME, page.size() + " nodes take " + encoded + " bytes");
        // Fifty nodes of ordinary size make a page, as before.
        NodeInfo ordinary = new NodeInfo(NodeId.random(), "worker-1", "10.0.0.7", java.util.Set.of("primes.count"),
                Instant.now());
        assertTrue(Book.NODES_PER_PAGE * Book.nodeBytes(ordinary, 16) <= Book.PAGE_BYTES);
    }
}
