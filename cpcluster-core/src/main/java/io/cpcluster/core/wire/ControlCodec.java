package io.cpcluster.core.wire;

import static java.util.Map.entry;

import io.cpcluster.ProtocolException;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns control messages into frame bodies (UTF-8 JSON objects with a {@code "type"}) and back.
 *
 * <p>The mapping is written out here, with JSON-P, rather than left to JSON-B's reflection:
 * the records live in a package this module does not export, where JSON-B cannot reach them on
 * the module path, and an explicit mapping is also the wire format docs/PROTOCOL.md describes,
 * readable in one place. Encoding is an exhaustive switch over the sealed {@link Control};
 * decoding a switch over the type name. Unknown fields are ignored, so a newer peer may add some.
 */
public final class ControlCodec {
    /** The longest piece of a peer's error text quoted in our own messages. */
    private static final int MAX_QUOTE = 200;
    /** The longest free text (a reason, an error message) a decoded message keeps. */
    public static final int MAX_TEXT = 1000;

    /** The wire name of every message type. */
    public static final Map<Class<? extends Control>, String> TYPES = Map.ofEntries(
            entry(Control.Hello.class, "HELLO"),
            entry(Control.Auth.class, "AUTH"),
            entry(Control.AuthOk.class, "AUTH_OK"),
            entry(Control.AuthFailed.class, "AUTH_FAILED"),
            entry(Control.Ping.class, "PING"),
            entry(Control.Pong.class, "PONG"),
            entry(Control.NodeList.class, "NODES"),
            entry(Control.Members.class, "MEMBERS"),
            entry(Control.FindNodes.class, "FIND_NODES"),
            entry(Control.NodesFound.class, "NODES_FOUND"),
            entry(Control.Tasks.class, "TASKS"),
            entry(Control.LinkRequest.class, "LINK_REQUEST"),
            entry(Control.LinkOffer.class, "LINK_OFFER"),
            entry(Control.LinkReady.class, "LINK_READY"),
            entry(Control.LinkBindFailed.class, "LINK_BIND_FAILED"),
            entry(Control.LinkAssigned.class, "LINK_ASSIGNED"),
            entry(Control.LinkRejected.class, "LINK_REJECTED"),
            entry(Control.LinkUp.class, "LINK_UP"),
            entry(Control.LinkDown.class, "LINK_CLOSED"),
            entry(Control.Bye.class, "BYE"),
            entry(Control.Fault.class, "ERROR"),
            entry(Control.LinkHello.class, "LINK_HELLO"),
            entry(Control.LinkAuth.class, "LINK_AUTH"),
            entry(Control.LinkAccepted.class, "LINK_ACCEPTED"),
            entry(Control.LinkDenied.class, "LINK_DENIED"));

    private ControlCodec() {
    }

    /** The wire name of a message type, such as {@code LINK_OFFER}. */
    public static String wireType(Class<?> type) {
        String name = TYPES.get(type);
        return name != null ? name : type.getSimpleName();
    }

