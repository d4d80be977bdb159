package coi.network;

import java.net.Inet4Address;

/**
 * The managed Incus bridge the container's NIC plugs into, as read from the network's config
 * ({@code name}, {@code ipv4.address} = gateway/prefix).
 */
public record BridgeFacts(String name, Inet4Address gateway, Ipv4Cidr subnet) {

    public BridgeFacts {
        if (!subnet.contains(gateway)) throw new IllegalArgumentException("bridge address " + gateway.getHostAddress() + " is outside " + subnet);
        if (subnet.prefix() > 30) throw new IllegalArgumentException("bridge subnet " + subnet + " has no room for containers");
    }

    /** From the bridge's {@code ipv4.address} value, e.g. {@code 10.147.83.1/24}. */
    public static BridgeFacts of(String name, String ipv4Address) {
        if (!ipv4Address.contains("/")) throw new IllegalArgumentException("bridge " + name + " has no IPv4 subnet (ipv4.address=" + ipv4Address + ")");
        Ipv4Cidr withHost = Ipv4Cidr.parse(ipv4Address.substring(0, ipv4Address.indexOf('/')));
        Ipv4Cidr subnet = Ipv4Cidr.parse(ipv4Address);
        return new BridgeFacts(name, withHost.address(0), subnet);
    }
}
