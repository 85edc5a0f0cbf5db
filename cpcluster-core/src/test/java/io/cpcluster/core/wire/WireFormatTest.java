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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The bytes on the wire, as docs/PROTOCOL.md describes them. */
class WireFormatTest {
    private static final Control.WireNode NODE = new Control.WireNode("n1", "worker", "127.0.0.1",
            List.of("a", "b"), 1_700_000_000_000L);

    /** One example of every control message. */
    private static final List<Control> EVERY_MESSAGE = List.of(
            new Control.Hello(1, "bm9uY2U="),
            new Control.Auth(1, "n1", "worker", "cHJvb2Y=", List.of("a"), "10.0.0.5",
                    List.of(new Control.LinkClaim("l1", "n1", "n2", "127.0.0.1", 55001))),
            new Control.AuthOk(1, NODE, 5000),
            new Control.Ping(1_700_000_000_000L),
            new Control.Pong(1_700_000_000_000L),
            new Control.AuthFailed("wrong proof"),
            new Control.NodeList(List.of(NODE), false),
            new Control.NodeJoin(NODE),
            new Control.NodeUpdate(NODE),
            new Control.NodeLeave("n1", "closed"),
            new Control.Tasks(List.of("a", "b")),
            new Control.LinkRequest(7, "n2"),
            new Control.LinkOffer("l1", NODE, 55001, "ticket", 10_000),
            new Control.LinkReady("l1", 55001),
            new Control.LinkBindFailed("l1", 55001, "Address already in use"),
            new Control.LinkAssigned(7, "l1", NODE, "127.0.0.1", 55001, "ticket", 0),
            new Control.LinkRejected(7, "NO_SUCH_NODE", "no node n2"),
            new Control.LinkUp("l1"),
            new Control.LinkDown("l1", "closed by a"),
            new Control.Bye("leaving"),
            new Control.Fault("PROTOCOL", "bad frame"),
            new Control.LinkHello(1, "l1", "bm9uY2U=", 16 << 20),
            new Control.LinkAuth(1, "l1", "n1", "cHJvb2Y=", 16 << 20),
            new Control.LinkAccepted("l1"),
            new Control.LinkDenied("WRONG_PROOF", "wrong ticket proof"));

    @Test
    void everyControlMessageRoundTripsAndCarriesItsType() {
        Set<Class<?>> covered = new HashSet<>();
        for (Control message : EVERY_MESSAGE) {
            byte[] bytes = ControlCodec.encode(message);
            String json = new String(bytes, StandardCharsets.UTF_8);
            assertTrue(json.contains("\"type\":\"" + ControlCodec.wireType(message.getClass()) + "\""), json);
            assertEquals(message, ControlCodec.decode(bytes));
            covered.add(message.getClass());
        }
        assertEquals(ControlCodec.TYPES.keySet(), covered, "every message type has an example here");
        assertEquals(Set.of(Control.class.getPermittedSubclasses()), covered, "every message type has a wire name");
    }

    @Test
    void messagesDecodeWhateverTheOrderOfFieldsAndIgnoreFieldsTheyDoNotKnow() {
        Control decoded = ControlCodec.decode(("{\"nonce\":\"bm9uY2U=\",\"future\":[1,2],\"version\":2,"
                + "\"type\":\"HELLO\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(new Control.Hello(2, "bm9uY2U="), decoded);
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
        assertEquals("malformed control message: NODE_JOINED node without 'host'",
                decodeFailure("{\"type\":\"NODE_JOINED\",\"node\":{\"id\":\"a\",\"name\":\"b\",\"joinedAt\":1}}"));
        assertEquals("malformed control message: unknown message type 'NOPE'", decodeFailure("{\"type\":\"NOPE\"}"));
        assertEquals("malformed control message: a control message without 'type'", decodeFailure("{}"));
        assertEquals("malformed control message: expected a JSON object, got ARRAY", decodeFailure("[]"));
        assertTrue(decodeFailure("{\"type\":\"HELLO\",\"version\":1e99,\"nonce\":\"x\"}")
                .startsWith("malformed control message:"));
        assertTrue(decodeFailure("{\"type\":").startsWith("malformed control message:"));
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
