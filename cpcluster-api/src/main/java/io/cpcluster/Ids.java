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

    /** A bounded, single-line rendering of untrusted text, for error messages. */
    static String printable(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length() && out.length() < MAX_LENGTH; i++) {
            char c = value.charAt(i);
            out.append(c < ' ' || c == 0x7f ? '?' : c);
        }
        return value.length() > MAX_LENGTH ? out + "..." : out.toString();
    }
}
