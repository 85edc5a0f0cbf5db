package io.cpcluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ValuesTest {
    @Test
    void idsTakeLettersDigitsAndAFewMarksOnly() {
        assertEquals("worker-1.a_b", NodeId.of("worker-1.a_b").value());
        assertEquals(36, NodeId.random().value().length());
        assertThrows(IllegalArgumentException.class, () -> NodeId.of(""));
        assertThrows(IllegalArgumentException.class, () -> NodeId.of("a b"));
        assertThrows(IllegalArgumentException.class, () -> NodeId.of("x".repeat(65)));
        IllegalArgumentException control = assertThrows(IllegalArgumentException.class, () -> LinkId.of("a\nb"));
        assertTrue(control.getMessage().contains("'a\\u000ab'"), control.getMessage());
        IllegalArgumentException bidi = assertThrows(IllegalArgumentException.class,
                () -> NodeConfig.checkName("invoice\u202efdp.exe"));
        assertTrue(bidi.getMessage().contains("'invoice\\u202efdp.exe'"), bidi.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TaskBinding.checkTaskName("a\u2028b"));
    }

    @Test
    void portRangesParseAndCheck() {
        assertEquals(new PortRange(55001, 55999), PortRange.parse("55001-55999"));
        assertEquals(new PortRange(7, 7), PortRange.parse(" 7 "));
        assertEquals(999, PortRange.DEFAULT.size());
        assertTrue(PortRange.DEFAULT.contains(55001) && !PortRange.DEFAULT.contains(55000));
        assertEquals("55001-55999", PortRange.DEFAULT.toString());
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("9-1"));
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("a-b"));
        assertThrows(IllegalArgumentException.class, () -> new PortRange(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new PortRange(1, 70000));
    }

    @Test
    void joinInfoNeverShowsItsToken() {
        String token = "5efe4cd005a9c5625df5d1cdef008abf192af591abb07a0e601a8ad902b1b8ca";
        JoinInfo join = new JoinInfo(token, "10.0.0.5", 55000);
        assertFalse(join.toString().contains(token.substring(0, 8)), join.toString());
        assertEquals(InetSocketAddress.createUnresolved("10.0.0.5", 55000), join.address());
        assertThrows(IllegalArgumentException.class, () -> new JoinInfo(" ", "h", 1));
        assertThrows(IllegalArgumentException.class, () -> new JoinInfo("t", "h", 0));
    }

    @Test
    void nodeInfoKeepsItsTasksSortedAndUnmodifiable() {
        Set<String> tasks = new HashSet<>(Set.of("b", "a"));
        NodeInfo node = new NodeInfo(NodeId.of("n"), "name", "host", tasks, Instant.EPOCH);
        tasks.add("c");
        assertEquals(new TreeSet<>(Set.of("a", "b")), node.tasks());
        assertTrue(node.serves("a") && !node.serves("c"));
        assertThrows(UnsupportedOperationException.class, () -> node.tasks().add("d"));
        assertEquals("name (n)", node.label());
    }

    @Test
    void linkInfoKnowsItsEnds() {
        LinkInfo link = new LinkInfo(LinkId.of("l"), NodeId.of("a"), NodeId.of("b"), "h", 55001, Instant.EPOCH);
        assertEquals(NodeId.of("b"), link.peerOf(NodeId.of("a")));
        assertEquals(NodeId.of("a"), link.peerOf(NodeId.of("b")));
        assertTrue(link.involves(NodeId.of("a")) && !link.involves(NodeId.of("c")));
        assertThrows(IllegalArgumentException.class, () -> link.peerOf(NodeId.of("c")));
    }

    @Test
    void masterStatsIsAnUnmodifiableSnapshot() {
        SortedSet<Integer> ports = new TreeSet<>(Set.of(55001, 55002));
        MasterStats stats = new MasterStats(1, 1, 1, 0, Map.of("h", ports, "empty", new TreeSet<>()), 1, 0, 1, 0, 0, 0, 0, 0);
        ports.add(55003);
        assertEquals(Map.of("h", new TreeSet<>(Set.of(55001, 55002))), stats.portsInUse());
        assertEquals(2, stats.portsInUseCount());
        assertThrows(UnsupportedOperationException.class, () -> stats.portsInUse().get("h").add(1));
    }

    @Test
    void taskNamesAreShortAndPrintable() {
        assertEquals("primes.count", TaskBinding.checkTaskName("primes.count"));
        assertThrows(IllegalArgumentException.class, () -> TaskBinding.checkTaskName(""));
        assertThrows(IllegalArgumentException.class, () -> TaskBinding.checkTaskName("é".repeat(128)));
        assertThrows(IllegalArgumentException.class, () -> TaskBinding.checkTaskName("a\tb"));
    }

    @Test
    void remoteTaskExceptionCarriesTheRemoteFailure() {
        RemoteTaskException failure = new RemoteTaskException("t", "worker (w)", "java.lang.IllegalStateException",
                "disk full");
        assertEquals("task 't' failed on worker (w): java.lang.IllegalStateException: disk full", failure.getMessage());
        assertEquals("disk full", failure.remoteMessage());
        assertEquals("java.lang.IllegalStateException", failure.remoteType());
        assertEquals("t", failure.task());
    }
}