    public static byte[] encode(Control message) {
        // Heartbeats, by hand: a master reads every node's PING every second.
        if (message instanceof Control.Ping ping) {
            return heartbeat(PING, ping.time(), ping.answer() ? END : UNANSWERED_END);
        }
        if (message instanceof Control.Pong pong) {
            return heartbeat(PONG, pong.time(), END);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (JsonGenerator json = Json.JSONP.createGenerator(bytes)) {
            json.writeStartObject();
            json.write("type", wireType(message.getClass()));
            switch (message) {
                case Control.Hello m -> json.write("version", m.version()).write("nonce", m.nonce())
                        .write("security", m.security());
                case Control.Auth m -> {
                    json.write("version", m.version()).write("nodeId", m.nodeId()).write("name", m.name())
                            .write("proof", m.proof());
                    strings(json, "tasks", m.tasks());
                    if (m.advertisedHost() != null) {
                        json.write("advertisedHost", m.advertisedHost());
                    }
                    json.writeStartArray("links");
                    m.links().forEach(claim -> json.writeStartObject().write("linkId", claim.linkId())
                            .write("initiator", claim.initiator()).write("acceptor", claim.acceptor())
                            .write("host", claim.host()).write("port", claim.port()).writeEnd());
                    json.writeEnd();
                    if (m.view() != null) {
                        json.writeStartObject("view").write("mode", m.view().mode());
                        if (!m.view().tasks().isEmpty()) {
                            strings(json, "tasks", m.view().tasks());
                        }
                        json.writeEnd();
                    }
                }
                case Control.AuthOk m -> node(json.write("version", m.version()), "node", m.node())
                        .write("heartbeatTimeoutMs", m.heartbeatTimeoutMs());
                case Control.Ping m -> {
                    json.write("time", m.time());
                    if (!m.answer()) {
                        json.write("answer", false);
                    }
                }
                case Control.Pong m -> json.write("time", m.time());
                case Control.AuthFailed m -> json.write("reason", m.reason());
                case Control.NodeList m -> {
                    json.writeStartArray("nodes");
                    m.nodes().forEach(node -> node(json, null, node));
                    json.writeEnd().write("more", m.more());
                }
                case Control.Members m -> {
                    json.writeStartArray("nodes");
                    m.nodes().forEach(node -> node(json, null, node));
                    json.writeEnd().writeStartArray("gone");
                    m.gone().forEach(gone -> json.writeStartObject().write("nodeId", gone.nodeId())
                            .write("reason", gone.reason()).writeEnd());
                    json.writeEnd();
                }
                case Control.FindNodes m -> {
                    json.write("requestId", m.requestId());
                    if (m.task() != null) {
                        json.write("task", m.task());
                    }
                }
                case Control.NodesFound m -> {
                    json.write("requestId", m.requestId()).writeStartArray("nodes");
                    m.nodes().forEach(node -> node(json, null, node));
                    json.writeEnd().write("more", m.more());
                }
                case Control.Tasks m -> strings(json, "tasks", m.tasks());
                case Control.LinkRequest m -> json.write("requestId", m.requestId()).write("target", m.target());
                case Control.LinkOffer m -> {
                    json.write("linkId", m.linkId());
                    node(json, "peer", m.peer());
                    json.write("port", m.port()).write("ticket", m.ticket()).write("expiresInMs", m.expiresInMs());
                }
                case Control.LinkReady m -> json.write("linkId", m.linkId()).write("port", m.port());
                case Control.LinkBindFailed m -> json.write("linkId", m.linkId()).write("port", m.port())
                        .write("reason", m.reason());
                case Control.LinkAssigned m -> {
                    json.write("requestId", m.requestId()).write("linkId", m.linkId());
                    node(json, "peer", m.peer());
                    json.write("host", m.host()).write("port", m.port()).write("ticket", m.ticket());
                    if (m.acceptorPort() != 0) {
                        json.write("acceptorPort", m.acceptorPort());
                    }
                }
                case Control.LinkRejected m -> json.write("requestId", m.requestId()).write("code", m.code())
                        .write("message", m.message());
                case Control.LinkUp m -> json.write("linkId", m.linkId());
                case Control.LinkDown m -> json.write("linkId", m.linkId()).write("reason", m.reason());
                case Control.Bye m -> json.write("reason", m.reason());
                case Control.Fault m -> json.write("code", m.code()).write("message", m.message());
                case Control.LinkHello m -> optional(json.write("version", m.version()).write("linkId", m.linkId())
                        .write("nonce", m.nonce()).write("maxFrameSize", m.maxFrameSize()), "maxCalls", m.maxCalls());
                case Control.LinkAuth m -> optional(json.write("version", m.version()).write("linkId", m.linkId())
                        .write("nodeId", m.nodeId()).write("proof", m.proof()).write("maxFrameSize", m.maxFrameSize()),
                        "maxCalls", m.maxCalls());
                case Control.LinkAccepted m -> json.write("linkId", m.linkId());
                case Control.LinkDenied m -> {
                    if (m.code() != null) {
                        json.write("code", m.code());
                    }
                    json.write("reason", m.reason());
                }
            }
            json.writeEnd();
        }
        return bytes.toByteArray();
    }

    /**
     * How many bytes a list of strings takes as a JSON array, as {@link #encode} writes it in a
     * message: brackets, quotes, escapes and commas included.
     */
    public static int jsonLength(List<String> values) {
        CountingStream counted = new CountingStream();
        try (JsonGenerator json = Json.JSONP.createGenerator(counted)) {
            json.writeStartArray();
            values.forEach(json::write);
            json.writeEnd();
        }
        return counted.count;
    }

    /** Counts what is written to it, and keeps nothing. */
    private static final class CountingStream extends java.io.OutputStream {
        int count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            count += length;
        }
    }

