package io.cpcluster.core.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bytes on the wire, as docs/PROTOCOL.md describes them. */
class WireFormatTest {
    private static final Path PROTOCOL = Path.of("..", "docs", "PROTOCOL.md");

    /** The lines of the block between {@code <!-- name:begin -->} and {@code <!-- name:end -->}, fences dropped. */
    private static List<String> block(String name) throws Exception {
        String text = Files.readString(PROTOCOL, StandardCharsets.UTF_8);
        int from = text.indexOf("<!-- " + name + ":begin -->");
        int to = text.indexOf("<!-- " + name + ":end -->");
        assertTrue(from >= 0 && to > from, "docs/PROTOCOL.md has a block " + name);
        return text.substring(from, to).lines().skip(1).filter(line -> !line.startsWith("```") && !line.isBlank())
                .toList();
    }

    @Test
    void everyControlMessageInTheProtocolDocumentIsExactlyWhatTheCodecWrites() throws Exception {
        Set<Class<?>> covered = new HashSet<>();
        for (String line : block("examples")) {
            Control message = ControlCodec.decode(line.getBytes(StandardCharsets.UTF_8));
            assertEquals(line, new String(ControlCodec.encode(message), StandardCharsets.UTF_8),
                    "docs/PROTOCOL.md shows what the codec writes");
            assertEquals(message, ControlCodec.decode(ControlCodec.encode(message)));
            covered.add(message.getClass());
        }
        assertEquals(ControlCodec.TYPES.keySet(), covered, "docs/PROTOCOL.md has an example of every message type");
        assertEquals(Set.of(Control.class.getPermittedSubclasses()), covered, "every message type has a wire name");
    }

    @Test
    void everyLinkFrameInTheProtocolDocumentIsExactlyWhatALinkWrites() throws Exception {
        List<String> frames = block("link-frames");
        assertEquals(5, frames.size());
        assertEquals(hex(frames.get(0)), frame(LinkFrame.header(LinkFrame.CALL, 0, 7, LinkFrame.taskName("echo")),
                Payloads.encode("hi").bytes()));
        assertEquals(hex(frames.get(1)), frame(LinkFrame.header(LinkFrame.RESULT, 0, 7, Bytes.EMPTY),
                Payloads.encode("hi").bytes()));
        assertEquals(hex(frames.get(2)), frame(LinkFrame.header(LinkFrame.MESSAGE, LinkFrame.FLAG_RAW, 0, Bytes.EMPTY),
                new byte[] {1, 2, 3}));
        assertEquals(hex(frames.get(3)), frame(LinkFrame.header(LinkFrame.PING, 0, 0, Bytes.EMPTY), Bytes.EMPTY));
        assertEquals(hex(frames.get(4)), frame(LinkFrame.header(LinkFrame.CANCEL, 0, 7, Bytes.EMPTY), Bytes.EMPTY));
    }

    /** The hex bytes after the line's last colon. */
    private static String hex(String line) {
        return line.substring(line.lastIndexOf(':') + 1).strip();
    }

