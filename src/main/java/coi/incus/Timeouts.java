package coi.incus;

import java.time.Duration;

/**
 * How long coi waits for the daemon: to connect (including the TLS handshake), and for the next
 * byte of an answer. A server that accepts and never answers fails within these instead of
 * hanging coi. Long polls (an operation's wait, the events stream, exec output) are exempt: their
 * silence is legitimate.
 */
public record Timeouts(Duration connect, Duration read) {
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60));

    public Timeouts {
        if (connect.isNegative() || connect.isZero() || read.isNegative() || read.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** One value in seconds for both, as COI_INCUS_TIMEOUT gives it; the connect part never exceeds the default. */
    public static Timeouts ofSeconds(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        return new Timeouts(d.compareTo(DEFAULT.connect) < 0 ? d : DEFAULT.connect, d);
    }

    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
