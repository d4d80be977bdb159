package coi.network;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Renders the host firewall for one container as an {@code nft -f} script. Pure: no I/O.
 *
 * <p>Everything lives in two tables of our own, {@code inet coi} and {@code bridge coi}, in objects
 * named {@code <container>.<role>} (Incus names cannot contain dots), so that removal is exact
 * and orphans are found by name. Each container gets its own base chains rather than jumps from a
 * shared chain: dropping a container is then a few {@code delete} commands, no rule handles.
 *
 * <ul>
 *   <li>{@code inet coi <c>.fwd} (forward hook): the container's routed traffic. Every rule
 *       matches the container's source address, which its NIC pins ({@link ContainerNic}).
 *   <li>{@code inet coi <c>.in} (input hook): traffic to the host itself, on any of its addresses.
 *   <li>{@code inet coi <c>.allow}: the allowlist's resolved addresses (interval set).
 *   <li>{@code inet coi <c>.blocked}: named counter on every reject, so blocked attempts survive
 *       an allowlist refresh (the script re-creates chains and set, never the counter).
 *   <li>{@code inet coi <c>.dns}: named counter on the accepted DNS packets (restricted mode), which
 *       the monitor reads to notice a DNS tunnel by its volume.
 *   <li>{@code bridge coi <c>.l2} (bridge forward hook): frames between the container and other
 *       bridge ports. Container-to-container traffic is switched, not routed, so the inet hooks
 *       only see it when br_netfilter happens to be loaded; this chain makes it independent of that.
 *   <li>{@code bridge coi <c>.port} (bridge prerouting): what may enter from the container's port
 *       at all. IPv4 and ARP only from the container's own address (DHCP from 0.0.0.0 aside) and,
 *       when its MAC address is pinned, frames only from that MAC and DHCP only for it, so
 *       the source address the inet chains match on cannot be forged even if the NIC's own
 *       filters ({@link ContainerNic#device}) were missing. No IPv6 and no other ether types:
 *       IPv6 is switched off from outside instead of filtered, simpler, and root inside cannot
 *       turn it back on.
 * </ul>
 *
 * DNS: restricted mode lets the container use the bridge's DNS (internet is allowed anyway, so a
 * DNS tunnel gains nothing). Allowlist mode gives it no DNS at all: names are resolved on the
 * host and pinned in the container's /etc/hosts, so there is no resolver to tunnel through.
 *
 * <p>Rejects use {@code icmpx admin-prohibited}: a blocked connect fails at once ("No route to
 * host") instead of hanging until a timeout. nft 1.0.6 (Debian 12) takes no quoted names and has
 * no {@code destroy}; "add then delete" is the idempotent delete it does have.
 */
public final class NftRuleset {

    public static final String TABLE = "coi";
    static final String FORWARD = "fwd", INPUT = "in", ALLOW = "allow", BLOCKED = "blocked", DNS = "dns", L2 = "l2", PORT = "port";
    static final List<String> INET_CHAINS = List.of(FORWARD, INPUT), BRIDGE_CHAINS = List.of(L2, PORT);
    private static final String REJECT = "counter name %s reject with icmpx admin-prohibited";
    private static final String SET_TYPE = "{ type ipv4_addr ; flags interval ; }";

    private NftRuleset() {}

    /** Replaces the container's rules with those for {@code policy}, in one atomic transaction. */
    public static String apply(ContainerNic nic, BridgeFacts bridge, NetworkPolicy policy, Collection<Ipv4Cidr> allowed) {
        if (policy instanceof NetworkPolicy.Open) return remove(nic.container());
        String c = nic.container();
        String src = "ip saddr " + nic.address().getHostAddress() + " ";
        String reject = REJECT.formatted(name(c, BLOCKED));
        var s = new Script();
        s.add("add table inet " + TABLE);
        s.add("add counter inet " + TABLE + " " + name(c, BLOCKED));
        s.add("add counter inet " + TABLE + " " + name(c, DNS));
        deleteChainsAndSet(s, c);

        s.add(baseChain("inet", c, FORWARD, "forward"));
        s.rule("inet", c, FORWARD, src + "ct state established,related accept");
        s.rule("inet", c, FORWARD, src + "ip daddr " + elements(Ipv4Cidr.PRIVATE) + " " + reject);
        if (policy instanceof NetworkPolicy.Allowlist) {
            List<Ipv4Cidr> merged = Ipv4Cidr.merge(allowed);
            s.add("add set inet " + TABLE + " " + name(c, ALLOW) + " " + SET_TYPE);
            if (!merged.isEmpty()) s.add("add element inet " + TABLE + " " + name(c, ALLOW) + " " + elements(merged));
            s.rule("inet", c, FORWARD, src + "ip daddr @" + name(c, ALLOW) + " accept");
            s.rule("inet", c, FORWARD, src + reject);
        }

        s.add(baseChain("inet", c, INPUT, "input"));
        // the bridge chain's DHCP rules again, on what the host reassembled: a message split so that its first fragment
        // ends before the client's MAC is checked here whole (its frames all come from the container's pinned MAC)
        if (nic.mac() != null) {
            for (String notOwn : notOwnDhcp(nic)) {
                s.rule("inet", c, INPUT, "iifname \"" + bridge.name() + "\" ether saddr " + nic.mac() + " udp dport 67 " + notOwn
                        + " counter name " + name(c, BLOCKED) + " drop");
            }
        }
        s.rule("inet", c, INPUT, src + "ct state established,related accept");
        s.rule("inet", c, INPUT, src + "iifname \"" + bridge.name() + "\" udp dport 67 accept");
        if (policy instanceof NetworkPolicy.Restricted) {
            s.rule("inet", c, INPUT, src + "ip daddr " + bridge.gateway().getHostAddress() + " meta l4proto { tcp, udp } th dport 53 counter name " + name(c, DNS) + " accept");
        }
        s.rule("inet", c, INPUT, src + reject);

        String port = "\"" + nic.hostInterface() + "\"";
        s.add("add table bridge " + TABLE);
        s.add(baseChain("bridge", c, L2, "forward"));
        s.rule("bridge", c, L2, "iifname " + port + " counter drop");
        s.rule("bridge", c, L2, "oifname " + port + " counter drop");
        String own = nic.address().getHostAddress();
        s.add(baseChain("bridge", c, PORT, "prerouting"));
        s.rule("bridge", c, PORT, "iifname " + port + " ether type != { ip, arp } counter drop");
        if (nic.mac() != null) {
            s.rule("bridge", c, PORT, "iifname " + port + " ether saddr != " + nic.mac() + " counter drop");
            // DHCP only for its own MAC: root inside could otherwise have the bridge's dnsmasq lease every free address to
            // made-up clients for an hour, or give back another container's lease
            for (String notOwn : notOwnDhcp(nic)) s.rule("bridge", c, PORT, "iifname " + port + " udp dport 67 " + notOwn + " counter drop");
        }
        s.rule("bridge", c, PORT, "iifname " + port + " ip saddr 0.0.0.0 udp dport 67 accept");
        s.rule("bridge", c, PORT, "iifname " + port + " ip saddr != " + own + " counter drop");
        // 0.0.0.0 is the sender of RFC 5227 address probes, which DHCP clients send.
        s.rule("bridge", c, PORT, "iifname " + port + " arp saddr ip != { " + own + ", 0.0.0.0 } counter drop");
        return s.toString();
    }

    /**
     * The largest UDP datagram to the DHCP server a fenced container may send: 8 bytes of header and 471 of message (clients
     * send about 300). One of 480 or more could carry a second message of the 236 bytes dnsmasq reads at least, sent as one
     * UDP GSO packet that the host splits only after its rules looked at the first message.
     */
    static final int DHCP_MAX_UDP_LENGTH = 479;

    /**
     * What makes a datagram to the DHCP server (UDP port 67) not a request of the NIC's own client, each to be dropped: not
     * op 1 (a request) from hardware type 1 (Ethernet) with a 6-byte address (dnsmasq takes a client of another type or
     * length for another client), a client address (chaddr, 28 bytes into the message) other than the NIC's MAC, or a
     * length that could hold a second message.
     */
    private static List<String> notOwnDhcp(ContainerNic nic) {
        return List.of("@th,64,24 != 0x010106", "@th,288,48 != 0x" + nic.mac().replace(":", ""), "udp length > " + DHCP_MAX_UDP_LENGTH);
    }

    /** Removes every object of the container; succeeds whether or not they exist. */
    public static String remove(String container) {
        var s = new Script();
        s.add("add table inet " + TABLE);
        deleteChainsAndSet(s, container);
        for (String counter : List.of(BLOCKED, DNS)) {
            s.add("add counter inet " + TABLE + " " + name(container, counter));
            s.add("delete counter inet " + TABLE + " " + name(container, counter));
        }
        s.add("add table bridge " + TABLE);
        for (String chain : BRIDGE_CHAINS) {
            s.add("add chain bridge " + TABLE + " " + name(container, chain));
            s.add("delete chain bridge " + TABLE + " " + name(container, chain));
        }
        return s.toString();
    }

    /** The container an object of our tables belongs to, from its name. */
    public static Optional<String> containerOf(String objectName) {
        int dot = objectName.lastIndexOf('.');
        return dot > 0 ? Optional.of(objectName.substring(0, dot)) : Optional.empty();
    }

    static String name(String container, String role) {
        return container + "." + role;
    }

    // Chains before the set: the chain's rules reference it.
    private static void deleteChainsAndSet(Script s, String c) {
        for (String chain : INET_CHAINS) {
            s.add("add chain inet " + TABLE + " " + name(c, chain));
            s.add("delete chain inet " + TABLE + " " + name(c, chain));
        }
        s.add("add set inet " + TABLE + " " + name(c, ALLOW) + " " + SET_TYPE);
        s.add("delete set inet " + TABLE + " " + name(c, ALLOW));
    }

    // Priority "filter - 5": before the Incus bridge chains. Order does not matter for safety (a
    // drop in any base chain is final); it only makes our verdict the one that shows up first.
    private static String baseChain(String family, String c, String role, String hook) {
        return "add chain " + family + " " + TABLE + " " + name(c, role)
                + " { type filter hook " + hook + " priority filter - 5 ; policy accept ; }";
    }

    private static String elements(Collection<Ipv4Cidr> cidrs) {
        return cidrs.stream().map(Ipv4Cidr::toString).collect(Collectors.joining(", ", "{ ", " }"));
    }

    private static final class Script {
        private final StringBuilder text = new StringBuilder();

        void add(String line) {
            text.append(line).append('\n');
        }

        void rule(String family, String c, String chain, String rule) {
            add("add rule " + family + " " + TABLE + " " + name(c, chain) + " " + rule);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
