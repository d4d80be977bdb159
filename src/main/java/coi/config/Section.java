package coi.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Typed, position-aware reads from one TOML table of one file. Every accessor checks the
 * value's type and reports mistakes as {@code file:line:column: 'key' in [section] ...}.
 */
final class Section {
    private final TomlTree.Table table;
    private final String name;
    private final List<String> keyPath;
    private final TomlTree.Position position;
    private final Path file;
    private final Path home;

    private Section(TomlTree.Table table, String name, List<String> keyPath, TomlTree.Position position, Path file, Path home) {
        this.table = table;
        this.name = name;
        this.keyPath = keyPath;
        this.position = position;
        this.file = file;
        this.home = home;
    }

    static Section root(TomlTree.Table table, Path file, Path home) {
        return new Section(table, "the top level", List.of(), new TomlTree.Position(1, 1), file, home);
    }

    static String at(Path file, TomlTree.Position position) {
        return file + ":" + position.line() + ":" + position.column() + ": ";
    }

    /** Rejects keys outside {@code known}, which catches typos that would otherwise be ignored. */
    Section known(List<String> known) {
        return known(known, Map.of());
    }

    /** Warnings already given: a file's layers are applied several times per command. */
    private static final Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * As {@link #known(List)}, but the Go original's keys in {@code goOnly} (key to what to do
     * instead) are read past with a warning: a config written for the original keeps working.
     * None of them is applied, so none can widen a session.
     */
    Section known(List<String> known, Map<String, String> goOnly) {
        for (String key : table.keySet()) {
            if (known.contains(key)) continue;
            String where = at(file, table.keyAt(key));
            if (!goOnly.containsKey(key)) {
                throw new ConfigException(where + "unknown key '" + key + "' in " + name + " (known: " + String.join(", ", known) + ")");
            }
            if (WARNED.add(where + key)) {
                System.err.println("coi: warning: " + where + "'" + key + "' in " + name + " is a setting of the Go coi that this coi does not have:"
                        + " ignored (" + goOnly.get(key) + ")");
            }
        }
        return this;
    }

    Set<String> keys() {
        return table.keySet();
    }

    String origin(String key) {
        // a table no header defined (made by [a.b]) has no position of its own: its key's, then
        return at(file, table.valueAt(key) != null ? table.valueAt(key) : table.keyAt(key)) + "'" + key + "' in " + name;
    }

    ConfigException missing(String key) {
        return new ConfigException(at(file, position) + "missing key '" + key + "' in " + name);
    }

    Optional<String> string(String key) {
        return value(key, String.class, "a string").map(v -> {
            if (v.isEmpty()) {
                throw new ConfigException(origin(key) + " must not be empty");
            }
            return v;
        });
    }

    /** Reads a string and hands it, with its origin, to a parser from {@link Values}. */
    <T> Optional<T> string(String key, BiFunction<String, String, T> parse) {
        return string(key).map(v -> parse.apply(v, origin(key)));
    }

    Optional<Boolean> bool(String key) {
        return value(key, Boolean.class, "a boolean (true/false)");
    }

    Optional<Integer> integer(String key, int min) {
        return value(key, Long.class, "an integer").map(v -> {
            if (v < min || v > Integer.MAX_VALUE) {
                String bound = v < min ? "at least " + min : "at most " + Integer.MAX_VALUE;
                throw new ConfigException(origin(key) + " must be " + bound + ", got " + v);
            }
            return v.intValue();
        });
    }

    /** A path with {@code ~} expanded; a relative one is relative to this file's directory. */
    Optional<Path> path(String key) {
        return string(key).map(v -> Values.path(v, home, file.toAbsolutePath().getParent()));
    }

    Optional<List<String>> strings(String key) {
        return value(key, TomlTree.Array.class, "an array of strings").map(array -> {
            var strings = new ArrayList<String>();
            for (int i = 0; i < array.size(); i++) {
                if (!(array.get(i) instanceof String s)) {
                    throw new ConfigException(at(file, array.positionOf(i)) + "'" + key + "' in " + name
                            + " must contain only strings, got " + describe(array.get(i)));
                }
                strings.add(s);
            }
            return strings;
        });
    }

    /** An array of strings, each handed with its position to a parser from {@link Values}. */
    Optional<List<String>> strings(String key, BiFunction<String, String, String> parse) {
        return strings(key).map(list -> {
            TomlTree.Array array = (TomlTree.Array) table.get(key);
            var parsed = new ArrayList<String>();
            for (int i = 0; i < list.size(); i++) {
                parsed.add(parse.apply(list.get(i), at(file, array.positionOf(i)) + "'" + key + "' in " + name));
            }
            return parsed;
        });
    }

    /** An array of TCP/UDP port numbers (1-65535). */
    Optional<List<Integer>> ports(String key) {
        return value(key, TomlTree.Array.class, "an array of port numbers").map(array -> {
            var ports = new ArrayList<Integer>();
            for (int i = 0; i < array.size(); i++) {
                if (!(array.get(i) instanceof Long port) || port < 1 || port > 65535) {
                    throw new ConfigException(at(file, array.positionOf(i)) + "'" + key + "' in " + name
                            + " must contain only port numbers 1-65535, got " + describe(array.get(i)));
                }
                ports.add(port.intValue());
            }
            return ports;
        });
    }

    /** A string-to-string table such as [environment]; each key is vetted by {@code checkKey}. */
    Map<String, String> stringMap(String key, BiFunction<String, String, String> checkKey) {
        var values = new LinkedHashMap<String, String>();
        table(key).ifPresent(child -> {
            for (String k : child.keys()) {
                values.put(checkKey.apply(k, child.origin(k)), child.value(k, String.class, "a string").orElseThrow());
            }
        });
        return values;
    }

    Optional<Section> table(String key) {
        List<String> childPath = childPath(key);
        return value(key, TomlTree.Table.class, "a table").map(child -> new Section(
                child, "[" + TomlTree.joinKeyPath(childPath) + "]", childPath,
                table.keyAt(key), file, home));
    }

    /** An array of tables, written {@code [[key]]}. */
    List<Section> tables(String key) {
        List<String> childPath = childPath(key);
        String childName = "[[" + TomlTree.joinKeyPath(childPath) + "]]";
        var sections = new ArrayList<Section>();
        value(key, TomlTree.Array.class, "an array of tables " + childName).ifPresent(array -> {
            for (int i = 0; i < array.size(); i++) {
                if (!(array.get(i) instanceof TomlTree.Table child)) {
                    throw new ConfigException(at(file, array.positionOf(i)) + "'" + key + "' in " + name
                            + " must contain only tables " + childName + ", got " + describe(array.get(i)));
                }
                sections.add(new Section(child, childName, childPath, array.positionOf(i), file, home));
            }
        });
        return sections;
    }

    private List<String> childPath(String key) {
        var path = new ArrayList<>(keyPath);
        path.add(key);
        return path;
    }

    private <T> Optional<T> value(String key, Class<T> type, String expected) {
        Object value = table.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!type.isInstance(value)) {
            throw new ConfigException(origin(key) + " must be " + expected + ", got " + describe(value));
        }
        return Optional.of(type.cast(value));
    }

    private static String describe(Object value) {
        return switch (value) {
            case String s -> "string \"" + s + "\"";
            case Boolean b -> "boolean " + b;
            case Long l -> "integer " + l;
            case Double d -> "float " + d;
            case TomlTree.Array a -> "an array";
            case TomlTree.Table t -> "a table";
            default -> "a date/time " + value;
        };
    }
}
