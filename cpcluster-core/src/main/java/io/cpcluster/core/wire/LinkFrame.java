package io.cpcluster.core.wire;

import io.cpcluster.ProtocolException;
import java.nio.charset.StandardCharsets;

/**
 * The binary frames of an open direct link. After the JSON handshake, every frame on a link is
 * one of these, so the hot path never pays for JSON when the payload is bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                  frame length (u32, big-endian)               |  LENGTH_OFFSET = 0
 * +---------------+---------------+-------------------------------+
 * |     kind      |     flags     |    task name length (u16)     |  KIND_OFFSET = 4, FLAGS_OFFSET = 5,
 * +---------------+---------------+-------------------------------+  NAME_LENGTH_OFFSET = 6
 * |                                                               |
 * +                correlation id (i64, big-endian)               +  CORRELATION_OFFSET = 8
 * |                                                               |
 * +---------------------------------------------------------------+
 * |              task name (UTF-8, task name length bytes)        |  NAME_OFFSET = 16
 * +---------------------------------------------------------------+
 * |                      payload (the rest)                       |
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The frame length counts every byte after its own field: {@code HEADER_LENGTH} (12) + task
 * name length + payload length. Kinds: {@code CALL} (a task name, a correlation id chosen by
 * the caller, the input), {@code RESULT} and {@code ERROR} (the call's correlation id; the
 * result, or a JSON {@code {"type":…,"message":…}}), {@code MESSAGE} (one-way bytes),
 * {@code CLOSE} (the sender is closing; the payload is the reason as plain UTF-8 text),
 * {@code PING} (a keep-alive on an idle link; no payload), {@code CANCEL} (version 2: the caller
 * gave up on the call with this correlation id; no payload). Flags say how a <em>value</em> is
 * encoded, in {@code CALL}, {@code RESULT} and {@code MESSAGE}: {@code RAW} bytes, {@code NULL}
 * (no value), or neither (UTF-8 JSON). The other kinds carry no value and have flags 0.
 */
public final class LinkFrame {
    public static final int LENGTH_OFFSET = 0;
    public static final int KIND_OFFSET = 4;
    public static final int FLAGS_OFFSET = 5;
    public static final int NAME_LENGTH_OFFSET = 6;
    public static final int CORRELATION_OFFSET = 8;
    public static final int NAME_OFFSET = 16;
    /** Bytes of header after the length field, before the task name. */
    public static final int HEADER_LENGTH = NAME_OFFSET - KIND_OFFSET;

    public static final byte CALL = 1;
    public static final byte RESULT = 2;
    public static final byte ERROR = 3;
    public static final byte MESSAGE = 4;
    public static final byte CLOSE = 5;
    public static final byte PING = 6;
    /** Since protocol version 2: the caller gave up on the call with this correlation id. */
    public static final byte CANCEL = 7;

    /** The payload is raw bytes (a {@code byte[]} value). */
    public static final int FLAG_RAW = 1;
    /** The value is null; the payload is empty. */
    public static final int FLAG_NULL = 2;

    private LinkFrame() {
    }

    /**
     * Writes the header of a frame (everything after the length field, through the task name)
     * into a new array.
     */
    public static byte[] header(byte kind, int flags, long correlation, byte[] taskName) {
        byte[] header = new byte[HEADER_LENGTH + taskName.length];
        header[inHeader(KIND_OFFSET)] = kind;
        header[inHeader(FLAGS_OFFSET)] = (byte) flags;
        Bytes.putShort(header, inHeader(NAME_LENGTH_OFFSET), taskName.length);
        Bytes.putLong(header, inHeader(CORRELATION_OFFSET), correlation);
        System.arraycopy(taskName, 0, header, HEADER_LENGTH, taskName.length);
        return header;
    }

    /** Where a field at {@code frameOffset} of the diagram sits in a header array, which starts after the length. */
    private static int inHeader(int frameOffset) {
        return frameOffset - KIND_OFFSET;
    }

    public static byte[] taskName(String task) {
        return task.getBytes(StandardCharsets.UTF_8);
    }

    /** The fixed part of a frame header as read: kind, flags, name length and correlation id. */
    public record Header(byte kind, int flags, int nameLength, long correlation) {
        /**
         * Parses the {@link #HEADER_LENGTH} bytes after the length field.
         *
         * @throws ProtocolException if the kind or flags are unknown, or the name does not fit the frame
         */
        public static Header parse(byte[] bytes, int frameLength) {
            byte kind = bytes[inHeader(KIND_OFFSET)];
            int flags = bytes[inHeader(FLAGS_OFFSET)] & 0xff;
            int nameLength = Bytes.getUnsignedShort(bytes, inHeader(NAME_LENGTH_OFFSET));
            long correlation = Bytes.getLong(bytes, inHeader(CORRELATION_OFFSET));
            if (kind < CALL || kind > CANCEL) {
                throw new ProtocolException("unknown link frame kind " + kind);
            }
            if ((flags & ~(FLAG_RAW | FLAG_NULL)) != 0 || flags == (FLAG_RAW | FLAG_NULL)) {
                throw new ProtocolException("unknown link frame flags " + flags);
            }
            if (HEADER_LENGTH + nameLength > frameLength) {
                throw new ProtocolException("a link frame's task name (" + nameLength
                        + " bytes) runs past the end of the frame (" + frameLength + " bytes)");
            }
            if ((kind == CALL) != (nameLength > 0)) {
                throw new ProtocolException(kind == CALL ? "a CALL frame without a task name"
                        : "a link frame of kind " + kind + " with a task name");
            }
            return new Header(kind, flags, nameLength, correlation);
        }
    }
}
