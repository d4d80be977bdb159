package coi.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class NftRulesetTest {

    private final BridgeFacts bridge = BridgeFacts.of("incusbr0", "10.147.83.1/24");
    private final ContainerNic nic = new ContainerNic("coi-1a2b3c4d-1", "coi0123456789", addr("10.147.83.50"), "0a:01:02:03:04:05");

    @Test
    void restrictedBlocksPrivateRangesAndTheHostButLetsDnsAndDhcpThrough() {
        String s = NftRuleset.apply(nic, bridge, new NetworkPolicy.Restricted(), List.of());
        assertThat(s).contains("add chain inet coi coi-1a2b3c4d-1.fwd { type filter hook forward priority filter - 5 ; policy accept ; }")
                .contains("add rule inet coi coi-1a2b3c4d-1.fwd ip saddr 10.147.83.50 ip daddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16 } counter name coi-1a2b3c4d-1.blocked reject with icmpx admin-prohibited")
                .contains("add rule inet coi coi-1a2b3c4d-1.in ip saddr 10.147.83.50 ip daddr 10.147.83.1 meta l4proto { tcp, udp } th dport 53 counter name coi-1a2b3c4d-1.dns accept")
                .contains("add rule inet coi coi-1a2b3c4d-1.in ip saddr 10.147.83.50 iifname \"incusbr0\" udp dport 67 accept")
                .contains("add rule bridge coi coi-1a2b3c4d-1.port iifname \"coi0123456789\" ether type != { ip, arp } counter drop\n")
                .contains("add rule bridge coi coi-1a2b3c4d-1.port iifname \"coi0123456789\" ip saddr != 10.147.83.50 counter drop\n")
                .contains("add rule bridge coi coi-1a2b3c4d-1.port iifname \"coi0123456789\" arp saddr ip != { 10.147.83.50, 0.0.0.0 } counter drop\n")
                .contains("add rule bridge coi coi-1a2b3c4d-1.l2 iifname \"coi0123456789\" counter drop\n")
                .doesNotContain("@coi-1a2b3c4d-1.allow");
        // The last rule of the input chain rejects everything else addressed to the host.
        assertThat(lines(s, ".in ")).last().asString().endsWith("ip saddr 10.147.83.50 counter name coi-1a2b3c4d-1.blocked reject with icmpx admin-prohibited");
    }

    @Test
    void allowlistHasNoDnsAndOnlyTheMergedAddresses() {
        var policy = NetworkPolicy.of("allowlist", List.of("example.test"), 30);
        String s = NftRuleset.apply(nic, bridge, policy, List.of(Ipv4Cidr.parse("203.0.113.10"), Ipv4Cidr.parse("203.0.113.0/24"), Ipv4Cidr.parse("198.51.100.7")));
        assertThat(s).contains("add element inet coi coi-1a2b3c4d-1.allow { 198.51.100.7, 203.0.113.0/24 }")
                .doesNotContain("dport 53");
        var fwd = lines(s, "add rule inet coi coi-1a2b3c4d-1.fwd ");
        assertThat(fwd).hasSize(4);
        assertThat(fwd.get(1)).contains("ip daddr { 10.0.0.0/8"); // private before the allowlist: an allowed 10.x stays blocked
        assertThat(fwd.get(2)).endsWith("ip daddr @coi-1a2b3c4d-1.allow accept");
        assertThat(fwd.get(3)).endsWith("ip saddr 10.147.83.50 counter name coi-1a2b3c4d-1.blocked reject with icmpx admin-prohibited");
    }

    @Test
    void emptyAllowlistRendersAnEmptySet() {
        String s = NftRuleset.apply(nic, bridge, NetworkPolicy.of("allowlist", List.of("unresolvable.test"), 30), List.of());
        assertThat(s).contains("add set inet coi coi-1a2b3c4d-1.allow").doesNotContain("add element");
    }

    @Test
    void everyInetRuleMatchesOnlyTheContainersSource() {
        String s = NftRuleset.apply(nic, bridge, NetworkPolicy.of("allowlist", List.of("a.test"), 30), List.of(Ipv4Cidr.parse("203.0.113.10")));
        assertThat(lines(s, "add rule inet ")).isNotEmpty().allMatch(l -> l.contains(" ip saddr 10.147.83.50 ") || l.contains(" ether saddr 0a:01:02:03:04:05 "));
    }

    @Test
    void dhcpIsForTheContainersOwnMacOnlyBeforeAnythingIsAcceptedAndNotCheckedForANicWithoutAPinnedMac() {
        String s = NftRuleset.apply(nic, bridge, new NetworkPolicy.Restricted(), List.of());
        List<String> port = lines(s, "add rule bridge coi coi-1a2b3c4d-1.port ");
        List<String> in = lines(s, "add rule inet coi coi-1a2b3c4d-1.in ");
        assertThat(port).contains("add rule bridge coi coi-1a2b3c4d-1.port iifname \"coi0123456789\" ether saddr != 0a:01:02:03:04:05 counter drop",
                "add rule bridge coi coi-1a2b3c4d-1.port iifname \"coi0123456789\" udp dport 67 @th,64,24 != 0x010106 counter drop",
                "add rule bridge coi coi-1a2b3c4d-1.port iifname \"coi0123456789\" udp dport 67 @th,288,48 != 0x0a0102030405 counter drop",
                "add rule bridge coi coi-1a2b3c4d-1.port iifname \"coi0123456789\" udp dport 67 udp length > 479 counter drop");
        assertThat(port.indexOf(port.stream().filter(l -> l.contains("@th,288,48")).findFirst().orElseThrow()))
                .isLessThan(port.indexOf(port.stream().filter(l -> l.contains("0.0.0.0 udp dport 67 accept")).findFirst().orElseThrow()));
        String dhcp = "add rule inet coi coi-1a2b3c4d-1.in iifname \"incusbr0\" ether saddr 0a:01:02:03:04:05 udp dport 67 ";
        assertThat(in.subList(0, 3)).containsExactly(dhcp + "@th,64,24 != 0x010106 counter name coi-1a2b3c4d-1.blocked drop",
                dhcp + "@th,288,48 != 0x0a0102030405 counter name coi-1a2b3c4d-1.blocked drop",
                dhcp + "udp length > 479 counter name coi-1a2b3c4d-1.blocked drop");

        ContainerNic unpinned = new ContainerNic(nic.container(), nic.hostInterface(), nic.address(), null);
        assertThat(NftRuleset.apply(unpinned, bridge, new NetworkPolicy.Restricted(), List.of())).doesNotContain("ether saddr", "@th");
    }

    @Test
    void applyReplacesEverythingButTheCounter() {
        String s = NftRuleset.apply(nic, bridge, new NetworkPolicy.Restricted(), List.of());
        assertThat(s).contains("delete chain inet coi coi-1a2b3c4d-1.fwd", "delete chain inet coi coi-1a2b3c4d-1.in", "delete set inet coi coi-1a2b3c4d-1.allow")
                .doesNotContain("delete counter");
        assertThat(s.indexOf("delete chain inet coi coi-1a2b3c4d-1.fwd")).isLessThan(s.indexOf("delete set"));
    }

    @Test
    void openMeansNoRulesAtAll() {
        assertThat(NftRuleset.apply(nic, bridge, new NetworkPolicy.Open(), List.of())).isEqualTo(NftRuleset.remove("coi-1a2b3c4d-1"));
    }

    @Test
    void removeDeletesEveryObjectEvenIfAbsent() {
        String s = NftRuleset.remove("coi-1a2b3c4d-1");
        for (String obj : List.of("chain inet coi coi-1a2b3c4d-1.fwd", "chain inet coi coi-1a2b3c4d-1.in", "set inet coi coi-1a2b3c4d-1.allow",
                "counter inet coi coi-1a2b3c4d-1.blocked", "counter inet coi coi-1a2b3c4d-1.dns", "chain bridge coi coi-1a2b3c4d-1.l2", "chain bridge coi coi-1a2b3c4d-1.port")) {
            assertThat(s).as(obj).contains("add " + obj).contains("delete " + obj);
            assertThat(s.indexOf("add " + obj)).isLessThan(s.indexOf("delete " + obj));
        }
    }

    @Test
    void objectNamesLeadBackToTheContainer() {
        assertThat(NftRuleset.containerOf("coi-1a2b3c4d-1.fwd")).contains("coi-1a2b3c4d-1");
        assertThat(NftRuleset.containerOf("someone-elses-chain")).isEmpty();
    }

    private static List<String> lines(String script, String containing) {
        return script.lines().filter(l -> l.contains(containing)).toList();
    }

    static Inet4Address addr(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
