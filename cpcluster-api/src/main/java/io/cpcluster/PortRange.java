package io.cpcluster;

/**
 * An inclusive range of TCP ports, from which the master assigns link ports.
 *
 * @param first the lowest port in the range
 * @param last the highest port in the range
 */
public record PortRange(int first, int last) {
    /** The default range, 55001 to 55999. */
    public static final PortRange DEFAULT = new PortRange(55001, 55999);

    /**
     * Checks the range.
     *
     * @throws IllegalArgumentException unless {@code 1 <= first <= last <= 65535}
     */
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("a port range needs 1 <= first <= last <= 65535, not "
                    + first + "-" + last);
        }
    }

    /**
     * Parses a range written {@code first-last}, such as {@code 55001-55999}.
     *
     * @param text the range
     * @return the range
     * @throws IllegalArgumentException if the text is not a valid range
     */
    public static PortRange parse(String text) {
        int dash = text.indexOf('-');
        try {
            if (dash < 0) {
                int port = Integer.parseInt(text.trim());
                return new PortRange(port, port);
            }
            return new PortRange(Integer.parseInt(text.substring(0, dash).trim()),
                    Integer.parseInt(text.substring(dash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a port range is written first-last, such as 55001-55999, not '"
                    + text + "'", e);
        }
    }

    /**
     * Returns how many ports the range holds.
     *
     * @return {@code last - first + 1}
     */
    public int size() {
        return last - first + 1;
    }

    /**
     * Tells whether a port is in the range.
     *
     * @param port a port
     * @return true when {@code first <= port <= last}
     */
    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
