package io.cpcluster;

import java.util.Objects;
import java.util.UUID;

/**
 * The identity of a node, unique in the cluster. A node picks its id when it starts and keeps
 * it for its whole life; names ({@link NodeInfo#name()}) are for people and may repeat.
 *
 * @param value the id as text: 1 to 64 characters of letters, digits, {@code -}, {@code _} or {@code .}
 */
public record NodeId(String value) {
    /**
     * Checks the id.
     *
     * @throws IllegalArgumentException if the value is empty, too long, or has other characters
     */
    public NodeId {
        Objects.requireNonNull(value, "value");
        if (!Ids.valid(value)) {
            throw new IllegalArgumentException("a node id is 1 to 64 letters, digits, '-', '_' or '.', not '"
                    + Ids.printable(value) + "'");
        }
    }

    /**
     * Returns a new random id.
     *
     * @return a fresh id that no other node has
     */
    public static NodeId random() {
        return new NodeId(UUID.randomUUID().toString());
    }

    /**
     * Returns the id with this value.
     *
     * @param value the id as text
     * @return the id
     */
    public static NodeId of(String value) {
        return new NodeId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
