package coi.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parsers shared by every layer. {@code origin} tells the user where the value came from
 * (a file position and key, an environment variable, a flag) and starts the error message.
 */
final class Values {
    private static final List<String> TOOLS = List.of("claude", "opencode", "codex", "aider");
    // The end-to-end tests drive a fake agent: accepted, but not offered to users in errors.
    private static final String TEST_TOOL = "fake";
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})([smh])");
    private static final Pattern CPU = Pattern.compile("[0-9]+([-,][0-9]+)*");
    private static final Pattern MEMORY = Pattern.compile("[0-9]+(\\.[0-9]+)?([kKMGTPE]i?B?|B|%)?");
    private static final Pattern ALLOWANCE = Pattern.compile("[0-9]{1,3}%|[0-9]+ms/[0-9]+ms");
    private static final Pattern RATE = Pattern.compile("[0-9]+([kMGT]i?B|B|iops)");
    private static final Pattern SIZE = Pattern.compile("[0-9]+([kMGTPE]i?B|B)");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Values() {}

    static ConfigException invalid(String origin, String expected, String got) {
        return new ConfigException(origin + " must be " + expected + ", got \"" + got + "\"");
    }

    static String tool(String value, String origin) {
        if (TOOLS.contains(value) || value.equals(TEST_TOOL)) {
            return value;
        }
        throw invalid(origin, "one of " + String.join(", ", TOOLS), value);
    }

    static <E extends Enum<E>> E choice(Class<E> type, String value, String origin) {
        for (E constant : type.getEnumConstants()) {
            if (lowerCase(constant).equals(value)) {
                return constant;
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(Values::lowerCase).collect(Collectors.joining(", "));
        throw invalid(origin, "one of " + allowed, value);
    }

    static boolean bool(String value, String origin) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw invalid(origin, "one of true, false, 1, 0", value);
        };
    }

    static Duration duration(String value, String origin) {
        var m = DURATION.matcher(value);
        long n = m.matches() ? Long.parseLong(m.group(1)) : 0;
        if (n > 0) {
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        throw invalid(origin, "a duration like 90s, 30m or 2h", value);
    }

    static String cpu(String value, String origin) {
        // a lone number is a count (Incus reads "0" as none, and refuses it at the create)
        if (value.matches("0+")) throw invalid(origin, "a CPU count like 2 or a CPU set like 0-3", value);
        return matching(CPU, value, origin, "a CPU count like 2 or a CPU set like 0-3");
    }

    static String memory(String value, String origin) {
        if (value.matches("0+(\\.0+)?\\D*")) throw invalid(origin, "a size like 4GiB, 512MiB or 50%, more than 0", value);
        return matching(MEMORY, value, origin, "a size like 4GiB, 512MiB or 50%");
    }

    static String cpuAllowance(String value, String origin) {
        return matching(ALLOWANCE, value, origin, "a CPU allowance like 50% or 25ms/100ms");
    }

    static String diskRate(String value, String origin) {
        return matching(RATE, value, origin, "a rate per second like 20MB, 1GiB or 1000iops");
    }

    static String diskSize(String value, String origin) {
        return matching(SIZE, value, origin, "a size like 10GiB or 500MB");
    }

    static int processes(String value, String origin) {
        if (value.matches("[0-9]{1,9}") && Integer.parseInt(value) >= 16) return Integer.parseInt(value);
        throw invalid(origin, "a process count of at least 16", value);
    }

    static int poolSize(String value, String origin) {
        if (value.matches("[0-9]{1,2}")) return Integer.parseInt(value);
        throw invalid(origin, "a pool size from 0 to 99", value);
    }

    /** A path relative to the workspace that stays inside it. */
    static String workspacePath(String value, String origin) {
        Path p = Path.of(value).normalize();
        if (!value.isEmpty() && !p.isAbsolute() && !p.startsWith("..") && !p.toString().isEmpty()) return p.toString();
        throw invalid(origin, "a path relative to the workspace, inside it (like .vscode or .git/hooks)", value);
    }

    static String envName(String value, String origin) {
        return matching(ENV_NAME, value, origin, "a variable name of letters, digits and _");
    }

    static String containerPath(String value, String origin) {
        if (value.startsWith("/")) {
            return value;
        }
        throw invalid(origin, "an absolute path inside the container", value);
    }

    static Mount mount(String spec, Path home, String origin) {
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw invalid(origin, "HOST:CONTAINER", spec);
        }
        String container = containerPath(spec.substring(colon + 1), origin);
        return new Mount(path(spec.substring(0, colon), home, null), container, false);
    }

    /**
     * Expands a leading {@code ~} to {@code home}; a relative path is taken relative to
     * {@code baseDir} (the directory of the file that holds it) or, without one, to the
     * current directory, so that every path in a {@link Config} is absolute.
     */
    /** The address of a daemon over HTTPS: {@code https://host[:port]}. */
    static URI url(String value, String origin) {
        try {
            URI url = new URI(value);
            if ("https".equals(url.getScheme()) && url.getHost() != null) return url;
        } catch (URISyntaxException e) {
            // the same message as any other malformed value
        }
        throw invalid(origin, "an https:// URL such as https://host:8443", value);
    }

    static int seconds(String value, String origin) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) return n;
        } catch (NumberFormatException e) {
            // the same message as a number out of range
        }
        throw invalid(origin, "a positive number of seconds", value);
    }

    static Path path(String value, Path home, Path baseDir) {
        Path path = value.equals("~") ? home
                : value.startsWith("~/") ? home.resolve(value.substring(2))
                : Path.of(value);
        return baseDir == null ? path.toAbsolutePath() : baseDir.resolve(path);
    }

    private static String matching(Pattern pattern, String value, String origin, String expected) {
        if (pattern.matcher(value).matches()) {
            return value;
        }
        throw invalid(origin, expected, value);
    }

    private static String lowerCase(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }
}
