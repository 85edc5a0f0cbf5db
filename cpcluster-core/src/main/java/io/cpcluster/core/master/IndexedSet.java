package io.cpcluster.core.master;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set with O(1) add, remove and access by position, for picking members from any place
 * (the nodes serving a task, from a random start). Not thread-safe; the order is not kept.
 */
final class IndexedSet<T> {
    private final List<T> items = new ArrayList<>();
    private final Map<T, Integer> positions = new HashMap<>();

    /** Adds an item; false if it was there. */
    boolean add(T item) {
        if (positions.putIfAbsent(item, items.size()) != null) {
            return false;
        }
        items.add(item);
        return true;
    }

    /** Removes an item, moving the last one into its place; false if it was not there. */
    boolean remove(T item) {
        Integer position = positions.remove(item);
        if (position == null) {
            return false;
        }
        T last = items.removeLast();
        if (position < items.size()) {
            items.set(position, last);
            positions.put(last, position);
        }
        return true;
    }

    int size() {
        return items.size();
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    /** The item at a position, from 0 to {@code size() - 1}. */
    T get(int position) {
        return items.get(position);
    }
}
