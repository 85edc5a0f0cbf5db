package io.cpcluster.core;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbConfig;
import org.eclipse.yasson.JsonBindingProvider;

/**
 * The one JSON-B instance: it binds control messages and task inputs and results. Building one
 * is expensive and using one is thread-safe, so it is shared.
 */
final class Json {
    /** Yasson, named directly so that no class loader setup can hide it. */
    static final Jsonb JSONB = new JsonBindingProvider().create().withConfig(new JsonbConfig()).build();

    private Json() {
    }
}
