package io.cpcluster.core.wire;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.spi.JsonProvider;
import org.eclipse.yasson.JsonBindingProvider;

/**
 * The JSON machinery, built once and shared (building is expensive, using is thread-safe):
 * JSON-P reads and writes control messages and join files; JSON-B binds task inputs and results.
 */
public final class Json {
    /** The JSON-P provider (Parsson), looked up once: each lookup is a ServiceLoader scan. */
    public static final JsonProvider JSONP = JsonProvider.provider();

    private Json() {
    }

    /** JSON-B (Yasson), built on first use: a node that only moves bytes never pays for it. */
    public static Jsonb jsonb() {
        return Binding.JSONB;
    }

    private static final class Binding {
        /** Yasson, named directly so that no class loader setup can hide it. */
        static final Jsonb JSONB = new JsonBindingProvider().create().withConfig(new JsonbConfig()).build();
    }
}