    /** Writes a field that is left out when it is 0. */
    private static JsonGenerator optional(JsonGenerator json, String name, int value) {
        return value != 0 ? json.write(name, value) : json;
    }

    private static void strings(JsonGenerator json, String name, List<String> values) {
        json.writeStartArray(name);
        values.forEach(json::write);
        json.writeEnd();
    }

    /** Writes a node as a named field, or as an array element when {@code name} is null. */
    private static JsonGenerator node(JsonGenerator json, String name, Control.WireNode node) {
        if (name == null) {
            json.writeStartObject();
        } else {
            json.writeStartObject(name);
        }
        json.write("id", node.id()).write("name", node.name()).write("host", node.host());
        strings(json, "tasks", node.tasks());
        json.write("joinedAt", node.joinedAt());
        if (node.key() != null) {
            json.write("key", node.key());
        }
        return json.writeEnd();
    }

    /**
     * Decodes a frame body.
     *
     * @throws ProtocolException if it is not a well-formed control message
     */
    public static Control decode(byte[] body) {
        Control heartbeat = heartbeat(body);
        if (heartbeat != null) {
            return heartbeat;
        }
        try {
            JsonObject object = parse(body);
            Fields f = new Fields(object, "a control message");
            String type = f.string("type");
            if (type == null) {
                throw new IllegalArgumentException("a control message without 'type'");
            }
            f = new Fields(object, type);
            return switch (type) {
                case "HELLO" -> new Control.Hello(f.integer("version"), f.string("nonce"), f.string("security"));
                case "AUTH" -> new Control.Auth(f.integer("version"), f.string("nodeId"), f.string("name"),
                        f.string("proof"), f.strings("tasks"), f.string("advertisedHost"), f.claims("links"),
                        f.view("view"));
                case "AUTH_OK" -> new Control.AuthOk(f.integer("version"), f.node("node"),
                        f.number("heartbeatTimeoutMs"));
                case "PING" -> new Control.Ping(f.number("time"), !object.containsKey("answer") || f.bool("answer"));
                case "PONG" -> new Control.Pong(f.number("time"));
                case "AUTH_FAILED" -> new Control.AuthFailed(f.text("reason"));
                case "NODES" -> new Control.NodeList(f.nodes("nodes"), f.bool("more"));
                case "MEMBERS" -> new Control.Members(f.nodes("nodes"), f.gone("gone"));
                case "FIND_NODES" -> new Control.FindNodes(f.number("requestId"), f.string("task"));
                case "NODES_FOUND" -> new Control.NodesFound(f.number("requestId"), f.nodes("nodes"), f.bool("more"));
                case "TASKS" -> new Control.Tasks(f.strings("tasks"));
                case "LINK_REQUEST" -> new Control.LinkRequest(f.number("requestId"), f.string("target"));
                case "LINK_OFFER" -> new Control.LinkOffer(f.string("linkId"), f.node("peer"), f.integer("port"),
                        f.string("ticket"), f.number("expiresInMs"));
                case "LINK_READY" -> new Control.LinkReady(f.string("linkId"), f.integer("port"));
                case "LINK_BIND_FAILED" -> new Control.LinkBindFailed(f.string("linkId"), f.integer("port"),
                        f.text("reason"));
                case "LINK_ASSIGNED" -> new Control.LinkAssigned(f.number("requestId"), f.string("linkId"),
                        f.node("peer"), f.string("host"), f.integer("port"), f.string("ticket"),
                        f.optionalInteger("acceptorPort"));
                case "LINK_REJECTED" -> new Control.LinkRejected(f.number("requestId"), f.text("code"),
                        f.text("message"));
                case "LINK_UP" -> new Control.LinkUp(f.string("linkId"));
                case "LINK_CLOSED" -> new Control.LinkDown(f.string("linkId"), f.text("reason"));
                case "BYE" -> new Control.Bye(f.text("reason"));
                case "ERROR" -> new Control.Fault(f.text("code"), f.text("message"));
                case "LINK_HELLO" -> new Control.LinkHello(f.integer("version"), f.string("linkId"), f.string("nonce"),
                        f.integer("maxFrameSize"), f.optionalInteger("maxCalls"));
                case "LINK_AUTH" -> new Control.LinkAuth(f.integer("version"), f.string("linkId"), f.string("nodeId"),
                        f.string("proof"), f.integer("maxFrameSize"), f.optionalInteger("maxCalls"));
                case "LINK_ACCEPTED" -> new Control.LinkAccepted(f.string("linkId"));
                case "LINK_DENIED" -> new Control.LinkDenied(f.text("code"), f.text("reason"));
                default -> throw new IllegalArgumentException("unknown message type '" + quote(type) + "'");
            };
        } catch (RuntimeException e) {
            // Whatever the parser or a record throws (Parsson even throws a bare RuntimeException
            // for input nested too deep): the message is malformed.
            throw new ProtocolException("malformed control message: " + rootMessage(e), e);
        }
    }

