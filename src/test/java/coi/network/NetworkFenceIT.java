package coi.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Proves the fence by traffic: real containers, real host rules, and test hosts in namespaces
 * ({@link TestHosts}). Every "blocked" verdict has a control showing the same target answers an
 * unfenced container, so a closed port means the fence, not a missing listener.
 */
@Tag("incus")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkFenceIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPEN = "coitest-net-open";

    private final NetworkFence fence = RootFence.of();
    private final TestContainers containers = new TestContainers();
    private BridgeFacts bridge;
    private TestHosts hosts;
    private ContainerNic openNic;
    private String gw, hostListener, hostOther;

    @BeforeAll
    void setUp() throws Exception {
        TestContainers.requireIncus();
        bridge = TestContainers.bridge(System.getProperty("coi.test.bridge", "incusbr0"));
        gw = bridge.gateway().getHostAddress();
        hostListener = gw + ":" + TestHosts.HOST_PORT;
        hostOther = TestHosts.HOST_OTHER + ":" + TestHosts.HOST_PORT;
        hosts = new TestHosts(gw);
        openNic = launch(OPEN, new NetworkPolicy.Open(), List.of());
        listen(OPEN);
    }

    @AfterAll
    void tearDown() {
        containers.close();
        for (String name : List.of(OPEN, "coitest-net-restricted", "coitest-net-allow", "coitest-net-bypass", "coitest-net-nofilter", "coitest-net-life", "coitest-net-ghost")) {
            fence.remove(name);
        }
        if (hosts != null) hosts.close();
    }

    @Test
    void openContainerReachesEverythingTheTestsUseAsBlockedTargets() {
        assertThat(fence.fenced()).doesNotContain(OPEN);
        var targets = new ArrayList<String>();
        TestHosts.INTERNET.forEach(a -> targets.add(a + ":80"));
        TestHosts.PRIVATE.forEach(a -> targets.add(a + ":80"));
        targets.addAll(List.of(hostListener, hostOther, gw + ":53"));
        assertThat(probe(OPEN, targets)).allSatisfy((t, open) -> assertThat(open).as(t).isTrue());
    }

    @Test
    void restrictedReachesTheInternetAndBridgeDnsButNoPrivateRangeHostOrSibling() throws Exception {
        String c = "coitest-net-restricted";
        ContainerNic nic = launch(c, new NetworkPolicy.Restricted(), List.of());
        long before = fence.blockedCount(c);
        // The NIC keys took effect on this kernel: our veth name, and Incus' own anti-spoofing filter on it.
        assertThat(Sh.must("incus", "config", "get", c, "volatile.eth0.host_name").strip()).isEqualTo(nic.hostInterface());
        assertThat(Sh.must("nft", "list", "table", "bridge", "incus"))
                .contains("iifname \"" + nic.hostInterface() + "\" ip saddr != " + nic.address().getHostAddress() + " drop")
                .contains("iifname \"" + nic.hostInterface() + "\" ether saddr != ");

        var targets = new ArrayList<String>();
        TestHosts.INTERNET.forEach(a -> targets.add(a + ":80"));
        TestHosts.PRIVATE.forEach(a -> targets.add(a + ":80"));
        targets.addAll(List.of(hostListener, hostOther, gw + ":53", openNic.address().getHostAddress() + ":80"));
        var result = probe(c, targets);

        TestHosts.INTERNET.forEach(a -> assertThat(result.get(a + ":80")).as("internet " + a).isTrue());
        TestHosts.PRIVATE.forEach(a -> assertThat(result.get(a + ":80")).as("private " + a).isFalse());
        assertThat(result.get(hostListener)).as("host service on the bridge address").isFalse();
        assertThat(result.get(hostOther)).as("host service on another host address").isFalse();
        assertThat(result.get(gw + ":53")).as("bridge DNS over TCP").isTrue();
        assertThat(result.get(openNic.address().getHostAddress() + ":80")).as("sibling container").isFalse();
        assertThat(inside(c, "dig +short +time=2 +tries=1 @" + gw + " _gateway.incus").out().strip()).as("bridge DNS over UDP").isEqualTo(gw);

        long blocked = fence.blockedCount(c) - before;
        // 5 private + 2 host rejects; the sibling is dropped at the bridge, which does not count.
        assertThat(blocked).isGreaterThanOrEqualTo(7);
        System.out.printf("[figures] restricted: %d targets probed, %d blocked attempts counted%n", targets.size(), blocked);

        listen(c);
        assertThat(probe(OPEN, List.of(nic.address().getHostAddress() + ":80"))).as("sibling -> fenced container").containsValue(false);
        try (var s = new Socket()) {
            s.connect(new InetSocketAddress(nic.address(), 80), 3000); // the host may still open connections to it
        }

    }

    @Test
    void allowlistReachesOnlyResolvedAndListedAddressesWithoutAnyDns() throws Exception {
        String c = "coitest-net-allow";
        var policy = (NetworkPolicy.Allowlist) NetworkPolicy.of("allowlist", List.of("allowed.test", "198.51.100.16/29", "192.168.77.10"), 30);
        ContainerNic nic = ContainerNic.plan(c, bridge, TestContainers.takenAddresses());
        containers.create(c, nic.device(bridge));
        var resolver = new AllowlistResolver(TestHosts.resolver());
        var refresher = new AllowlistRefresher(resolver, policy, r -> {
            fence.apply(nic, bridge, policy, r.addresses());
            pinHosts(c, r);
        });
        assertThat(refresher.start().failures()).isEmpty();
        containers.start(c);

        var result = probe(c, List.of("allowed.test:80", "198.51.100.10:80", "198.51.100.20:80",
                "198.51.100.11:80", "192.168.77.10:80", "169.254.169.254:80", gw + ":53", hostListener));
        assertThat(result).containsEntry("allowed.test:80", true).containsEntry("198.51.100.10:80", true)
                .containsEntry("198.51.100.20:80", true)
                .containsEntry("198.51.100.11:80", false).containsEntry("169.254.169.254:80", false)
                .containsEntry(gw + ":53", false).containsEntry(hostListener, false);
        assertThat(result.get("192.168.77.10:80")).as("listed, but private ranges are always blocked").isFalse();
        // No resolver to tunnel through: neither the bridge's nor the internet's.
        assertThat(inside(c, "dig +short +time=2 +tries=1 @" + gw + " _gateway.incus").code()).isNotZero();
        assertThat(inside(c, "dig +short +time=2 +tries=1 @" + TestHosts.DNS + " allowed.test").code()).isNotZero();
        assertThat(inside(c, "getent hosts allowed.test").out()).startsWith("198.51.100.10");
        assertThat(inside(c, "getent hosts other.test").code()).isNotZero();
        long counted = fence.blockedCount(c);
        assertThat(counted).isGreaterThanOrEqualTo(6);

        hosts.setAnswers("{\"allowed.test\": [\"198.51.100.11\"]}");
        refresher.refreshNow();
        assertThat(probe(c, List.of("allowed.test:80", "198.51.100.11:80", "198.51.100.10:80")))
                .containsEntry("allowed.test:80", true).containsEntry("198.51.100.11:80", true).containsEntry("198.51.100.10:80", false);
        assertThat(fence.blockedCount(c)).as("counter survives a refresh").isGreaterThan(counted);

        hosts.setAnswers("{\"allowed.test\": \"SERVFAIL\"}");
        var failed = refresher.refreshNow();
        assertThat(failed.failures()).containsKey("allowed.test");
        assertThat(probe(c, List.of("allowed.test:80"))).as("last good answer kept").containsEntry("allowed.test:80", true);
        System.out.printf("[figures] allowlist: %d blocked attempts counted%n", fence.blockedCount(c));
    }

    @Test
    void rootInsideCannotFlushRouteOrSpoofItsWayOut() throws Exception {
        String c = "coitest-net-bypass";
        ContainerNic nic = launch(c, new NetworkPolicy.Restricted(), List.of());
        String lan = "192.168.77.10", inet = "198.51.100.10";
        containers.installNft(c);

        inside(c, "nft flush ruleset && nft add table inet coi && nft delete table inet coi").orFail(List.of("nft inside"));
        assertThat(probe(c, List.of(lan + ":80", "169.254.169.254:80"))).as("after nft flush inside").containsOnlyKeys(lan + ":80", "169.254.169.254:80").doesNotContainValue(true);
        assertThat(fence.fenced()).contains(c);

        inside(c, "ip route add " + lan + "/32 dev eth0; ip route add 169.254.169.254/32 via " + gw + " onlink");
        assertThat(probe(c, List.of(lan + ":80", "169.254.169.254:80"))).as("with extra routes").doesNotContainValue(true);

        assertSpoofingFails(c, nic);
        var macSpoof = inside(c, "ip link set eth0 address 00:16:3e:12:34:56; ip route replace default via " + gw
                + "; nc -z -w 3 " + inet + " 80 && echo open || echo closed");
        assertThat(macSpoof.out().strip()).as("after changing its MAC").isEqualTo("closed");
    }

    /** The fence's own port chain, without the NIC's filters: spoofing must fail on the fence alone. */
    @Test
    void fenceAloneStopsSpoofingWhenTheNicHasNoFiltersOfItsOwn() throws Exception {
        String c = "coitest-net-nofilter";
        ContainerNic nic = launch(c, new NetworkPolicy.Restricted(), List.of(), false);
        assertThat(Sh.must("nft", "list", "table", "bridge", "incus")).doesNotContain(nic.hostInterface());
        // Before the address games below: flushing eth0 also removes its IPv6 link-local address.
        long before = bridgeCounter(c, NftRuleset.PORT);
        // Wait out duplicate address detection: a tentative link-local address cannot send yet.
        inside(c, "for i in $(seq 100); do ip -6 addr show dev eth0 scope link | grep -q inet6 && ! ip -6 addr show dev eth0 | grep -q tentative && break; sleep 0.1; done;"
                + " python3 -c \"import socket\nfor i in range(5): socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b'x', ('ff02::1%eth0', 9))\"").orFail(List.of("send ipv6"));
        assertThat(bridgeCounter(c, NftRuleset.PORT) - before).as("IPv6 frames dropped at the bridge port").isGreaterThanOrEqualTo(5);
        assertSpoofingFails(c, nic);
        // networkd stopped first: it would ask for a lease for the made-up MAC, which dnsmasq would then hold for an hour
        var macSpoof = inside(c, "systemctl stop systemd-networkd.socket systemd-networkd; ip link set eth0 address 00:16:3e:12:34:57; ip route replace default via " + gw
                + "; nc -z -w 3 192.168.77.10 80 && echo open || echo closed");
        assertThat(macSpoof.out().strip()).as("LAN after changing its MAC").isEqualTo("closed");
    }

    /** A second source address, then a changed address: neither reaches the internet nor the LAN. */
    private void assertSpoofingFails(String c, ContainerNic nic) throws Exception {
        String own = nic.address().getHostAddress();
        String spare = ContainerNic.plan("coitest-net-spare", bridge, TestContainers.takenAddresses()).address().getHostAddress();
        String lan = "192.168.77.10", inet = "198.51.100.10";
        var spoofed = inside(c, "ip addr add " + spare + "/24 dev eth0; for t in " + inet + " " + lan + "; do nc -s " + spare + " -z -w 3 $t 80 && echo open || echo closed; done; nc -s " + own + " -z -w 3 " + inet + " 80 && echo open || echo closed");
        assertThat(spoofed.out().lines().toList()).as("spoofed source: internet, lan; own source: internet").containsExactly("closed", "closed", "open");

        var moved = inside(c, "ip addr flush dev eth0; ip addr add " + spare + "/24 dev eth0; ip route replace default via " + gw
                + "; for t in " + inet + " " + lan + "; do nc -z -w 3 $t 80 && echo open || echo closed; done;"
                + " ip addr flush dev eth0; ip addr add " + own + "/24 dev eth0; ip route replace default via " + gw);
        assertThat(moved.out().lines().toList()).as("after changing its own address").containsExactly("closed", "closed");
    }

    @Test
    void rulesGoAwayOnRemoveAndOrphansAreFoundAndCleaned(@org.junit.jupiter.api.io.TempDir Path locks) throws Exception {
        String c = "coitest-net-life";
        ContainerNic nic = launch(c, new NetworkPolicy.Restricted(), List.of());
        assertThat(fence.fenced()).contains(c);
        assertThat(probe(c, List.of("192.168.77.10:80"))).containsValue(false);

        fence.remove(c);
        assertThat(fence.fenced()).doesNotContain(c);
        assertThat(Sh.must("nft", "list", "tables")).contains("table inet coi");
        assertThat(Sh.must("nft", "list", "table", "inet", "coi") + Sh.must("nft", "list", "table", "bridge", "coi")).doesNotContain(c + ".");
        assertThat(probe(c, List.of("192.168.77.10:80"))).as("rules gone, proven by traffic").containsValue(true);

        fence.apply(nic, bridge, new NetworkPolicy.Restricted(), List.of());
        var ghost = ContainerNic.plan("coitest-net-ghost", bridge, TestContainers.takenAddresses());
        fence.apply(ghost, bridge, new NetworkPolicy.Restricted(), List.of());
        containers.delete(c); // as if coi had been killed before it could clean up
        assertThat(fence.fenced()).contains(c, "coitest-net-ghost");
        var liveFenced = new java.util.TreeSet<>(fence.fenced());
        liveFenced.retainAll(TestContainers.existing());
        assertThat(liveFenced).as("fenced containers that are up").isNotEmpty();
        try (var incus = coi.testing.TestIncus.client()) {
            assertThat(new coi.session.Fencing(incus, fence).removeOrphans(locks)).as("`coi clean`").contains(c, "coitest-net-ghost")
                    .doesNotContainAnyElementsOf(liveFenced);
        }
        assertThat(fence.fenced()).doesNotContain(c, "coitest-net-ghost").containsAll(liveFenced);
    }

    @Test
    void failsClosedWithTheReason() throws Exception {
        var ghost = ContainerNic.plan("coitest-net-ghost", bridge, TestContainers.takenAddresses());
        assertThatThrownBy(() -> new NetworkFence(Nft.command(List.of("/nonexistent/nft"))).apply(ghost, bridge, new NetworkPolicy.Restricted(), List.of()))
                .isInstanceOf(FenceException.class)
                .hasMessageContaining("refusing to run it unfenced").hasMessageContaining("cannot run /nonexistent/nft");

        fence.apply(ghost, bridge, new NetworkPolicy.Restricted(), List.of());
        String rulesBefore = Sh.must("nft", "list", "chain", "inet", "coi", "coitest-net-ghost.fwd");
        Nft host = Nft.command(List.of("nft"));
        var sabotaged = new NetworkFence((stdin, args) -> host.run(stdin + "add rule inet coi no-such-chain accept\n", args));
        var policy = NetworkPolicy.of("allowlist", List.of("198.51.100.10"), 30);
        assertThatThrownBy(() -> sabotaged.apply(ghost, bridge, policy, List.of(Ipv4Cidr.parse("198.51.100.10"))))
                .isInstanceOf(FenceException.class).hasMessageContaining("No such file or directory");
        assertThat(Sh.must("nft", "list", "chain", "inet", "coi", "coitest-net-ghost.fwd")).as("failed transaction changed nothing").isEqualTo(rulesBefore);
        fence.remove("coitest-net-ghost");
    }

    private ContainerNic launch(String name, NetworkPolicy policy, List<Ipv4Cidr> allowed) throws Exception {
        return launch(name, policy, allowed, true);
    }

    private ContainerNic launch(String name, NetworkPolicy policy, List<Ipv4Cidr> allowed, boolean nicFilters) throws Exception {
        ContainerNic nic = ContainerNic.plan(name, bridge, TestContainers.takenAddresses());
        var device = new LinkedHashMap<>(nic.device(bridge));
        if (!nicFilters) device.keySet().removeIf(k -> k.startsWith("security."));
        containers.create(name, device);
        long t0 = System.nanoTime();
        fence.apply(nic, bridge, policy, allowed); // before the container's network exists
        System.out.printf("[figures] %s: fence applied in %d ms%n", name, (System.nanoTime() - t0) / 1_000_000);
        containers.start(name);
        return nic;
    }

    /** TCP connect from inside the container to each {@code host:port}; true when it connected. */
    private Map<String, Boolean> probe(String container, List<String> targets) {
        StringBuilder script = new StringBuilder();
        for (String t : targets) {
            String host = t.substring(0, t.lastIndexOf(':')), port = t.substring(t.lastIndexOf(':') + 1);
            script.append("if nc -z -w 3 ").append(host).append(' ').append(port).append(" 2>/dev/null; then echo 1; else echo 0; fi; ");
        }
        List<String> lines = inside(container, script.toString()).out().lines().toList();
        assertThat(lines).as("probe output").hasSize(targets.size());
        Map<String, Boolean> result = new LinkedHashMap<>();
        for (int i = 0; i < targets.size(); i++) result.put(targets.get(i), lines.get(i).equals("1"));
        System.out.printf("[figures] %s probes: %s%n", container, result);
        return result;
    }

    /** Runs a shell script as root in the container, after checking that test traffic cannot leave the machine. */
    private Sh.Result inside(String container, String script) {
        TestHosts.assertRoutedLocally();
        return containers.exec(container, script);
    }

    private void listen(String container) {
        inside(container, "setsid nc -lk 80 </dev/null >/dev/null 2>&1 &").orFail(List.of("listen in " + container));
    }

    private void pinHosts(String container, ResolvedAllowlist r) {
        try {
            Path f = Files.createTempFile("coitest-hosts", "");
            Files.writeString(f, "127.0.0.1 localhost\n::1 localhost\n" + r.hostsEntries());
            Sh.must("incus", "file", "push", f.toString(), container + "/etc/hosts");
            Files.delete(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private long bridgeCounter(String container, String chain) throws Exception {
        JsonNode doc = JSON.readTree(Sh.must("nft", "-j", "list", "chain", "bridge", NftRuleset.TABLE, NftRuleset.name(container, chain)));
        long packets = 0;
        for (JsonNode item : doc.path("nftables")) {
            for (JsonNode expr : item.path("rule").path("expr")) packets += expr.path("counter").path("packets").asLong();
        }
        return packets;
    }
}
