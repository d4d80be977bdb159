package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InstanceStateTest {
    static Model.InstanceState state(String json) {
        return Json.convert(Json.parse(json.replace('\'', '"').getBytes()), Model.InstanceState.class);
    }

    @Test
    void theAddressIsEth0sEvenWhenDockersBridgeComesFirst() {
        var s = state("{'network': {"
                + "'docker0': {'addresses': [{'family': 'inet', 'address': '172.17.0.1', 'scope': 'global'}]},"
                + "'lo': {'addresses': [{'family': 'inet', 'address': '127.0.0.1', 'scope': 'local'}]},"
                + "'eth0': {'addresses': [{'family': 'inet6', 'address': 'fe80::1', 'scope': 'link'},"
                + "                       {'family': 'inet', 'address': '10.147.83.20', 'scope': 'global'}]}}}");
        assertThat(s.ipv4()).isEqualTo("10.147.83.20");
    }

    @Test
    void eth0WithoutALeaseHasNoAddressYet() {
        var s = state("{'network': {'docker0': {'addresses': [{'family': 'inet', 'address': '172.17.0.1', 'scope': 'global'}]},"
                + "'eth0': {'addresses': []}}}");
        assertThat(s.ipv4()).as("not Docker's bridge while eth0 waits for DHCP").isNull();
    }

    @Test
    void aContainerWithoutEth0FallsBackToItsOtherInterfaces() {
        var s = state("{'network': {'lo': {'addresses': [{'family': 'inet', 'address': '127.0.0.1', 'scope': 'local'}]},"
                + "'enp5s0': {'addresses': [{'family': 'inet', 'address': '10.0.0.5', 'scope': 'global'}]}}}");
        assertThat(s.ipv4()).isEqualTo("10.0.0.5");
    }
}
