package coi.incus;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The incus CLI's config.yml in the form the CLI writes it (block mappings of plain words, two
 * spaces a level, see {@link IncusRemotes}), read without a YAML library: snakeyaml's first document
 * is 15-40 ms of a fresh JVM, on the path of every command that reaches Incus through the CLI's
 * default remote (bench/startup). Anything else, a quote, a flow collection other than {@code {}}
 * or {@code []}, a sequence, a comment after a value, a tab, a character outside plain ASCII, an
 * indentation that is not one of the levels open, gives no answer, and the caller reads the file
 * with snakeyaml as before: this reader never guesses. What it answers is what IncusRemotes' reading
 * through snakeyaml makes of the same text (maps in file order, text, null for an empty or null
 * value); PlainYamlTest compares the two on generated files.
 */
final class PlainYaml {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9_./+][A-Za-z0-9_./:+-]*");
    private static final List<String> NULLS = List.of("~", "null", "Null", "NULL");

    private PlainYaml() {}

    /** One mapping being filled: its indentation and, after a key without a value, that key. */
    private static final class Level {
        final int indent;
        final Map<String, Object> map = new LinkedHashMap<>();
        String pending;

        Level(int indent) {
            this.indent = indent;
        }
    }

    /** A document read: its root node (nested maps of text), null for a text of comments and blank lines alone. */
    record Document(Object root) {}

    /** The document of {@code text}; empty when the text is not in the plain form. */
    static Optional<Document> read(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\n' && (c < 0x20 || c > 0x7e)) return Optional.empty();
        }
        Deque<Level> open = new ArrayDeque<>();
        Level root = null;
        for (String line : text.split("\n", -1)) {
            int indent = 0;
            while (indent < line.length() && line.charAt(indent) == ' ') indent++;
            String rest = line.substring(indent);
            if (rest.isEmpty() || rest.startsWith("#")) continue;
            if (rest.contains("#") || rest.endsWith(" ")) return Optional.empty();
            int colon = rest.indexOf(':');
            if (colon < 0) return Optional.empty();
            String key = rest.substring(0, colon);
            if (!KEY.matcher(key).matches() || NULLS.contains(key)) return Optional.empty();
            String after = rest.substring(colon + 1);
            if (root == null) {
                if (indent != 0) return Optional.empty();
                root = new Level(0);
                open.push(root);
            }
            Level top = open.peek();
            if (top.pending != null) {
                if (indent > top.indent) {
                    Level child = new Level(indent);
                    top.map.put(top.pending, child.map);
                    top.pending = null;
                    open.push(child);
                    top = child;
                } else {
                    top.map.put(top.pending, null);
                    top.pending = null;
                }
            }
            while (indent < top.indent) {
                open.pop();
                top = open.peek();
            }
            if (indent != top.indent) return Optional.empty();
            if (after.isEmpty()) {
                // its value is the mapping below it, or null; a repeated key keeps its first place, as
                // the library's reading does (a map's put)
                top.pending = key;
                continue;
            }
            if (!after.startsWith(" ")) return Optional.empty();
            Object value = value(after.substring(1));
            if (value == UNKNOWN) return Optional.empty();
            top.map.put(key, value);
        }
        if (root == null) return Optional.of(new Document(null));
        for (Level level : open) {
            if (level.pending != null) level.map.put(level.pending, null);
        }
        return Optional.of(new Document(root.map));
    }

    /** What {@link #value} gives for a value this reader does not know. */
    private static final Object UNKNOWN = new Object();

    /** A value's node: text, an empty map or list, null; {@link #UNKNOWN} for anything else. */
    private static Object value(String v) {
        if (NULLS.contains(v)) return null;
        if (v.equals("{}")) return new LinkedHashMap<String, Object>();
        if (v.equals("[]")) return new java.util.ArrayList<>();
        if (v.equals("\"\"") || v.equals("''")) return "";
        return VALUE.matcher(v).matches() && !v.endsWith(":") ? v : UNKNOWN;
    }
}
