package coi.setup;

/** One thing a working coi host needs: looked at first, changed only when missing. */
public interface Step {
    /** What {@link #probe()} found: in place (with what), or what {@link #apply()} would do. */
    record Probe(boolean done, String detail) {
        static Probe done(String detail) {
            return new Probe(true, detail);
        }

        static Probe todo(String detail) {
            return new Probe(false, detail);
        }
    }

    String name();

    /** Looks, never changes anything. */
    Probe probe();

    void apply();
}
