package io.cpcluster;

/** The rules that node and link ids share. */
final class Ids {
    /** The longest id, in characters. */
    static final int MAX_LENGTH = 64;

    private Ids() {
    }

    static boolean valid(String value) {
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a character could change how a line reads when printed: a control character (C0,
     * DEL, C1, such as the escape that starts a terminal sequence), a formatting character (such
     * as the bidirectional overrides), or a line or paragraph separator.
     */
    static boolean unsafe(int codePoint) {
        int type = Character.getType(codePoint);
        return Character.isISOControl(codePoint) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** Whether any code point of {@code text} is {@linkplain #unsafe(int) unsafe}: whole code points, not halves. */
    static boolean anyUnsafe(String text) {
        return text.codePoints().anyMatch(Ids::unsafe);
    }

    /** A bounded, single-line rendering of untrusted text, for error messages: unsafe characters as escapes. */
    static String printable(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < MAX_LENGTH; ) {
            int c = value.codePointAt(i);
            if (unsafe(c)) {
                for (char half : Character.toChars(c)) {
                    out.append(String.format("\\u%04x", (int) half));
                }
            } else {
                out.appendCodePoint(c);
            }
            i += Character.charCount(c);
        }
        return value.length() > MAX_LENGTH ? out + "..." : out.toString();
    }
}
