package io.cpcluster.core;

import java.util.ArrayList;
import java.util.List;

/** What a test opened, closed after it in the reverse order: masters last, processes first. */
final class Closing {
    private final List<AutoCloseable> opened = new ArrayList<>();

    /**
     * Remembers something to close after the test.
     *
     * @return the same thing
     */
    <T extends AutoCloseable> T later(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    /**
     * Closes everything remembered, the last first.
     *
     * @throws Exception if closing one failed
     */
    void closeAll() throws Exception {
        for (AutoCloseable each : opened.reversed()) {
            each.close();
        }
        opened.clear();
    }
}
