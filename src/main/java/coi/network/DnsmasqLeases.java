package coi.network;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The IPv4 addresses in the lease file of a bridge's dnsmasq, which Incus runs for every managed
 * bridge of a daemon on this machine ({@code <incus dir>/networks/<bridge>/dnsmasq.leases},
 * readable by anyone who knows the path).
 *
 * <p>Why the file and not only Incus's leases answer: the answer leaves out the leases of clients
 * Incus does not know, such as the MAC address root inside a container gave its NIC, or a client
 * that went while the daemon was down. dnsmasq still holds those addresses for their lease time
 * (an hour on Incus's bridges), and when a new container's NIC pins one of them, dnsmasq hands
 * that container another address from its range instead: the container then sends from an
 * address its NIC filter and the fence drop, so it has no network at all.
 *
 * <p>What is in the file is partly written by clients (their host names and client ids), so the
 * address column is taken only when it is a plain dotted quad; nothing in it is resolved.
 */
public final class DnsmasqLeases {
    private static final Pattern DOTTED_QUAD = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    /** More than any lease file of a /16 bridge: a larger file is not read. */
    private static final long MAX_BYTES = 16L << 20;

    private DnsmasqLeases() {}

    /**
     * The lease file of {@code bridge} for a daemon listening on {@code daemonAddress}, when that is a unix socket on this
     * machine; else empty. (Reading another bridge's file by mistake would only leave a few more addresses unused.)
     */
    public static Optional<Path> file(String daemonAddress, String bridge) {
        if (daemonAddress == null || !daemonAddress.startsWith("/") || !bridge.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) return Optional.empty();
        Path socket = Path.of(daemonAddress);
        return socket.getParent() == null ? Optional.empty() : Optional.of(socket.getParent().resolve("networks").resolve(bridge).resolve("dnsmasq.leases"));
    }

    /** The leased IPv4 addresses in {@code file}; none when it is missing, unreadable or too large. */
    public static Set<Inet4Address> read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                coi.Trace.mark("dnsmasq's lease file not read: larger than " + MAX_BYTES + " bytes");
                return Set.of();
            }
            return parse(Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (IOException | SecurityException unreadable) {
            coi.Trace.mark("dnsmasq's lease file not read: " + unreadable);
            return Set.of();
        }
    }

    /** dnsmasq's lines: {@code expiry mac address hostname client-id}; IPv6 leases and the DUID line have no dotted quad there. */
    static Set<Inet4Address> parse(String text) {
        Set<Inet4Address> addresses = new HashSet<>();
        for (String line : text.split("\n")) {
            String[] fields = line.strip().split("[ \t]+");
            if (fields.length < 3 || !DOTTED_QUAD.matcher(fields[2]).matches()) continue;
            try {
                addresses.add((Inet4Address) InetAddress.getByName(fields[2]));
            } catch (UnknownHostException notAnAddress) {
                throw new AssertionError("a dotted quad is a literal address: " + fields[2], notAnAddress);
            }
        }
        return addresses;
    }
}
