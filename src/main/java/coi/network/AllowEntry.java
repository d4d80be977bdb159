package coi.network;

import java.util.Locale;

/** One item of {@code allowed_domains}: a host name resolved on the host, or a fixed IPv4 range. */
public sealed interface AllowEntry {

    record Host(String name) implements AllowEntry {
        public Host {
            name = name.strip().toLowerCase(Locale.ROOT);
            if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
            // RFC 1123 labels; this is also what keeps a name safe to write into /etc/hosts.
            if (!name.matches("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
                throw new IllegalArgumentException("not a host name, IPv4 address or CIDR: " + name);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    record Range(Ipv4Cidr cidr) implements AllowEntry {
        @Override
        public String toString() {
            return cidr.toString();
        }
    }

    static AllowEntry parse(String text) {
        return Ipv4Cidr.looksLike(text) ? new Range(Ipv4Cidr.parse(text)) : new Host(text);
    }
}
