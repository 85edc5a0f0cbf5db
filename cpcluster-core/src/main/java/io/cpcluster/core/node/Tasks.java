package io.cpcluster.core.node;

import io.cpcluster.TaskBinding;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tasks a node serves, by name. Handlers are looked up here for every call; a handler
 * registered later replaces the earlier one for its name. Thread-safe.
 */
final class Tasks {
    private final ConcurrentHashMap<String, TaskBinding<?, ?>> bindings = new ConcurrentHashMap<>();

    Tasks(Map<String, TaskBinding<?, ?>> initial) {
        bindings.putAll(initial);
    }

    TaskBinding<?, ?> get(String task) {
        return bindings.get(task);
    }

    /** Registers a handler and returns the names served now, sorted. */
    List<String> put(TaskBinding<?, ?> binding) {
        bindings.put(binding.task(), binding);
        return names();
    }

    /** The names served, sorted. */
    List<String> names() {
        return bindings.keySet().stream().sorted().toList();
    }
}
