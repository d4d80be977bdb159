package coi.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkPolicyTest {

    @Test
    void buildsEachModeFromConfigValues() {
        assertThat(NetworkPolicy.of("restricted", List.of(), 30)).isEqualTo(new NetworkPolicy.Restricted());
        assertThat(NetworkPolicy.of(" OPEN ", List.of(), 30)).isEqualTo(new NetworkPolicy.Open());
        var allow = (NetworkPolicy.Allowlist) NetworkPolicy.of("allowlist", List.of("GitHub.com.", "203.0.113.7", "198.51.100.0/24"), 5);
        assertThat(allow.entries()).containsExactly(new AllowEntry.Host("github.com"),
                new AllowEntry.Range(Ipv4Cidr.parse("203.0.113.7")), new AllowEntry.Range(Ipv4Cidr.parse("198.51.100.0/24")));
        assertThat(allow.refresh()).isEqualTo(Duration.ofMinutes(5));
        assertThat(allow.mode()).isEqualTo("allowlist");
    }

    @Test
    void explainsBadInput() {
        assertThatThrownBy(() -> NetworkPolicy.of("closed", List.of(), 30)).hasMessageContaining("use restricted, allowlist or open");
        assertThatThrownBy(() -> NetworkPolicy.of("allowlist", List.of(), 30)).hasMessageContaining("allowed_domains");
        assertThatThrownBy(() -> NetworkPolicy.of("allowlist", List.of("x"), 0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> AllowEntry.parse("evil.com\n1.2.3.4 bank.com")).hasMessageContaining("not a host name");
        assertThatThrownBy(() -> AllowEntry.parse("300.1.1.1")).isInstanceOf(IllegalArgumentException.class);
    }
}
