package io.cpcluster.core.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which connection to a link port comes from the initiator the master named (the one let in when
 * others fill the handshakes): the peer's host compared as an address, never looked up.
 */
class InitiatorAddressTest {
    private static NodeInfo peerAt(String host) {
        return new NodeInfo(NodeId.random(), "initiator", host, Set.of(), Instant.now());
    }

    @Test
    void theSameAddressWrittenAnotherWayIsTheSameAddress() throws Exception {
        assertTrue(Acceptor.isFrom(peerAt("127.0.0.5"), InetAddress.getByName("127.0.0.5")));
        assertTrue(Acceptor.isFrom(peerAt("::1"), InetAddress.getByName("0:0:0:0:0:0:0:1")));
        assertTrue(Acceptor.isFrom(peerAt("[::1]"), InetAddress.getByName("::1")));
    }

    @Test
    void anotherAddressOrAHostNameIsNot() throws Exception {
        assertFalse(Acceptor.isFrom(peerAt("127.0.0.6"), InetAddress.getByName("127.0.0.5")));
        // A name would need a DNS query on the accept loop: never made, so never the initiator.
        assertFalse(Acceptor.isFrom(peerAt("localhost"), InetAddress.getByName("127.0.0.1")));
    }
}
