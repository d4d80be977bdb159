package coi.network;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * An IPv4 prefix such as {@code 10.0.0.0/8}; a single address is a /32. Kept as an int so that
 * containment and merging are plain bit arithmetic, and the address is always the network address.
 */
public record Ipv4Cidr(int network, int prefix) implements Comparable<Ipv4Cidr> {

    /** Ranges a fenced container may never reach: RFC 1918, carrier-grade NAT, link-local (cloud metadata). */
    public static final List<Ipv4Cidr> PRIVATE = List.of(
            parse("10.0.0.0/8"), parse("172.16.0.0/12"), parse("192.168.0.0/16"),
            parse("100.64.0.0/10"), parse("169.254.0.0/16"));

    public Ipv4Cidr {
        if (prefix < 0 || prefix > 32) throw new IllegalArgumentException("IPv4 prefix length must be 0..32: " + prefix);
        network &= mask(prefix);
    }

    /** Parses {@code a.b.c.d} or {@code a.b.c.d/n}; host bits are cleared. Names are rejected, never resolved. */
    public static Ipv4Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        int prefix;
        try {
            prefix = slash < 0 ? 32 : Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an IPv4 address or CIDR: " + text);
        }
        String[] parts = addr.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("not an IPv4 address or CIDR: " + text);
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address or CIDR: " + text);
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) throw new IllegalArgumentException("not an IPv4 address or CIDR: " + text);
            value = value << 8 | octet;
        }
        return new Ipv4Cidr(value, prefix);
    }

    public static boolean looksLike(String text) {
        return text.strip().matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?");
    }

    public static Ipv4Cidr of(Inet4Address address) {
        byte[] b = address.getAddress();
        return new Ipv4Cidr((b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff), 32);
    }

    /** The address at {@code offset} inside this prefix (0 is the network address). */
    public Inet4Address address(long offset) {
        if (offset < 0 || offset >= size()) throw new IllegalArgumentException(offset + " is outside " + this);
        int v = network + (int) offset;
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public long size() {
        return 1L << (32 - prefix);
    }

    public boolean contains(Ipv4Cidr other) {
        return other.prefix >= prefix && (other.network & mask(prefix)) == network;
    }

    public boolean contains(Inet4Address address) {
        return contains(of(address));
    }

    /**
     * Drops prefixes covered by another one. nft refuses overlapping elements in an interval set,
     * and an allowlist easily lists both a CIDR and a host inside it.
     */
    public static List<Ipv4Cidr> merge(Collection<Ipv4Cidr> cidrs) {
        List<Ipv4Cidr> sorted = new ArrayList<>(cidrs);
        sorted.sort((a, b) -> Integer.compare(a.prefix(), b.prefix()));   // not Comparator.comparingInt, whose lambda no AOT cache keeps
        List<Ipv4Cidr> kept = new ArrayList<>();
        for (Ipv4Cidr c : sorted) {
            if (kept.stream().noneMatch(k -> k.contains(c))) kept.add(c);
        }
        kept.sort(null);
        return List.copyOf(kept);
    }

    @Override
    public int compareTo(Ipv4Cidr o) {
        int byNetwork = Integer.compareUnsigned(network, o.network);
        return byNetwork != 0 ? byNetwork : Integer.compare(prefix, o.prefix);
    }

    /** {@code a.b.c.d} for a /32, {@code a.b.c.d/n} otherwise: the form nft prints and accepts. */
    @Override
    public String toString() {
        String addr = (network >>> 24) + "." + (network >>> 16 & 0xff) + "." + (network >>> 8 & 0xff) + "." + (network & 0xff);
        return prefix == 32 ? addr : addr + "/" + prefix;
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }
}
