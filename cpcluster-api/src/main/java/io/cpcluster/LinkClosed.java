package io.cpcluster;

import java.util.Objects;

/**
 * A direct link closed, or a link being set up failed. The master has released its port (or
 * will as soon as it hears of it).
 *
 * @param link the link
 * @param reason why, in words, for example {@code "closed by this node"} or {@code "peer left"}
 */
public record LinkClosed(LinkInfo link, String reason) implements ClusterEvent {
    /** Checks the fields. */
    public LinkClosed {
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(reason, "reason");
    }
}
