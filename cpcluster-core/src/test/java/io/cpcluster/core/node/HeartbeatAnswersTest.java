package io.cpcluster.core.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * When a node's PING asks the master for an answer ({@link MasterLink#asksForAnswer}): whatever
 * the interval and timeout, and whenever the master last spoke, a PING that does not ask is
 * followed by one that leaves before the master has been quiet for half the timeout, and asks;
 * with the defaults, a master at rest answers every other PING.
 */
class HeartbeatAnswersTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * The silences at which PINGs leave after the master last spoke {@code sinceLast} before a
     * tick, ticks every {@code interval}, until one asks; returns the silence of that one.
     */
    private static long firstAsking(long sinceLast, long interval, long timeout) {
        for (long silent = sinceLast; ; silent += interval) {
            if (MasterLink.asksForAnswer(silent, interval, timeout)) {
                return silent;
            }
            assertTrue(silent <= timeout, "no PING asked before the timeout");
        }
    }

    @Test
    void aPingThatDoesNotAskIsFollowedByOneThatAsksBeforeHalfTheTimeout() {
        Random random = new Random(13);
        List<String> cases = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            long timeout = (1 + random.nextInt(60_000)) * MS;
            // The node's settings only require the interval to be shorter than the timeout.
            long interval = 1 + (long) (random.nextDouble() * (timeout - 1));
            long sinceLast = (long) (random.nextDouble() * interval);
            long asked = firstAsking(sinceLast, interval, timeout);
            // The first PING after the master spoke may come later than half the timeout (an
            // interval longer than that): then it asks. Any later one comes before half of it.
            if (asked != sinceLast && asked > timeout / 2) {
                cases.add("interval " + interval + " ns, timeout " + timeout + " ns: asked after " + asked + " ns");
            }
        }
        assertEquals(List.of(), cases);
    }

    @Test
    void aMasterThatSaysNothingElseAnswersEveryOtherPingWithTheDefaults() {
        long interval = 1_000 * MS;
        long timeout = 5_000 * MS;
        // Answered just after a PING left: the next ones find the master quiet for just under 1 s, 2 s, ...
        List<Boolean> asks = new ArrayList<>();
        long silent = interval - MS;
        for (int ping = 0; ping < 10; ping++) {
            boolean asking = MasterLink.asksForAnswer(silent, interval, timeout);
            asks.add(asking);
            silent = asking ? interval - MS : silent + interval;
        }
        assertEquals(List.of(false, true, false, true, false, true, false, true, false, true), asks);
    }

    @Test
    void aTimeoutCloseToTheIntervalAsksEveryTime() {
        // 1 s between PINGs and a 1.2 s timeout: asking only after a quarter of the timeout, a PING
        // 250 ms after the master spoke would not ask, and the next would come too late.
        assertTrue(MasterLink.asksForAnswer(250 * MS, 1_000 * MS, 1_200 * MS));
        assertTrue(MasterLink.asksForAnswer(0, 1_000 * MS, 1_200 * MS));
    }
}
