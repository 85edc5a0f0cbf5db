package io.cpcluster;

import java.util.Objects;

/**
 * A direct link opened. A node sees this when its own end of the link is up; the master sees
 * it when both ends have reported the link open.
 *
 * @param link the link
 */
public record LinkOpened(LinkInfo link) implements ClusterEvent {
    /** Checks the field. */
    public LinkOpened {
        Objects.requireNonNull(link, "link");
    }
}
