package coi.network;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves an allowlist on the host. A name that fails to resolve keeps its last good answer,
 * so a flaky resolver never shrinks a running container's allowlist to nothing. Only IPv4:
 * fenced containers have no IPv6.
 */
public final class AllowlistResolver {

    /** Looks a host name up; throws (or returns nothing) when it cannot. */
    @FunctionalInterface
    public interface HostResolver {
        List<Inet4Address> resolve(String host) throws IOException;

        /** The host's own resolver (nsswitch, /etc/hosts, DNS), through the JDK. */
        static HostResolver system() {
            return host -> Arrays.stream(InetAddress.getAllByName(host))
                    .filter(Inet4Address.class::isInstance).map(Inet4Address.class::cast).toList();
        }
    }

    private final HostResolver resolver;
    private final Map<String, List<Inet4Address>> lastGood = new HashMap<>();

    public AllowlistResolver(HostResolver resolver) {
        this.resolver = resolver;
    }

    public synchronized ResolvedAllowlist resolve(List<AllowEntry> entries) {
        List<Ipv4Cidr> ranges = new ArrayList<>();
        Map<String, List<Inet4Address>> hosts = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        for (AllowEntry entry : entries) {
            // instanceof, not a pattern switch: the JVM spins a class for each such switch at its first run (see GitGuard)
            if (entry instanceof AllowEntry.Range r) ranges.add(r.cidr());
            else {
                AllowEntry.Host h = (AllowEntry.Host) entry;
                List<Inet4Address> answer = lookUp(h.name(), failures);
                if (!answer.isEmpty()) {
                    hosts.put(h.name(), answer);
                    answer.forEach(a -> ranges.add(Ipv4Cidr.of(a)));
                }
            }
        }
        return new ResolvedAllowlist(Ipv4Cidr.merge(ranges), hosts, failures);
    }

    private List<Inet4Address> lookUp(String host, Map<String, String> failures) {
        String why;
        try {
            List<Inet4Address> answer = resolver.resolve(host);
            if (!answer.isEmpty()) {
                List<Inet4Address> sorted = answer.stream().distinct().sorted((a, b) -> Ipv4Cidr.of(a).compareTo(Ipv4Cidr.of(b))).toList();
                lastGood.put(host, sorted);
                return sorted;
            }
            why = "no IPv4 address";
        } catch (IOException | RuntimeException e) {
            why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        List<Inet4Address> previous = lastGood.getOrDefault(host, List.of());
        failures.put(host, why + (previous.isEmpty() ? " (not reachable until it resolves)" : " (keeping the last good answer)"));
        return previous;
    }
}
