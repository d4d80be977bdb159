package coi;

import picocli.CommandLine;

public final class Version {
    private Version() {}

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** `coi --version` (or `-v`, `-V`): the original's line, "coi version X", which scripts parse. */
    public static String line() {
        return "coi version " + get();
    }

    /** `coi version`: the original's first line for it, "code-on-incus (coi) vX". */
    public static String banner() {
        return "code-on-incus (coi) v" + get();
    }

    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {line()};
        }
    }
}
