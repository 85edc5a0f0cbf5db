package io.cpcluster;

import java.util.Objects;

/**
 * The identity of a direct link, chosen by the master when it brokers the link.
 *
 * @param value the id as text: 1 to 64 characters of letters, digits, {@code -}, {@code _} or {@code .}
 */
public record LinkId(String value) {
    /**
     * Checks the id.
     *
     * @throws IllegalArgumentException if the value is empty, too long, or has other characters
     */
    public LinkId {
        Objects.requireNonNull(value, "value");
        if (!Ids.valid(value)) {
            throw new IllegalArgumentException("a link id is 1 to 64 letters, digits, '-', '_' or '.', not '"
                    + Ids.printable(value) + "'");
        }
    }

    /**
     * Returns the id with this value.
     *
     * @param value the id as text
     * @return the id
     */
    public static LinkId of(String value) {
        return new LinkId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
