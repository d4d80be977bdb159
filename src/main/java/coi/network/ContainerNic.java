package coi.network;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The container's network identity as the host sees it. Every value is fixed before the
 * container starts, so the fence can be installed first, and the Incus NIC pins it:
 * the host-side veth gets a known name (bridge-level rules match on it) and the NIC drops frames
 * whose MAC or IPv4 source is not the container's own, so the address the host rules match on
 * cannot be changed or borrowed from inside. Its MAC address is pinned too, so that the fence can
 * refuse DHCP messages sent for any other client ({@link NftRuleset}).
 */
public record ContainerNic(String container, String hostInterface, Inet4Address address, String mac) {

    /** Linux interface names are at most 15 bytes. */
    private static final int IFNAMSIZ = 15;

    /** {@code mac} null: a NIC coi made before it pinned MAC addresses (Incus chose the MAC). */
    public ContainerNic {
        if (!container.matches("[A-Za-z][A-Za-z0-9-]{0,62}")) throw new IllegalArgumentException("not an Incus instance name: " + container);
        if (hostInterface.length() > IFNAMSIZ || !hostInterface.matches("[a-z0-9]+")) throw new IllegalArgumentException("bad host interface name: " + hostInterface);
        if (mac != null && !mac.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) throw new IllegalArgumentException("bad MAC address: " + mac);
    }

    /**
     * Chooses the container's address: a spot in the bridge subnet derived from the name (so the
     * same container tends to keep its address), moving on past the gateway, the network and
     * broadcast addresses and anything in {@code taken} (other instances' addresses and leases).
     */
    public static ContainerNic plan(String container, BridgeFacts bridge, Set<Inet4Address> taken) {
        Ipv4Cidr subnet = bridge.subnet();
        long hosts = subnet.size() - 2;
        long start = Integer.toUnsignedLong(ByteBuffer.wrap(sha256(container)).getInt()) % hosts;
        for (long i = 0; i < hosts; i++) {
            Inet4Address candidate = subnet.address(1 + (start + i) % hosts);
            if (!candidate.equals(bridge.gateway()) && !taken.contains(candidate)) {
                return new ContainerNic(container, hostInterfaceFor(container), candidate, macFor(container));
            }
        }
        throw new FenceException("no free IPv4 address left on bridge " + bridge.name() + " (" + subnet + "): every one is an instance's or"
                + " leased by the bridge's DHCP server (`incus network list-leases " + bridge.name() + "` and its dnsmasq.leases file say to whom)");
    }

    /**
     * A locally administered unicast MAC address from the name's hash, so the fence knows it before the container exists
     * (its DHCP rule matches on it) and a container made again under the same name has the same one.
     */
    public static String macFor(String container) {
        byte[] hash = sha256("mac:" + container);
        StringBuilder mac = new StringBuilder("0a");
        for (int i = 0; i < 5; i++) mac.append(':').append(HexFormat.of().toHexDigits(hash[i]));
        return mac.toString();
    }

    /** {@code coi} + 10 hex digits of the name's hash: unique enough, and short enough for IFNAMSIZ. */
    public static String hostInterfaceFor(String container) {
        return "coi" + HexFormat.of().formatHex(sha256(container), 0, 5);
    }

    /**
     * The {@code eth0} device for the instance-create request. Replaces the profile's eth0.
     * Same for every mode: the pinning never gets in the way of legitimate traffic.
     */
    public Map<String, String> device(BridgeFacts bridge) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("type", "nic");
        d.put("network", bridge.name());
        d.put("name", "eth0");
        d.put("host_name", hostInterface);
        d.put("ipv4.address", address.getHostAddress());
        if (mac != null) d.put("hwaddr", mac);
        d.put("security.mac_filtering", "true");
        d.put("security.ipv4_filtering", "true");
        // Without an IPv6 subnet on the bridge Incus then drops all IPv6 from the NIC; the fence
        // also drops it itself, for bridges that do route IPv6.
        d.put("security.ipv6_filtering", "true");
        // no frames between two containers on the bridge, whatever the host's rules say
        d.put("security.port_isolation", "true");
        return d;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
