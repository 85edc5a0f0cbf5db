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
 * @param timeout how long the call may take, from the moment it is made until its answer
 *        arrives, waiting for room on a full link included; empty for the node's
 *        {@link NodeConfig#callTimeout()}. When it passes, the call fails with
 *        {@link CallTimeoutException}, its slot is freed, and the peer is asked to cancel it.
 */
public record CallOptions(Optional<Duration> timeout) {
    /** The node's defaults. */
    public static final CallOptions DEFAULTS = new CallOptions(Optional.empty());

    /**
     * Checks the timeout.
     *
     * @throws IllegalArgumentException if the timeout is zero or negative
     */
    public CallOptions {
        Objects.requireNonNull(timeout, "timeout").ifPresent(t -> Settings.positive(t, "timeout"));
    }

    /**
     * Returns options with a timeout of their own.
     *
     * @param timeout a positive duration
     * @return the options
     */
    public static CallOptions timeout(Duration timeout) {
        return new CallOptions(Optional.of(Settings.positive(timeout, "timeout")));
    }
}
