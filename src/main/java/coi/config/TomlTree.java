package coi.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A parsed TOML file as coi reads it: tables and arrays whose values keep the position they were
 * written at (line and column, from 1), for errors that point at file and line.
 * <p>
 * Config files are small and simple, and tomlj (an ANTLR parser) costs a command some 60 ms the
 * first time it parses, on the way to every session (bench/shell): {@link #simple} reads the plain
 * forms coi's files are made of in well under a millisecond and gives up (empty) on anything else
 * (inline tables, multi-line strings, dotted keys, floats, dates, other integer bases, any error),
 * which tomlj then parses as before, its errors included. {@code TomlTreeTest} parses every form
 * both ways and requires the same tree, positions included.
 */
final class TomlTree {
    private TomlTree() {}

    /** Where a key or value starts in its file. */
    record Position(int line, int column) {
        @Override
        public String toString() {
            return "line " + line + ", column " + column;
        }
    }

    /** A table: its keys in the order written, each with its value and where key and value start. */
    static final class Table {
        private final Map<String, Object> values = new LinkedHashMap<>();
        private final Map<String, Position> keysAt = new HashMap<>();
        private final Map<String, Position> valuesAt = new HashMap<>();
        /** Made by a dotted header ({@code [a.b]} makes {@code a}) and not yet defined by a header of its own. */
        private boolean implicit;
        /** Written { inline }: no header may add to it (tomlj refuses that). */
        private boolean inline;

        Set<String> keySet() {
            return values.keySet();
        }

        Object get(String key) {
            return values.get(key);
        }

        Position keyAt(String key) {
            return keysAt.get(key);
        }

        Position valueAt(String key) {
            return valuesAt.get(key);
        }

        void put(String key, Object value, Position keyAt, Position valueAt) {
            values.put(key, value);
            keysAt.put(key, keyAt);
            valuesAt.put(key, valueAt);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Table t && values.equals(t.values) && keysAt.equals(t.keysAt) && valuesAt.equals(t.valuesAt);
        }

        @Override
        public int hashCode() {
            return values.hashCode();
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("{");
            values.forEach((k, v) -> s.append(k).append("@").append(keysAt.get(k)).append("=").append(v).append("@").append(valuesAt.get(k)).append("; "));
            return s.append("}").toString();
        }
    }

    /** An array: its items, each with where it starts. */
    record Array(List<Object> items, List<Position> positions) {
        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }

        Position positionOf(int i) {
            return positions.get(i);
        }
    }

    /** {@code [a.b]}'s name of a key path: bare keys as they are, any other quoted. */
    static String joinKeyPath(List<String> path) {
        StringBuilder s = new StringBuilder();
        for (String key : path) {
            if (!s.isEmpty()) s.append('.');
            if (BARE.matcher(key).matches()) s.append(key);
            else s.append('"').append(escape(key)).append('"');
        }
        return s.toString();
    }

    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");

    private static String escape(String key) {
        StringBuilder s = new StringBuilder();
        key.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\b' -> s.append("\\b");
                case '\t' -> s.append("\\t");
                case '\n' -> s.append("\\n");
                case '\f' -> s.append("\\f");
                case '\r' -> s.append("\\r");
                default -> {
                    // as tomlj writes them: printable ASCII as it is, anything else escaped
                    if (c >= 0x20 && c < 0x7f) s.appendCodePoint(c);
                    else if (c <= 0xFFFF) s.append(String.format("\\u%04x", c));
                    else s.append(String.format("\\U%08x", c));
                }
            }
        });
        return s.toString();
    }

    /**
     * The tree of {@code file}'s {@code text}: read by {@link #simple} where it can, else by tomlj, whose first
     * error throws, naming file, line and column, then {@code fix} (empty, or what to do about it).
     */
    static Table parse(java.nio.file.Path file, String text, String fix) {
        Optional<Table> simple = simple(text);
        if (simple.isPresent()) return simple.get();
        org.tomlj.TomlParseResult toml = org.tomlj.Toml.parse(text);
        if (toml.hasErrors()) {
            org.tomlj.TomlParseError error = toml.errors().getFirst();
            throw new ConfigException(Section.at(file, position(error.position())) + "invalid TOML: " + error.getMessage() + fix);
        }
        return of(toml);
    }

    /** The tree of {@code text} if it is written in the plain forms {@link #simple} reads, else empty (and nothing said). */
    static Optional<Table> simple(String text) {
        try {
            return Optional.of(new Reader(text).document());
        } catch (NotSimple e) {
            return Optional.empty();
        }
    }

    /** Anything {@link Reader} does not read: tomlj reads it, or says what is wrong with it. */
    private static final class NotSimple extends RuntimeException {
        NotSimple() {
            super(null, null, false, false);
        }
    }

    private static final NotSimple NOT_SIMPLE = new NotSimple();

    /**
     * The plain forms: comments, {@code key = value} with a bare or quoted key, {@code [a.b]} and
     * {@code [[a.b]]} headers, basic strings (the usual escapes), literal strings, decimal integers,
     * booleans, and arrays of those (over several lines, with comments and a trailing comma).
     */
    private static final class Reader {
        private final String s;
        private int i;
        private int line = 1;
        private int lineStart;
        private final Table root = new Table();
        private Table current = root;
        /** Arrays and inline tables open around the value being read. */
        private int depth;
        private static final int MAX_DEPTH = 8;

        Reader(String s) {
            this.s = s;
        }

        Table document() {
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                // control characters (tab and line ends aside) and lone carriage returns: tomlj's to judge
                if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) throw NOT_SIMPLE;
                if (c == '\r' && (k + 1 >= s.length() || s.charAt(k + 1) != '\n')) throw NOT_SIMPLE;
                if (Character.isSurrogate(c)) throw NOT_SIMPLE;
            }
            // a byte order mark: tomlj's
            if (s.startsWith("\uFEFF")) throw NOT_SIMPLE;
            while (i < s.length()) {
                spaces();
                if (i >= s.length()) break;
                char c = s.charAt(i);
                if (c == '#') comment();
                else if (c == '\n' || c == '\r') newline();
                else if (c == '[') header();
                else keyValue();
            }
            return root;
        }

        private Position here() {
            return new Position(line, i - lineStart + 1);
        }

        private void spaces() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
        }

        private void comment() {
            while (i < s.length() && s.charAt(i) != '\n' && s.charAt(i) != '\r') i++;
        }

        private void newline() {
            if (s.charAt(i) == '\r') i++;
            if (i >= s.length() || s.charAt(i) != '\n') throw NOT_SIMPLE;
            i++;
            line++;
            lineStart = i;
        }

        /** After a header or a value: spaces, a comment, then the end of the line or of the file. */
        private void endOfLine() {
            spaces();
            if (i < s.length() && s.charAt(i) == '#') comment();
            if (i < s.length()) newline();
        }

        private void header() {
            Position at = here();
            boolean array = s.startsWith("[[", i);
            i += array ? 2 : 1;
            List<String> path = new ArrayList<>();
            while (true) {
                spaces();
                path.add(key());
                spaces();
                if (i < s.length() && s.charAt(i) == '.') {
                    i++;
                    continue;
                }
                break;
            }
            if (!s.startsWith(array ? "]]" : "]", i)) throw NOT_SIMPLE;
            i += array ? 2 : 1;
            endOfLine();
            Table parent = root;
            for (String key : path.subList(0, path.size() - 1)) {
                Object there = parent.get(key);
                if (there == null) {
                    Table made = new Table();
                    made.implicit = true;
                    // tomlj gives a table no header defined no position of its own
                    parent.put(key, made, at, null);
                    parent = made;
                } else if (there instanceof Table t && !t.inline) {
                    parent = t;
                } else {
                    // into an array of tables, or through a value: tomlj's
                    throw NOT_SIMPLE;
                }
            }
            String last = path.getLast();
            Object there = parent.get(last);
            if (array) {
                Table element = new Table();
                if (there == null) {
                    List<Object> items = new ArrayList<>();
                    List<Position> positions = new ArrayList<>();
                    items.add(element);
                    positions.add(at);
                    parent.put(last, new Array(items, positions), at, at);
                } else if (there instanceof Array a && arraysOfTables.contains(a)) {
                    // (only headers add to these arrays, and only tables)
                    a.items().add(element);
                    a.positions().add(at);
                } else {
                    throw NOT_SIMPLE;
                }
                arraysOfTables.add((Array) parent.get(last));
                current = element;
            } else {
                if (there == null) {
                    Table made = new Table();
                    parent.put(last, made, at, at);
                    current = made;
                } else {
                    // defined again, or a super-table defined after its sub-table: tomlj's to judge
                    throw NOT_SIMPLE;
                }
            }
        }

        /** The arrays made by {@code [[...]]} headers (not by {@code key = [...]}). */
        private final java.util.Set<Array> arraysOfTables = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

        private void keyValue() {
            // keys in a table a dotted header made: tomlj's (it may count that as defining it)
            if (current.implicit) throw NOT_SIMPLE;
            entry(current);
            endOfLine();
        }

        /** {@code key = value} into {@code table}; a dotted key, or one {@code table} holds already, is tomlj's. */
        private void entry(Table table) {
            Position keyAt = here();
            String key = key();
            spaces();
            if (i >= s.length() || s.charAt(i) != '=') throw NOT_SIMPLE;
            i++;
            spaces();
            Position valueAt = here();
            Object value = value();
            if (table.get(key) != null) throw NOT_SIMPLE;
            table.put(key, value, keyAt, valueAt);
        }

        private String key() {
            if (i >= s.length()) throw NOT_SIMPLE;
            char c = s.charAt(i);
            if (c == '"') {
                String k = basicString();
                // an empty quoted key, or one tomlj might read otherwise: tomlj's
                if (k.isEmpty()) throw NOT_SIMPLE;
                return k;
            }
            if (c == '\'') {
                String k = literalString();
                if (k.isEmpty()) throw NOT_SIMPLE;
                return k;
            }
            int start = i;
            while (i < s.length() && isBare(s.charAt(i))) i++;
            if (i == start) throw NOT_SIMPLE;
            return s.substring(start, i);
        }

        private static boolean isBare(char c) {
            return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-';
        }

        private Object value() {
            if (i >= s.length()) throw NOT_SIMPLE;
            char c = s.charAt(i);
            if (c == '"') {
                if (s.startsWith("\"\"\"", i)) throw NOT_SIMPLE;
                return basicString();
            }
            if (c == '\'') {
                if (s.startsWith("'''", i)) throw NOT_SIMPLE;
                return literalString();
            }
            // nesting (the agent writes a workspace's .coi.toml): a few levels here, tomlj's limit and error beyond
            if ((c == '[' || c == '{') && ++depth > MAX_DEPTH) throw NOT_SIMPLE;
            if (c == '[') return nested(array());
            if (c == '{') return nested(inlineTable());
            if (s.startsWith("true", i) && ends(i + 4)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i) && ends(i + 5)) {
                i += 5;
                return Boolean.FALSE;
            }
            return integer();
        }

        private Object nested(Object value) {
            depth--;
            return value;
        }

        /** Whether a bare value ends at {@code k} (nothing of a longer word follows). */
        private boolean ends(int k) {
            return k >= s.length() || " \t\r\n#,]}".indexOf(s.charAt(k)) >= 0;
        }

        /** A decimal integer: [+-], no leading zero, single underscores between digits; anything else (floats, dates, 0x..) is tomlj's. */
        private Long integer() {
            int start = i;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int digits = i;
            boolean lastDigit = false;
            StringBuilder n = new StringBuilder(s.substring(start, i).equals("-") ? "-" : "");
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c >= '0' && c <= '9') {
                    n.append(c);
                    lastDigit = true;
                } else if (c == '_' && lastDigit) {
                    lastDigit = false;
                } else {
                    break;
                }
                i++;
            }
            if (i == digits || !lastDigit || !ends(i)) throw NOT_SIMPLE;
            if (s.charAt(digits) == '0' && i - digits > 1) throw NOT_SIMPLE;
            try {
                return Long.parseLong(n.toString());
            } catch (NumberFormatException tooLarge) {
                throw NOT_SIMPLE;
            }
        }

        private Array array() {
            i++;
            List<Object> items = new ArrayList<>();
            List<Position> positions = new ArrayList<>();
            while (true) {
                gap();
                if (i >= s.length()) throw NOT_SIMPLE;
                if (s.charAt(i) == ']') {
                    i++;
                    break;
                }
                positions.add(here());
                Object item = value();
                // arrays of one type only in older TOML; tomlj's to judge mixes and nesting
                if (item instanceof Array || !items.isEmpty() && items.getFirst().getClass() != item.getClass()) throw NOT_SIMPLE;
                items.add(item);
                gap();
                if (i >= s.length()) throw NOT_SIMPLE;
                if (s.charAt(i) == ',') {
                    i++;
                    continue;
                }
                if (s.charAt(i) != ']') throw NOT_SIMPLE;
                i++;
                break;
            }
            return new Array(items, positions);
        }

        /** {@code { k = v, ... }} on one line, as TOML has them (no trailing comma, no line end inside). */
        private Table inlineTable() {
            i++;
            Table table = new Table();
            table.inline = true;
            spaces();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return table;
            }
            while (true) {
                spaces();
                entry(table);
                spaces();
                if (i >= s.length()) throw NOT_SIMPLE;
                char c = s.charAt(i++);
                if (c == '}') return table;
                if (c != ',') throw NOT_SIMPLE;
            }
        }

        /** Spaces, comments and line ends between an array's items. */
        private void gap() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t') i++;
                else if (c == '#') comment();
                else if (c == '\n' || c == '\r') newline();
                else break;
            }
        }

        private String literalString() {
            i++;
            int start = i;
            while (i < s.length() && s.charAt(i) != '\'' && s.charAt(i) != '\n' && s.charAt(i) != '\r') i++;
            if (i >= s.length() || s.charAt(i) != '\'') throw NOT_SIMPLE;
            String v = s.substring(start, i);
            i++;
            return v;
        }

        private String basicString() {
            i++;
            StringBuilder v = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw NOT_SIMPLE;
                char c = s.charAt(i);
                if (c == '"') {
                    i++;
                    return v.toString();
                }
                if (c == '\n' || c == '\r') throw NOT_SIMPLE;
                if (c == '\\') {
                    if (i + 1 >= s.length()) throw NOT_SIMPLE;
                    char e = s.charAt(i + 1);
                    i += 2;
                    switch (e) {
                        case '"' -> v.append('"');
                        case '\\' -> v.append('\\');
                        case 'b' -> v.append('\b');
                        case 't' -> v.append('\t');
                        case 'n' -> v.append('\n');
                        case 'f' -> v.append('\f');
                        case 'r' -> v.append('\r');
                        case 'u', 'U' -> {
                            int len = e == 'u' ? 4 : 8;
                            if (i + len > s.length()) throw NOT_SIMPLE;
                            // ASCII hex digits only (parseInt takes other scripts' digits and a sign): else tomlj's
                            int cp = 0;
                            for (int k = i; k < i + len; k++) {
                                char h = s.charAt(k);
                                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                                if (d < 0 || cp > 0x10FFFF) throw NOT_SIMPLE;
                                cp = cp * 16 + d;
                            }
                            // not a scalar value: tomlj's
                            if (cp > 0x10FFFF || cp >= 0xD800 && cp <= 0xDFFF) throw NOT_SIMPLE;
                            v.appendCodePoint(cp);
                            i += len;
                        }
                        default -> throw NOT_SIMPLE;
                    }
                    continue;
                }
                v.append(c);
                i++;
            }
        }
    }

    /** The tree of what tomlj parsed (a file {@link #simple} gave up on). */
    static Table of(org.tomlj.TomlTable table) {
        Table t = new Table();
        for (String key : table.keySet()) {
            List<String> path = List.of(key);
            org.tomlj.TomlPosition keyAt = table.inputPositionOf(path);
            org.tomlj.TomlPosition valueAt = table.entry(path).value().position();
            t.put(key, convert(table.get(path)), position(keyAt), position(valueAt));
        }
        return t;
    }

    private static Object convert(Object value) {
        return switch (value) {
            case org.tomlj.TomlTable table -> of(table);
            case org.tomlj.TomlArray array -> {
                List<Object> items = new ArrayList<>();
                List<Position> positions = new ArrayList<>();
                for (int k = 0; k < array.size(); k++) {
                    items.add(convert(array.get(k)));
                    positions.add(position(array.inputPositionOf(k)));
                }
                yield new Array(items, positions);
            }
            default -> value;
        };
    }

    private static Position position(org.tomlj.TomlPosition p) {
        return p == null ? null : new Position(p.line(), p.column());
    }
}
