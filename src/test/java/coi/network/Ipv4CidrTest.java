package coi.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class Ipv4CidrTest {

    @Test
    void parsesAddressesAndPrefixesAndClearsHostBits() {
        assertThat(Ipv4Cidr.parse("203.0.113.10")).hasToString("203.0.113.10");
        assertThat(Ipv4Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
        assertThat(Ipv4Cidr.parse("255.255.255.255/32")).hasToString("255.255.255.255");
        assertThat(Ipv4Cidr.parse("0.0.0.0/0").size()).isEqualTo(1L << 32);
    }

    @Test
    void rejectsWhatIsNotIpv4() {
        for (String bad : List.of("256.1.1.1", "1.2.3", "1.2.3.4/33", "1.2.3.4/x", "a.b.c.d", "1..2.3", "::1")) {
            assertThatThrownBy(() -> Ipv4Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void mergeDropsCoveredPrefixesAndSorts() {
        var merged = Ipv4Cidr.merge(List.of(Ipv4Cidr.parse("203.0.113.10"), Ipv4Cidr.parse("198.51.100.0/24"),
                Ipv4Cidr.parse("203.0.113.0/24"), Ipv4Cidr.parse("198.51.100.7"), Ipv4Cidr.parse("203.0.113.0/24")));
        assertThat(merged).map(Ipv4Cidr::toString).containsExactly("198.51.100.0/24", "203.0.113.0/24");
    }

    @Test
    void addressesInsideAPrefix() {
        var net = Ipv4Cidr.parse("10.147.83.0/24");
        assertThat(net.address(1).getHostAddress()).isEqualTo("10.147.83.1");
        assertThat(net.contains(net.address(255))).isTrue();
        assertThatThrownBy(() -> net.address(256)).isInstanceOf(IllegalArgumentException.class);
    }
}
