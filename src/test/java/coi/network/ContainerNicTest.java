package coi.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContainerNicTest {

    private final BridgeFacts bridge = BridgeFacts.of("incusbr0", "10.147.83.1/24");

    @Test
    void sameNameSameAddressAndHostInterface() {
        var a = ContainerNic.plan("coi-1a2b3c4d-1", bridge, Set.of());
        assertThat(ContainerNic.plan("coi-1a2b3c4d-1", bridge, Set.of())).isEqualTo(a);
        assertThat(bridge.subnet().contains(a.address())).isTrue();
        assertThat(a.hostInterface()).matches("coi[0-9a-f]{10}").hasSizeLessThanOrEqualTo(15);
        assertThat(ContainerNic.plan("coi-1a2b3c4d-2", bridge, Set.of()).hostInterface()).isNotEqualTo(a.hostInterface());
    }

    @Test
    void skipsTakenAddressesGatewayNetworkAndBroadcast() {
        var small = BridgeFacts.of("br", "192.0.2.1/29");
        Set<Inet4Address> taken = new HashSet<>();
        for (int i = 0; i < 5; i++) taken.add(ContainerNic.plan("c" + i, small, taken).address());
        assertThat(taken).extracting(Inet4Address::getHostAddress)
                .containsExactlyInAnyOrder("192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6");
        assertThatThrownBy(() -> ContainerNic.plan("c5", small, taken)).isInstanceOf(FenceException.class).hasMessageContaining("no free IPv4");
    }

    @Test
    void deviceConfigPinsAddressInterfaceAndFilters() {
        var nic = ContainerNic.plan("coi-1a2b3c4d-1", bridge, Set.of());
        assertThat(nic.device(bridge)).containsEntry("type", "nic").containsEntry("network", "incusbr0").containsEntry("name", "eth0")
                .containsEntry("host_name", nic.hostInterface()).containsEntry("ipv4.address", nic.address().getHostAddress())
                .containsEntry("security.mac_filtering", "true").containsEntry("security.ipv4_filtering", "true")
                .containsEntry("security.ipv6_filtering", "true").containsEntry("hwaddr", nic.mac());
    }

    @Test
    void theMacIsALocallyAdministeredUnicastAddressOfTheName() {
        String mac = ContainerNic.plan("coi-1a2b3c4d-1", bridge, Set.of()).mac();
        assertThat(mac).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}").isEqualTo(ContainerNic.macFor("coi-1a2b3c4d-1"));
        int first = Integer.parseInt(mac.substring(0, 2), 16);
        assertThat(first & 0b10).as("locally administered").isNotZero();
        assertThat(first & 0b01).as("unicast").isZero();
        assertThat(ContainerNic.macFor("coi-1a2b3c4d-2")).isNotEqualTo(mac);
        assertThatThrownBy(() -> new ContainerNic("c", "coiabc", bridge.gateway(), "0A:01:02:03:04:05")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new ContainerNic("c", "coiabc", bridge.gateway(), null).device(bridge)).doesNotContainKey("hwaddr");
    }

    @Test
    void rejectsNamesThatWouldBreakNftIdentifiers() {
        assertThatThrownBy(() -> ContainerNic.plan("bad.name", bridge, Set.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ContainerNic.plan("x; flush ruleset", bridge, Set.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
