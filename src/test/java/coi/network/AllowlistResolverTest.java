package coi.network;

import static coi.network.NftRulesetTest.addr;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllowlistResolverTest {

    private final Map<String, List<Inet4Address>> dns = new HashMap<>();
    private final AllowlistResolver resolver = new AllowlistResolver(host -> {
        List<Inet4Address> answer = dns.get(host);
        if (answer == null) throw new IOException("SERVFAIL");
        return answer;
    });
    private final List<AllowEntry> entries = List.of(AllowEntry.parse("api.test"), AllowEntry.parse("198.51.100.0/24"), AllowEntry.parse("cdn.test"));

    @Test
    void resolvesNamesAndKeepsRanges() {
        dns.put("api.test", List.of(addr("203.0.113.20"), addr("203.0.113.10"), addr("203.0.113.10")));
        dns.put("cdn.test", List.of(addr("198.51.100.9")));
        var r = resolver.resolve(entries);
        assertThat(r.addresses()).map(Ipv4Cidr::toString).containsExactly("198.51.100.0/24", "203.0.113.10", "203.0.113.20");
        assertThat(r.failures()).isEmpty();
        assertThat(r.hostsEntries()).isEqualTo("203.0.113.10 api.test\n203.0.113.20 api.test\n198.51.100.9 cdn.test\n");
    }

    @Test
    void keepsTheLastGoodAnswerWhenResolutionFails() {
        dns.put("api.test", List.of(addr("203.0.113.10")));
        dns.put("cdn.test", List.of(addr("203.0.113.30")));
        resolver.resolve(entries);
        dns.clear();
        var r = resolver.resolve(entries);
        assertThat(r.addresses()).map(Ipv4Cidr::toString).containsExactly("198.51.100.0/24", "203.0.113.10", "203.0.113.30");
        assertThat(r.failures()).containsEntry("api.test", "SERVFAIL (keeping the last good answer)");
        dns.put("api.test", List.of());
        assertThat(resolver.resolve(entries).failures()).containsEntry("api.test", "no IPv4 address (keeping the last good answer)");
    }

    @Test
    void aNameThatNeverResolvedIsSimplyNotAllowed() {
        var r = resolver.resolve(entries);
        assertThat(r.addresses()).map(Ipv4Cidr::toString).containsExactly("198.51.100.0/24");
        assertThat(r.hostsEntries()).isEmpty();
        assertThat(r.failures()).containsEntry("cdn.test", "SERVFAIL (not reachable until it resolves)");
    }

    @Test
    void refresherReappliesOnlyWhenTheAnswerChanges() {
        dns.put("api.test", List.of(addr("203.0.113.10")));
        dns.put("cdn.test", List.of(addr("203.0.113.30")));
        List<ResolvedAllowlist> applied = new ArrayList<>();
        var policy = (NetworkPolicy.Allowlist) NetworkPolicy.of("allowlist", List.of("api.test", "198.51.100.0/24", "cdn.test"), 30);
        var refresher = new AllowlistRefresher(resolver, policy, applied::add);
        refresher.start();
        refresher.refreshNow();
        dns.put("api.test", List.of(addr("203.0.113.11")));
        refresher.refreshNow();
        dns.remove("cdn.test");
        refresher.refreshNow(); // failure: last good answer, nothing to re-apply
        assertThat(applied).hasSize(2);
        assertThat(applied.get(1).addresses()).map(Ipv4Cidr::toString).containsExactly("198.51.100.0/24", "203.0.113.11", "203.0.113.30");
    }

    @Test
    void tickedRefreshesComeOncePerIntervalAndAFirstAnswerWithFailuresKeepsTheRulesInForce() {
        dns.put("api.test", List.of(addr("203.0.113.10")));
        List<ResolvedAllowlist> applied = new ArrayList<>();
        var policy = (NetworkPolicy.Allowlist) NetworkPolicy.of("allowlist", List.of("api.test", "cdn.test"), 30);
        // taking over a running container: the rules in force are not known, a partial answer must not replace them
        var refresher = new AllowlistRefresher(resolver, policy, applied::add);
        java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        assertThat(refresher.tick(t0)).as("the first tick only sets the clock").isFalse();
        assertThat(refresher.tick(t0.plusSeconds(29 * 60))).isFalse();
        assertThat(refresher.tick(t0.plusSeconds(30 * 60))).as("cdn.test fails: nothing applied").isFalse();
        assertThat(applied).isEmpty();
        dns.put("cdn.test", List.of(addr("203.0.113.30")));
        assertThat(refresher.tick(t0.plusSeconds(31 * 60))).as("not due again yet").isFalse();
        assertThat(refresher.tick(t0.plusSeconds(60 * 60))).isTrue();
        assertThat(refresher.tick(t0.plusSeconds(90 * 60))).as("the same answer").isFalse();
        assertThat(applied).singleElement().satisfies(r ->
                assertThat(r.addresses()).map(Ipv4Cidr::toString).containsExactly("203.0.113.10", "203.0.113.30"));
    }
}