    /** A frame as FrameOutput writes it, in hex. */
    private static String frame(byte[] header, byte[] payload) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new FrameOutput(bytes).write(header, header.length, payload, 0, payload.length);
        return HexFormat.ofDelimiter(" ").formatHex(bytes.toByteArray());
    }

    @Test
    void messagesDecodeWhateverTheOrderOfFieldsAndIgnoreFieldsTheyDoNotKnow() {
        Control decoded = ControlCodec.decode(("{\"nonce\":\"bm9uY2U=\",\"future\":[1,2],\"version\":2,"
                + "\"type\":\"HELLO\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(new Control.Hello(2, "bm9uY2U=", Control.PLAIN), decoded, "a HELLO without security is plain");
    }

    @Test
    void aMissingOrMistypedFieldIsNamed() {
        assertEquals("malformed control message: LINK_UP without 'linkId'", decodeFailure("{\"type\":\"LINK_UP\"}"));
        assertEquals("malformed control message: LINK_READY without 'port'",
                decodeFailure("{\"type\":\"LINK_READY\",\"linkId\":\"l\"}"));
        assertEquals("malformed control message: LINK_READY: 'port' must be a number",
                decodeFailure("{\"type\":\"LINK_READY\",\"linkId\":\"l\",\"port\":\"1\"}"));
        assertEquals("malformed control message: NODES: 'more' must be true or false",
                decodeFailure("{\"type\":\"NODES\",\"nodes\":[],\"more\":1}"));
        assertEquals("malformed control message: TASKS: 'tasks' must be a list of strings",
                decodeFailure("{\"type\":\"TASKS\",\"tasks\":[1]}"));
        assertEquals("malformed control message: MEMBERS node without 'host'",
                decodeFailure("{\"type\":\"MEMBERS\",\"nodes\":[{\"id\":\"a\",\"name\":\"b\",\"joinedAt\":1}],"
                        + "\"gone\":[]}"));
        assertEquals("malformed control message: unknown message type 'NOPE'", decodeFailure("{\"type\":\"NOPE\"}"));
        assertEquals("malformed control message: a control message without 'type'", decodeFailure("{}"));
        assertEquals("malformed control message: expected a JSON object, got ARRAY", decodeFailure("[]"));
        assertTrue(decodeFailure("{\"type\":\"HELLO\",\"version\":1e99,\"nonce\":\"x\"}")
                .startsWith("malformed control message:"));
        assertTrue(decodeFailure("{\"type\":").startsWith("malformed control message:"));
    }

    @Test
    void heartbeatsReadAndWrittenWithoutAParserAreWhatTheParserWouldMake() {
        for (long time : new long[] {0, 7, 1764230401000L, -42, Long.MAX_VALUE, Long.MIN_VALUE}) {
            String ping = "{\"type\":\"PING\",\"time\":" + time + "}";
            assertEquals(ping, new String(ControlCodec.encode(new Control.Ping(time)), StandardCharsets.UTF_8));
            assertEquals(new Control.Ping(time), ControlCodec.decode(ping.getBytes(StandardCharsets.UTF_8)));
            String pong = "{\"type\":\"PONG\",\"time\":" + time + "}";
            assertEquals(pong, new String(ControlCodec.encode(new Control.Pong(time)), StandardCharsets.UTF_8));
            assertEquals(new Control.Pong(time), ControlCodec.decode(pong.getBytes(StandardCharsets.UTF_8)));
        }
        // A PING that asks for no answer says so, and reads back the same, with or without the parser.
        String unanswered = "{\"type\":\"PING\",\"time\":7,\"answer\":false}";
        assertEquals(unanswered, new String(ControlCodec.encode(new Control.Ping(7, false)), StandardCharsets.UTF_8));
        assertEquals(new Control.Ping(7, false), ControlCodec.decode(unanswered.getBytes(StandardCharsets.UTF_8)));
        assertEquals(new Control.Ping(7, false), ControlCodec.decode("{\"answer\":false,\"time\":7,\"type\":\"PING\"}"
                .getBytes(StandardCharsets.UTF_8)));
        assertEquals(new Control.Ping(7, true), ControlCodec.decode("{\"type\":\"PING\",\"time\":7,\"answer\":true}"
                .getBytes(StandardCharsets.UTF_8)));
        // Written another way, a heartbeat still reads (by the parser); malformed, it fails as before.
        assertEquals(new Control.Ping(5), ControlCodec.decode("{\"time\":5, \"type\":\"PING\"}"
                .getBytes(StandardCharsets.UTF_8)));
        assertEquals(new Control.Pong(5), ControlCodec.decode("{\"type\":\"PONG\",\"time\":5.0}"
                .getBytes(StandardCharsets.UTF_8)));
        for (String bad : new String[] {"{\"type\":\"PING\",\"time\":01}", "{\"type\":\"PING\",\"time\":1a}",
            "{\"type\":\"PING\",\"time\":}", "{\"type\":\"PING\",\"time\":-}",
            "{\"type\":\"PING\",\"time\":99999999999999999999}", "{\"type\":\"PING\",\"time\":1",
            "{\"type\":\"PING\",\"time\":,\"answer\":false}", "{\"type\":\"PING\",\"time\":1,\"answer\":\"no\"}"}) {
            assertTrue(decodeFailure(bad).startsWith("malformed control message:"), bad);
        }
    }

    private static String decodeFailure(String json) {
        return assertThrows(ProtocolException.class, () -> ControlCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .getMessage();
    }

    @Test
    void framesAreALengthThenTheBody() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameOutput output = new FrameOutput(bytes);
        output.write("hi".getBytes(StandardCharsets.UTF_8));
        byte[] header = LinkFrame.header(LinkFrame.CALL, LinkFrame.FLAG_RAW, 0x0102030405060708L,
                LinkFrame.taskName("echo"));
        output.write(header, header.length, new byte[] {9, 8}, 0, 2);
        assertArrayEquals(new byte[] {0, 0, 0, 2, 'h', 'i',
                0, 0, 0, 18, LinkFrame.CALL, LinkFrame.FLAG_RAW, 0, 4, 1, 2, 3, 4, 5, 6, 7, 8, 'e', 'c', 'h', 'o', 9, 8},
                bytes.toByteArray());

        FrameInput input = new FrameInput(new ByteArrayInputStream(bytes.toByteArray()));
        assertArrayEquals("hi".getBytes(StandardCharsets.UTF_8), input.readFrame(100));
        int length = input.readLength(LinkFrame.HEADER_LENGTH, 100);
        assertEquals(18, length);
        byte[] fixed = new byte[LinkFrame.HEADER_LENGTH];
        input.readFully(fixed, 0, fixed.length);
        LinkFrame.Header parsed = LinkFrame.Header.parse(fixed, length);
        assertEquals(new LinkFrame.Header(LinkFrame.CALL, LinkFrame.FLAG_RAW, 4, 0x0102030405060708L), parsed);
        assertNull(new FrameInput(new ByteArrayInputStream(new byte[0])).readFrame(100));
    }

    @Test
    void lengthsOutOfBoundsAndTruncatedFramesAreRefused() {
        assertThrows(ProtocolException.class,
                () -> new FrameInput(new ByteArrayInputStream(new byte[] {(byte) 0xff, -1, -1, -1})).readFrame(1024));
        assertThrows(ProtocolException.class, () -> new FrameInput(new ByteArrayInputStream(new byte[] {0, 0, 4, 1}))
                .readFrame(1024));
        assertThrows(ProtocolException.class, () -> new FrameInput(new ByteArrayInputStream(new byte[] {0, 0, 0, 3}))
                .readLength(LinkFrame.HEADER_LENGTH, 1024));
        assertThrows(EOFException.class, () -> new FrameInput(new ByteArrayInputStream(new byte[] {0, 0, 0, 9, 1}))
                .readFrame(1024));
        assertThrows(EOFException.class, () -> new FrameInput(new ByteArrayInputStream(new byte[] {0, 0}))
                .readFrame(1024));
    }

    @Test
    void linkFrameHeadersAreChecked() {
        assertThrows(ProtocolException.class, () -> parse(LinkFrame.header((byte) 9, 0, 1, new byte[0]), 12));
        assertThrows(ProtocolException.class, () -> parse(LinkFrame.header(LinkFrame.RESULT, 4, 1, new byte[0]), 12));
        assertThrows(ProtocolException.class, () -> parse(LinkFrame.header(LinkFrame.RESULT,
                LinkFrame.FLAG_RAW | LinkFrame.FLAG_NULL, 1, new byte[0]), 12));
        assertThrows(ProtocolException.class, () -> parse(LinkFrame.header(LinkFrame.CALL, 0, 1, new byte[0]), 12));
        assertThrows(ProtocolException.class, () -> parse(LinkFrame.header(LinkFrame.RESULT, 0, 1, new byte[] {'x'}),
                13));
        assertThrows(ProtocolException.class, () -> parse(LinkFrame.header(LinkFrame.CALL, 0, 1, new byte[] {'x', 'y'}),
                13));
        assertEquals(LinkFrame.MESSAGE, parse(LinkFrame.header(LinkFrame.MESSAGE, LinkFrame.FLAG_RAW, 0, new byte[0]),
                12).kind());
    }

    private static LinkFrame.Header parse(byte[] header, int frameLength) {
        return LinkFrame.Header.parse(header, frameLength);
    }

    @Test
    void payloadsAreRawBytesNullOrJson() {
        assertEquals(LinkFrame.FLAG_RAW, Payloads.encode(new byte[] {1}).flags());
        assertEquals(LinkFrame.FLAG_NULL, Payloads.encode(null).flags());
        Payloads.Encoded json = Payloads.encode(List.of(1, 2));
        assertEquals(0, json.flags());
        assertEquals("[1,2]", new String(json.bytes(), StandardCharsets.UTF_8));
        assertEquals(5, Payloads.decode(0, "5".getBytes(StandardCharsets.UTF_8), Integer.class));
        assertNull(Payloads.decode(LinkFrame.FLAG_NULL, new byte[0], String.class));
        assertArrayEquals(new byte[] {1}, Payloads.decode(LinkFrame.FLAG_RAW, new byte[] {1}, byte[].class));
        assertThrows(IllegalArgumentException.class, () -> Payloads.decode(LinkFrame.FLAG_RAW, new byte[1], String.class));
        assertThrows(IllegalArgumentException.class, () -> Payloads.decode(0, "[1]".getBytes(StandardCharsets.UTF_8),
                byte[].class));
        assertThrows(IllegalArgumentException.class, () -> Payloads.decode(LinkFrame.FLAG_NULL, new byte[0], int.class));
        assertThrows(IllegalArgumentException.class, () -> Payloads.decode(0, "{".getBytes(StandardCharsets.UTF_8),
                Integer.class));
    }
}
