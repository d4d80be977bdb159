package coi.session;

import java.util.List;
import java.util.regex.Pattern;

/** POSIX shell quoting for command lines coi builds. */
final class Shell {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Shell() {}

    static String quote(String arg) {
        if (SAFE.matcher(arg).matches()) return arg;
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    static String join(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (String a : argv) sb.append(sb.isEmpty() ? "" : " ").append(quote(a));
        return sb.toString();
    }
}
