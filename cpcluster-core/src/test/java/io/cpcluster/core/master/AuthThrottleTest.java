package io.cpcluster.core.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {
    private static final long BASE = Duration.ofSeconds(1).toNanos();

    @Test
    void eachWrongProofPausesTheAddressTwiceAsLongAsTheOneBefore() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofNanos(BASE));
        InetAddress attacker = InetAddress.getByName("127.0.0.9");
        assertEquals(0, throttle.pausedFor(attacker), "an address with no wrong proof is checked at once");
        assertEquals(BASE, throttle.failed(attacker));
        assertEquals(2 * BASE, throttle.failed(attacker));
        assertEquals(4 * BASE, throttle.failed(attacker));
        long paused = throttle.pausedFor(attacker);
        assertTrue(paused > 3 * BASE && paused <= 4 * BASE, "paused for " + paused);
    }

    @Test
    void afterThePauseAnAddressIsCheckedOneProofAtATime() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofMillis(100));
        InetAddress attacker = InetAddress.getByName("127.0.0.15");
        InetAddress honest = InetAddress.getByName("127.0.0.16");
        assertEquals(0, throttle.admit(honest));
        assertEquals(0, throttle.admit(honest), "an address without wrong proofs is checked as often as it asks");
        throttle.failed(attacker);
        assertTrue(throttle.admit(attacker) > 0, "paused");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> throttle.pausedFor(attacker) == 0);
        assertEquals(0, throttle.admit(attacker), "the pause is over: one proof is checked");
        assertTrue(throttle.admit(attacker) > 0, "and the next waits for its outcome");
        throttle.succeeded(attacker);
        assertEquals(0, throttle.admit(attacker));
    }

    @Test
    void askingDuringThePauseDoesNotLengthenIt() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofNanos(BASE));
        InetAddress attacker = InetAddress.getByName("127.0.0.14");
        throttle.failed(attacker);
        long first = throttle.pausedFor(attacker);
        for (int i = 0; i < 1000; i++) {
            assertTrue(throttle.admit(attacker) > 0);
        }
        assertTrue(throttle.pausedFor(attacker) <= first, "the pause only runs down");
    }

    @Test
    void aLongBaseDelayNeverOverflowsIntoNoPause() throws Exception {
        // 10 s << 30 overflows a long: the throttle once switched itself off after 31 wrong proofs.
        AuthThrottle throttle = new AuthThrottle(Duration.ofSeconds(10));
        InetAddress address = InetAddress.getByName("127.0.0.11");
        for (int i = 0; i < 70; i++) {
            assertEquals(AuthThrottle.MAX_PAUSE.toNanos(), throttle.failed(address), "wrong proof " + (i + 1));
        }
    }

    @Test
    void thePauseIsCappedAndASuccessForgetsTheAddress() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofSeconds(2));
        InetAddress address = InetAddress.getByName("127.0.0.10");
        for (int i = 0; i < 40; i++) {
            assertTrue(throttle.failed(address) <= AuthThrottle.MAX_PAUSE.toNanos());
        }
        assertEquals(AuthThrottle.MAX_PAUSE.toNanos(), throttle.failed(address));
        throttle.succeeded(address);
        assertEquals(0, throttle.pausedFor(address));
        assertEquals(Duration.ofSeconds(2).toNanos(), throttle.failed(address), "counted from the start again");
    }

    @Test
    void otherAddressesAreNotPausedAndAZeroBaseNeverPauses() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofMillis(100));
        throttle.failed(InetAddress.getByName("127.0.0.11"));
        throttle.failed(InetAddress.getByName("127.0.0.11"));
        assertEquals(0, throttle.pausedFor(InetAddress.getByName("127.0.0.12")));
        AuthThrottle none = new AuthThrottle(Duration.ZERO);
        assertEquals(0, none.failed(InetAddress.getByName("127.0.0.13")));
        assertEquals(0, none.pausedFor(InetAddress.getByName("127.0.0.13")));
    }

    @Test
    void itRemembersABoundedNumberOfAddresses() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofSeconds(1));
        for (int i = 0; i < AuthThrottle.MAX_ADDRESSES + 500; i++) {
            throttle.failed(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        assertTrue(throttle.remembered() <= AuthThrottle.MAX_ADDRESSES, "remembered " + throttle.remembered());
    }
}
