package io.cpcluster.core;

import io.cpcluster.ProtocolException;
import jakarta.json.bind.JsonbException;
import java.nio.charset.StandardCharsets;

/** Turns control messages into frame bodies (UTF-8 JSON) and back. */
final class ControlCodec {
    /** The longest piece of a peer's error text quoted in our own messages. */
    private static final int MAX_QUOTE = 200;

    private ControlCodec() {
    }

    static byte[] encode(Control message) {
        // By the runtime type: JSON-B writes the "type" key only when it binds the record itself.
        return Json.JSONB.toJson(message).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes a frame body.
     *
     * @throws ProtocolException if it is not a well-formed control message
     */
    static Control decode(byte[] body) {
        try {
            Control message = Json.JSONB.fromJson(new String(body, StandardCharsets.UTF_8), Control.class);
            if (message == null) {
                throw new ProtocolException("malformed control message: null");
            }
            return message;
        } catch (JsonbException | IllegalArgumentException | ClassCastException e) {
            throw new ProtocolException("malformed control message: " + rootMessage(e), e);
        }
    }

    /** Decodes a frame body that must be of one type. */
    static <T extends Control> T decode(byte[] body, Class<T> expected, String when) {
        Control message = decode(body);
        if (!expected.isInstance(message)) {
            throw new ProtocolException("expected " + wireType(expected) + " " + when + " but got "
                    + wireType(message.getClass()));
        }
        return expected.cast(message);
    }

    /** The wire name of a message type, such as {@code LINK_OFFER}. */
    static String wireType(Class<?> type) {
        for (var subtype : Control.class.getAnnotation(jakarta.json.bind.annotation.JsonbTypeInfo.class).value()) {
            if (subtype.type() == type) {
                return subtype.alias();
            }
        }
        return type.getSimpleName();
    }

    /** The innermost message of an exception chain, bounded and on one line: what went wrong, not where. */
    static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        text = text.replaceAll("\\p{Cntrl}", " ");
        return text.length() > MAX_QUOTE ? text.substring(0, MAX_QUOTE) + "..." : text;
    }
}
