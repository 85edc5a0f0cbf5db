package io.cpcluster.core.master;

import java.util.function.Function;

/**
 * How the master's parts read and change its {@link Book}: under the master's lock, and for a
 * change, with the {@link Outcome} carried out as the lock allows (messages queued in the book's
 * order under it; ports given back, connections closed and events published after it).
 */
interface Ledger {
    /** Makes one change to the book and carries out its outcome. */
    void change(Function<Book, Outcome> change);

    /** Reads the book. */
    <T> T read(Function<Book, T> query);

    /** True once the master is closing: it registers no one. */
    boolean closing();
}
