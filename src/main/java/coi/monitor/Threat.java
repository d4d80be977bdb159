package coi.monitor;

/** One finding of a detector: how bad, which kind, what it is, and what it was seen in. */
public record Threat(Level level, String category, String title, String description, Evidence evidence) {
    public static final String REVERSE_SHELL = "reverse_shell";
    public static final String NETWORK = "network";
    public static final String DNS_TUNNEL = "dns_tunnel";
    public static final String CREDENTIALS = "credential_scan";
    public static final String FILESYSTEM = "filesystem";
    public static final String PROCESSES = "process";
    public static final String MONITOR = "monitor";

    /**
     * The same threat seen again: same kind, same process command line or peer (not the same pid),
     * figures in the title (bytes, counts) aside.
     */
    public String dedupKey() {
        String what = evidence.network() != null ? evidence.network().remote()
                : evidence.process() != null ? String.join(" ", evidence.process().cmdline()) : "";
        return category + "|" + title.replaceAll("\\d+", "#") + "|" + what;
    }
}
