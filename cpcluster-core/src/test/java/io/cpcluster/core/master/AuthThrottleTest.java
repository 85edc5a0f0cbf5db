package io.cpcluster.core.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {
    private static final long BASE = Duration.ofMillis(100).toNanos();

    @Test
    void eachFailureFromAnAddressWaitsTwiceAsLongAsTheOneBefore() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofNanos(BASE));
        InetAddress attacker = InetAddress.getByName("127.0.0.9");
        long first = throttle.failed(attacker);
        long second = throttle.failed(attacker);
        long third = throttle.failed(attacker);
        assertTrue(first >= BASE && first <= 2 * BASE, "first " + first);
        // Answers from one address are spaced out: each waits for the one before it, plus its own delay.
        assertTrue(second >= first + 2 * BASE - BASE / 10, "second " + second);
        assertTrue(third >= second + 4 * BASE - BASE / 10, "third " + third);
    }

    @Test
    void theDelayIsCappedAndASuccessForgetsTheAddress() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofSeconds(2));
        InetAddress address = InetAddress.getByName("127.0.0.10");
        throttle.failed(address);
        throttle.failed(address);
        long third = throttle.failed(address);
        long fourth = throttle.failed(address);
        long step = fourth - third;
        assertTrue(step > 0 && step <= AuthThrottle.MAX_DELAY.toNanos(), "step " + step);
        throttle.succeeded(address);
        long fresh = throttle.failed(address);
        assertTrue(fresh <= Duration.ofSeconds(2).toNanos() + Duration.ofMillis(50).toNanos(), "fresh " + fresh);
    }

    @Test
    void otherAddressesAreNotSlowedAndAZeroBaseNeverWaits() throws Exception {
        AuthThrottle throttle = new AuthThrottle(Duration.ofMillis(100));
        throttle.failed(InetAddress.getByName("127.0.0.11"));
        throttle.failed(InetAddress.getByName("127.0.0.11"));
        assertTrue(throttle.failed(InetAddress.getByName("127.0.0.12")) <= 2 * BASE);
        assertEquals(0, new AuthThrottle(Duration.ZERO).failed(InetAddress.getByName("127.0.0.13")));
    }
}
