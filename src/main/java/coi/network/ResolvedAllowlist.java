package coi.network;

import java.net.Inet4Address;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One resolution of an allowlist: the addresses the fence lets through, the names behind them
 * (pinned into the container's /etc/hosts, its only way to resolve names in allowlist mode), and
 * names that failed this time, with why. Private addresses may appear here; the fence still
 * rejects them, private ranges are blocked before the allowlist is consulted.
 */
public record ResolvedAllowlist(List<Ipv4Cidr> addresses, Map<String, List<Inet4Address>> hosts, Map<String, String> failures) {

    public ResolvedAllowlist {
        addresses = List.copyOf(addresses);
        hosts = Map.copyOf(hosts);
        failures = Map.copyOf(failures);
    }

    /** Lines for the container's /etc/hosts, one per address, sorted for a stable file. */
    public String hostsEntries() {
        return hosts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .flatMap(e -> e.getValue().stream().map(a -> a.getHostAddress() + " " + e.getKey()))
                .collect(Collectors.joining("\n", "", hosts.isEmpty() ? "" : "\n"));
    }
}
