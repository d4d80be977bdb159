package coi.image;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/** Versioned aliases `NAME-YYYYMMDD-HHMMSS`: one per build, the plain NAME points at the newest. */
public final class Versions {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private Versions() {}

    public static String versioned(String name, LocalDateTime when) {
        return name + "-" + when.format(STAMP);
    }

    public static String versioned(String name) {
        return versioned(name, LocalDateTime.now(ZoneOffset.UTC));
    }

    public static boolean isVersionOf(String prefix, String alias) {
        return Pattern.compile(Pattern.quote(prefix) + "-\\d{8}-\\d{6}").matcher(alias).matches();
    }

    /** The versioned aliases of {@code prefix} beyond the newest {@code keep}, oldest last. */
    public static List<String> beyondNewest(String prefix, List<String> aliases, int keep) {
        List<String> versions = aliases.stream().filter(a -> isVersionOf(prefix, a)).sorted(Comparator.reverseOrder()).toList();
        return versions.size() <= keep ? List.of() : versions.subList(keep, versions.size());
    }
}
