package coi.network;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** How far a container may reach on the network; enforced on the host by {@link NetworkFence}. */
public sealed interface NetworkPolicy {

    Duration DEFAULT_REFRESH = Duration.ofMinutes(30);

    /** Internet yes; private ranges, cloud metadata and the host (except DNS and DHCP on the bridge) no. */
    record Restricted() implements NetworkPolicy {}

    /**
     * Only the listed names and ranges. Names are resolved on the host and re-resolved every
     * {@code refresh}; the container gets no DNS service at all (see {@link NftRuleset}).
     */
    record Allowlist(List<AllowEntry> entries, Duration refresh) implements NetworkPolicy {
        public Allowlist {
            entries = List.copyOf(entries);
            if (refresh.isNegative() || refresh.isZero()) throw new IllegalArgumentException("refresh interval must be positive: " + refresh);
        }
    }

    /** No rules at all. */
    record Open() implements NetworkPolicy {}

    /** Builds a policy from the config keys {@code mode}, {@code allowed_domains}, {@code refresh_interval_minutes}. */
    static NetworkPolicy of(String mode, List<String> allowedDomains, int refreshMinutes) {
        return switch (mode.strip().toLowerCase(Locale.ROOT)) {
            case "restricted" -> new Restricted();
            case "open" -> new Open();
            case "allowlist" -> {
                if (allowedDomains.isEmpty()) throw new IllegalArgumentException("network mode allowlist needs at least one entry in allowed_domains");
                yield new Allowlist(allowedDomains.stream().map(AllowEntry::parse).toList(), Duration.ofMinutes(refreshMinutes));
            }
            default -> throw new IllegalArgumentException("unknown network mode '" + mode + "': use restricted, allowlist or open");
        };
    }

    /** Whether host rules hold the container (every mode but open). */
    default boolean fenced() {
        return !(this instanceof Open);
    }

    /** Its name in the config. (No pattern switch on the session's path: see Tool#command.) */
    default String mode() {
        if (this instanceof Restricted) return "restricted";
        if (this instanceof Allowlist) return "allowlist";
        if (this instanceof Open) return "open";
        throw new IllegalStateException("a network policy without a mode: " + getClass().getName());
    }
}
