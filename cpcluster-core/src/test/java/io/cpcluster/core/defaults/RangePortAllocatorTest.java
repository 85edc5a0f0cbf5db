package io.cpcluster.core.defaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.PortRange;
import io.cpcluster.PortsExhaustedException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RangePortAllocatorTest {
    @Test
    void everyPortOnceThenExhaustedThenBackAfterRelease() {
        RangePortAllocator ports = new RangePortAllocator(new PortRange(100, 104));
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            assertTrue(taken.add(ports.allocate("h")));
        }
        assertEquals(Set.of(100, 101, 102, 103, 104), taken);
        PortsExhaustedException full = assertThrows(PortsExhaustedException.class, () -> ports.allocate("h"));
        assertTrue(full.getMessage().contains("all 5 ports of the range 100-104 are in use on host h"));
        ports.release("h", 102);
        assertEquals(102, ports.allocate("h"));
        assertEquals(Set.of(100, 101, 102, 103, 104), ports.inUse("h"));
    }

    @Test
    void hostsAreIndependent() {
        RangePortAllocator ports = new RangePortAllocator(new PortRange(100, 100));
        assertEquals(100, ports.allocate("a"));
        assertEquals(100, ports.allocate("b"));
        assertThrows(PortsExhaustedException.class, () -> ports.allocate("a"));
        assertEquals(Set.of(100), ports.inUse("b"));
        assertEquals(Set.of(), ports.inUse("c"));
    }

    @Test
    void aReleasedPortIsTheLastToBeHandedOutAgain() {
        RangePortAllocator ports = new RangePortAllocator(new PortRange(100, 102));
        int first = ports.allocate("h");
        ports.release("h", first);
        assertEquals(first + 1, ports.allocate("h"));
        assertEquals(first + 2, ports.allocate("h"));
        assertEquals(first, ports.allocate("h"));
    }

    @Test
    void aHostIsForgottenOnceItHoldsNoPort() {
        RangePortAllocator ports = new RangePortAllocator(new PortRange(100, 109));
        for (int i = 0; i < 100_000; i++) {
            String host = "made-up-" + i + ".example";
            int port = ports.allocate(host);
            assertTrue(ports.reserve(host, port == 100 ? 101 : 100));
            ports.release(host, port);
            ports.release(host, port == 100 ? 101 : 100);
        }
        assertEquals(0, ports.hostCount(), "no host holds a port, and none is kept");
        ports.allocate("h");
        ports.reserve("other", 105);
        assertEquals(2, ports.hostCount());
        ports.release("other", 105);
        assertEquals(1, ports.hostCount());
        assertEquals(Set.of(), ports.inUse("other"));
        assertEquals(1, ports.hostCount(), "asking about a host keeps nothing for it");
    }

    @Test
    void aForgottenHostDoesNotGetItsLastPortBackFirst() {
        RangePortAllocator ports = new RangePortAllocator(new PortRange(100, 102));
        assertEquals(100, ports.allocate("h"));
        ports.release("h", 100);
        assertEquals(0, ports.hostCount());
        assertEquals(101, ports.allocate("h"));
        assertEquals(102, ports.allocate("other"));
        assertEquals(100, ports.allocate("other"));
    }

    @Test
    void releasingWhatIsNotHeldDoesNothing() {
        RangePortAllocator ports = new RangePortAllocator(new PortRange(100, 101));
        ports.release("h", 100);
        ports.release("h", 5000);
        assertEquals(Set.of(), ports.inUse("h"));
    }
}
