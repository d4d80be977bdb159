package coi;

/**
 * libcoi-unix.so (src/main/c: the daemon's unix socket, coi-unix.c; the file calls, coi-files.c), which
 * bin/coi names in the system property {@code coi.unixlib}: loaded once, at the first class that asks.
 * Without it coi takes the JDK's unix-domain channel and FFM, which do the same, slower to start.
 */
public final class NativeLib {
    private static final boolean LOADED = load(System.getProperty("coi.unixlib"));

    private NativeLib() {}

    /** Whether the library is loaded. */
    public static boolean loaded() {
        return LOADED;
    }

    /** Loads {@code library}; false when it is not named or does not load. */
    public static boolean load(String library) {
        if (library == null || library.isEmpty()) return false;
        try {
            System.load(library);
            return true;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            // not built, moved, or for another machine
            Trace.mark("native library not loaded: " + e.getMessage());
            return false;
        }
    }
}
