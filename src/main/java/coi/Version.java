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
        return "coi version ".concat(get());   // not +: an indy concatenation spins a class at its first run (10 ms of `coi --version`)
    }

    /** `coi version`: the original's first line for it, "code-on-incus (coi) vX". */
    public static String banner() {
        return "code-on-incus (coi) v".concat(get());
    }

    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {line()};
        }
    }
}
