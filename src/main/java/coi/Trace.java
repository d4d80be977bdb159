package coi;

/**
 * Phase timings on stderr when {@code COI_TRACE=1}: how the time of a command is spent, measured
 * from the launcher's start (bin/coi passes its clock as {@code coi.trace.start}), so that the
 * critical path of a launch can be read off one run. Off by default and then free (one static check).
 */
public final class Trace {
    private static final boolean ON = "1".equals(System.getenv("COI_TRACE"));
    private static final long T0 = ON ? start() : 0;

    private Trace() {}

    public static boolean on() {
        return ON;
    }

    /** Prints the milliseconds since the launcher started and {@code phase}. */
    public static void mark(String phase) {
        if (!ON) return;
        long ms = (System.currentTimeMillis() - T0);
        // not printf: a fresh JVM's first Formatter took 20-25 ms, and the other threads' marks waited
        // for it on System.err's lock, so the trace showed its own cost as theirs
        String padded = "      " + ms;
        System.err.println("coi: trace " + padded.substring(Math.min(6, padded.length() - 6)) + " ms  " + phase + " ["
                + Thread.currentThread().getName() + "]");
    }

    /**
     * The launcher's clock when it started; without it (java started by hand) the process's start,
     * which Linux gives to the whole second only (the boot time it counts from is in seconds).
     */
    private static long start() {
        String launcher = System.getProperty("coi.trace.start");
        if (launcher != null && launcher.matches("\\d+")) return Long.parseLong(launcher);
        return ProcessHandle.current().info().startInstant().map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis());
    }
}
