package coi;

/**
 * Text that may come from what the agent wrote (a key or value of the workspace's `.coi.toml`,
 * a file name) made safe for the user's terminal: control characters other than newline and tab
 * are shown as a backslash, u and four hex digits, so they cannot move the cursor, retitle the
 * window or recolour what follows.
 */
public final class Printable {
    private Printable() {}

    public static String of(String text) {
        return of(text, false);
    }

    /** As {@link #of}, for a value printed on one line: a newline or tab in it is shown escaped too, so it cannot fake a line of its own. */
    public static String line(String text) {
        return of(text, true);
    }

    private static String of(String text, boolean oneLine) {
        if (text == null) return null;
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = (c < 0x20 && (oneLine || c != '\n' && c != '\t')) || (c >= 0x7f && c <= 0x9f);
            if (control && out == null) out = new StringBuilder(text.length() + 8).append(text, 0, i);
            if (out != null) {
                if (control) out.append(String.format("\\u%04x", (int) c));
                else out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }
}