    /** How a PING's and a PONG's bodies begin and end, exactly as the generator writes them. */
    private static final byte[] PING = "{\"type\":\"PING\",\"time\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "{\"type\":\"PONG\",\"time\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNANSWERED_END = ",\"answer\":false}".getBytes(StandardCharsets.US_ASCII);

    /** A PING's or PONG's body: what the generator would write, without one. */
    private static byte[] heartbeat(byte[] prefix, long time, byte[] end) {
        byte[] digits = Long.toString(time).getBytes(StandardCharsets.US_ASCII);
        byte[] body = Arrays.copyOf(prefix, prefix.length + digits.length + end.length);
        System.arraycopy(digits, 0, body, prefix.length, digits.length);
        System.arraycopy(end, 0, body, prefix.length + digits.length, end.length);
        return body;
    }

    /**
     * A PING or PONG in exactly the form this codec writes ({@code {"type":"PING","time":N}}, or
     * {@code {"type":"PING","time":N,"answer":false}}), read without a JSON parser; null for
     * anything else, which the parser then reads (a heartbeat written another way included).
     */
    private static Control heartbeat(byte[] body) {
        boolean ping = startsWith(body, PING);
        if (!ping && !startsWith(body, PONG)) {
            return null;
        }
        boolean answer = !ping || !endsWith(body, UNANSWERED_END);
        int from = PING.length;
        int to = body.length - (answer ? END : UNANSWERED_END).length;
        if (to <= from || body[body.length - 1] != '}' || to - from > 20) {
            return null;
        }
        long time = 0;
        boolean negative = body[from] == '-';
        int i = negative ? from + 1 : from;
        if (i == to || body[i] == '0' && to - i > 1) {
            return null;
        }
        for (; i < to; i++) {
            int digit = body[i] - '0';
            if (digit < 0 || digit > 9) {
                return null;
            }
            // Accumulated negatively, so that Long.MIN_VALUE fits; an overflow goes to the parser.
            if (time < (Long.MIN_VALUE + digit) / 10) {
                return null;
            }
            time = time * 10 - digit;
        }
        if (!negative) {
            if (time == Long.MIN_VALUE) {
                return null;
            }
            time = -time;
        }
        return ping ? new Control.Ping(time, answer) : new Control.Pong(time);
    }

    private static boolean startsWith(byte[] body, byte[] prefix) {
        return body.length > prefix.length && Arrays.equals(body, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static boolean endsWith(byte[] body, byte[] suffix) {
        return body.length > suffix.length
                && Arrays.equals(body, body.length - suffix.length, body.length, suffix, 0, suffix.length);
    }

    /** Decodes a frame body that must be of one type. */
    public static <T extends Control> T decode(byte[] body, Class<T> expected, String when) {
        Control message = decode(body);
        if (!expected.isInstance(message)) {
            throw new ProtocolException("expected " + wireType(expected) + " " + when + " but got "
                    + wireType(message.getClass()));
        }
        return expected.cast(message);
    }

    /** Parses a JSON object. */
    public static JsonObject parse(byte[] body) {
        try (JsonReader reader = Json.JSONP.createReader(new StringReader(new String(body, StandardCharsets.UTF_8)))) {
            JsonValue value = reader.readValue();
            if (!(value instanceof JsonObject object)) {
                throw new IllegalArgumentException("expected a JSON object, got " + value.getValueType());
            }
            return object;
        }
    }

    /** The body of a link ERROR frame: {@code {"type": exception class, "message": text}}. */
    public static byte[] encodeError(String type, String message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + message.length());
        try (JsonGenerator json = Json.JSONP.createGenerator(bytes)) {
            json.writeStartObject().write("type", type).write("message", message).writeEnd();
        }
        return bytes.toByteArray();
    }

    /** Reads a link ERROR frame's body as {type, message}; what cannot be read comes back as text. */
    public static String[] decodeError(byte[] body) {
        try {
            Fields f = new Fields(parse(body), "ERROR frame");
            String type = f.text("type");
            String message = f.text("message");
            return new String[] {type != null ? type : "unknown", message != null ? message : ""};
        } catch (RuntimeException e) {
            return new String[] {"unknown", quote(new String(body, StandardCharsets.UTF_8), MAX_TEXT)};
        }
    }

    /** The innermost message of an exception chain, bounded and on one line: what went wrong, not where. */
    public static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return quote(text);
    }

    /** Untrusted text made safe for a log line or a message: one line, at most 200 characters. */
    public static String quote(String text) {
        return quote(text, MAX_QUOTE);
    }

    /**
     * Untrusted text made safe for a log line or a message, at most {@code max} characters: every
     * character that could change how a line reads when printed (C0 and C1 controls such as the
     * escape that starts a terminal sequence, DEL, formatting characters such as bidirectional
     * overrides, line and paragraph separators) is written as a visible {@code \}{@code uXXXX}.
     */
    public static String quote(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 16);
        int i = 0;
        while (i < text.length() && out.length() < max) {
            // Whole code points: formatting characters live above U+FFFF too (tags, U+E0001...).
            int c = text.codePointAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                for (char half : Character.toChars(c)) {
                    out.append("\\u").append(String.format("%04x", (int) half));
                }
            } else {
                out.appendCodePoint(c);
            }
            i += Character.charCount(c);
        }
        return i < text.length() ? out + "..." : out.toString();
    }

    /** Reads the fields of one message, naming the message and the field in every error. */
    private record Fields(JsonObject object, String type) {
        /** A string field, or null when absent or null. */
        String string(String field) {
            JsonValue value = object.get(field);
            if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
                return null;
            }
            if (value instanceof JsonString text) {
                return text.getString();
            }
            throw wrong(field, "a string");
        }

        /**
         * A field of free text from the peer (a reason, a message), or null: made safe for logs
         * and exceptions as it is read (see {@link #quote(String, int)}), and at most
         * {@value #MAX_TEXT} characters.
         */
        String text(String field) {
            String value = string(field);
            return value == null ? null : quote(value, MAX_TEXT);
        }

        /** A string field that must be there. */
        String requiredString(String field) {
            String value = string(field);
            if (value == null) {
                throw missing(field);
            }
            return value;
        }

        int integer(String field) {
            return requiredNumber(field).intValueExact();
        }

        /** An integer field that may be absent (0). */
        int optionalInteger(String field) {
            return object.get(field) == null ? 0 : integer(field);
        }

        long number(String field) {
            return requiredNumber(field).longValueExact();
        }

        boolean bool(String field) {
            JsonValue value = object.get(field);
            if (value == null) {
                throw missing(field);
            }
            return switch (value.getValueType()) {
                case TRUE -> true;
                case FALSE -> false;
                default -> throw wrong(field, "true or false");
            };
        }

        /** A list of strings, or null when absent. */
        List<String> strings(String field) {
            JsonArray array = array(field);
            if (array == null) {
                return null;
            }
            List<String> values = new ArrayList<>(array.size());
            for (JsonValue value : array) {
                if (!(value instanceof JsonString text)) {
                    throw wrong(field, "a list of strings");
                }
                values.add(text.getString());
            }
            return values;
        }

        /** A node, or null when absent. */
        Control.WireNode node(String field) {
            JsonObject node = optionalObject(field, "a node object");
            return node == null ? null : node(node);
        }

        /** The object in {@code field}, or null when absent; anything else there is {@code expected}'s error. */
        private JsonObject optionalObject(String field, String expected) {
            JsonValue value = object.get(field);
            if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
                return null;
            }
            if (!(value instanceof JsonObject found)) {
                throw wrong(field, expected);
            }
            return found;
        }

        /** A list of nodes, or null when absent. */
        List<Control.WireNode> nodes(String field) {
            JsonArray array = array(field);
            if (array == null) {
                return null;
            }
            List<Control.WireNode> nodes = new ArrayList<>(array.size());
            for (JsonValue value : array) {
                if (!(value instanceof JsonObject node)) {
                    throw wrong(field, "a list of node objects");
                }
                nodes.add(node(node));
            }
            return nodes;
        }

        /** A list of {@code MEMBERS} gone entries, or null when absent. */
        List<Control.Gone> gone(String field) {
            return objects(field, "gone", f -> new Control.Gone(f.requiredString("nodeId"), f.text("reason")));
        }

        /** An AUTH's view, or null when absent. */
        Control.WireView view(String field) {
            JsonObject view = optionalObject(field, "an object");
            if (view == null) {
                return null;
            }
            Fields f = new Fields(view, type + " view");
            return new Control.WireView(f.requiredString("mode"), f.strings("tasks"));
        }

        /** A list of link claims, or null when absent. */
        List<Control.LinkClaim> claims(String field) {
            return objects(field, "link", f -> new Control.LinkClaim(f.requiredString("linkId"),
                    f.requiredString("initiator"), f.requiredString("acceptor"), f.requiredString("host"),
                    f.integer("port")));
        }

        /**
         * A list of objects, each read by {@code read} (its errors naming the message and
         * {@code what}), or null when absent.
         */
        private <T> List<T> objects(String field, String what, java.util.function.Function<Fields, T> read) {
            JsonArray array = array(field);
            if (array == null) {
                return null;
            }
            List<T> objects = new ArrayList<>(array.size());
            for (JsonValue value : array) {
                if (!(value instanceof JsonObject entry)) {
                    throw wrong(field, "a list of " + what + " objects");
                }
                objects.add(read.apply(new Fields(entry, type + " " + what)));
            }
            return objects;
        }

        private Control.WireNode node(JsonObject node) {
            Fields f = new Fields(node, type + " node");
            return new Control.WireNode(f.requiredString("id"), f.requiredString("name"), f.requiredString("host"), f.strings("tasks"),
                    f.number("joinedAt"), f.string("key"));
        }

        private JsonArray array(String field) {
            JsonValue value = object.get(field);
            if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
                return null;
            }
            if (value instanceof JsonArray array) {
                return array;
            }
            throw wrong(field, "a list");
        }

        private JsonNumber requiredNumber(String field) {
            JsonValue value = object.get(field);
            if (value == null) {
                throw missing(field);
            }
            if (value instanceof JsonNumber number) {
                return number;
            }
            throw wrong(field, "a number");
        }

        private IllegalArgumentException missing(String field) {
            return new IllegalArgumentException(quote(type) + " without '" + field + "'");
        }

        private IllegalArgumentException wrong(String field, String what) {
            return new IllegalArgumentException(quote(type) + ": '" + field + "' must be " + what);
        }
    }
}
