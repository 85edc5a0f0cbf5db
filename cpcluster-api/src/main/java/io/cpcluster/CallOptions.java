package io.cpcluster;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one call over a {@link DirectLink} runs: how long the caller waits for its answer.
 *
 * {@snippet :
 * long primes = link.call("primes.count", range, Long.class, CallOptions.timeout(Duration.ofMinutes(5))).join();
 * }
 *
 * <p>A call without a deadline is written {@code CallOptions.WITHOUT_TIMEOUT}: it waits for as
 * long as its link is open (a link whose peer dies, or stops reading, still closes, and fails it).
 *
 * @param timeout how long the call may take, from the moment it is made until its answer
 *        arrives, waiting for room on a full link included; empty for the node's
 *        {@link NodeConfig#callTimeout()}; at most {@link #NO_TIMEOUT}. When it passes, the call
 *        fails with {@link CallTimeoutException}, its slot is freed, and the peer is asked to
 *        cancel it.
 */
public record CallOptions(Optional<Duration> timeout) {
    /**
     * The longest timeout, 100 years: a timeout that never passes. Give it to
     * {@link #timeout(Duration)}, {@link SubmitOptions#withTimeout(Duration)} or
     * {@link NodeConfig.Builder#callTimeout(Duration)} to turn the deadline off.
     */
    public static final Duration NO_TIMEOUT = Duration.ofDays(36_525);
    /** The node's defaults. */
    public static final CallOptions DEFAULTS = new CallOptions(Optional.empty());
    /** No deadline: the call waits for as long as its link is open. */
    public static final CallOptions WITHOUT_TIMEOUT = new CallOptions(Optional.of(NO_TIMEOUT));

    /**
     * Checks the timeout.
     *
     * @throws IllegalArgumentException if the timeout is zero, negative, or longer than {@link #NO_TIMEOUT}
     */
    public CallOptions {
        Objects.requireNonNull(timeout, "timeout").ifPresent(t -> Settings.callTimeout(t, "timeout"));
    }

    /**
     * Returns options with a timeout of their own.
     *
     * @param timeout a positive duration, at most {@link #NO_TIMEOUT}
     * @return the options
     */
    public static CallOptions timeout(Duration timeout) {
        return new CallOptions(Optional.of(Settings.callTimeout(timeout, "timeout")));
    }
}
