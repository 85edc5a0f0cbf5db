package io.cpcluster.core.wire;

import java.nio.charset.StandardCharsets;

/**
 * Encodes task inputs and results: a {@code byte[]} passes as raw bytes, {@code null} as an
 * empty payload, anything else as UTF-8 JSON bound with JSON-B. No Java serialization.
 */
public final class Payloads {
    private Payloads() {
    }

    /** An encoded value: the link frame flags and the payload bytes. */
    public record Encoded(int flags, byte[] bytes) {
    }

    private static final Encoded NULL = new Encoded(LinkFrame.FLAG_NULL, Bytes.EMPTY);

    /**
     * Encodes a value.
     *
     * @throws IllegalArgumentException if JSON-B cannot bind the value's type
     */
    public static Encoded encode(Object value) {
        if (value == null) {
            return NULL;
        }
        if (value instanceof byte[] bytes) {
            return new Encoded(LinkFrame.FLAG_RAW, bytes);
        }
        try {
            return new Encoded(0, Json.jsonb().toJson(value).getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a " + value.getClass().getName() + " cannot be sent as JSON: "
                    + ControlCodec.rootMessage(e) + " (JSON-B binds public classes and records; on the module path, their"
                    + " package must be exported)", e);
        }
    }

    /**
     * Decodes a payload into a type.
     *
     * @throws IllegalArgumentException if the payload does not fit the type
     */
    public static <T> T decode(int flags, byte[] payload, Class<T> type) {
        if ((flags & LinkFrame.FLAG_NULL) != 0) {
            if (type.isPrimitive()) {
                throw new IllegalArgumentException("the value is null, which a " + type.getName() + " cannot hold");
            }
            return null;
        }
        if ((flags & LinkFrame.FLAG_RAW) != 0) {
            if (type == byte[].class || type == Object.class) {
                return type.cast(payload);
            }
            throw new IllegalArgumentException("the value is raw bytes (a byte[]), which cannot be read as "
                    + type.getName());
        }
        if (type == byte[].class) {
            throw new IllegalArgumentException("the value is JSON, not raw bytes: send a byte[] to receive a byte[]");
        }
        try {
            return Json.jsonb().fromJson(new String(payload, StandardCharsets.UTF_8), type);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the value could not be read as " + type.getName() + ": "
                    + ControlCodec.rootMessage(e), e);
        }
    }
}
