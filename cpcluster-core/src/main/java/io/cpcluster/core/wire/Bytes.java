package io.cpcluster.core.wire;

/** Big-endian reads and writes into byte arrays. */
public final class Bytes {
    public static final byte[] EMPTY = new byte[0];

    private Bytes() {
    }

    public static void putInt(byte[] into, int at, int value) {
        into[at] = (byte) (value >>> 24);
        into[at + 1] = (byte) (value >>> 16);
        into[at + 2] = (byte) (value >>> 8);
        into[at + 3] = (byte) value;
    }

    public static void putShort(byte[] into, int at, int value) {
        into[at] = (byte) (value >>> 8);
        into[at + 1] = (byte) value;
    }

    public static void putLong(byte[] into, int at, long value) {
        putInt(into, at, (int) (value >>> 32));
        putInt(into, at + 4, (int) value);
    }

    public static int getUnsignedShort(byte[] from, int at) {
        return ((from[at] & 0xff) << 8) | (from[at + 1] & 0xff);
    }

    public static int getInt(byte[] from, int at) {
        return ((from[at] & 0xff) << 24) | ((from[at + 1] & 0xff) << 16) | ((from[at + 2] & 0xff) << 8)
                | (from[at + 3] & 0xff);
    }

    public static long getLong(byte[] from, int at) {
        return ((long) getInt(from, at) << 32) | (getInt(from, at + 4) & 0xffffffffL);
    }
}
