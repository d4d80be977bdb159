package coi.setup;

import coi.health.QuotaGroups;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The steps inside Incus: the bridge, the storage pool (and its quota groups) and the default profile's root disk and NIC. */
final class IncusSteps {
    private IncusSteps() {}

    /** Before the daemon runs there is nothing to look at: everything is still to do. */
    private static boolean up(Supplier<IncusClient> incus) {
        try {
            incus.get().server();
            return true;
        } catch (IncusException e) {
            return false;
        }
    }

    /** `incus admin init --auto` cannot pick a subnet on some hosts: the bridge gets a fixed one. */
    record Bridge(Supplier<IncusClient> incus, SetupOptions o) implements Step {
        public String name() { return "bridge"; }

        public Probe probe() {
            if (up(incus)) {
                for (Model.Network n : incus.get().networks()) {
                    if (n.name().equals(o.bridge())) return Probe.done("network " + n.name() + " " + n.config().getOrDefault("ipv4.address", ""));
                }
            }
            return Probe.todo("create bridge " + o.bridge() + " " + o.bridgeAddress() + " with NAT, without IPv6");
        }

        public void apply() {
            incus.get().createBridge(o.bridge(), Map.of("ipv4.address", o.bridgeAddress(), "ipv4.nat", "true", "ipv6.address", "none"));
        }
    }

    /**
     * The bridge's DHCP server leases by MAC address only ({@code dhcp-ignore-clid} in its {@code raw.dnsmasq}): otherwise
     * root inside a container could take an address per client id it makes up, with its own MAC (which the fence lets
     * through), until the range is gone for an hour. The fence pins each container's MAC and lets DHCP through for it only.
     */
    record DhcpByMac(Supplier<IncusClient> incus, SetupOptions o) implements Step {
        static final String OPTION = "dhcp-ignore-clid";

        public String name() { return "dhcp"; }

        public Probe probe() {
            if (up(incus) && incus.get().networks().stream().anyMatch(n -> n.name().equals(o.bridge()) && byMac(n))) {
                return Probe.done("bridge " + o.bridge() + " leases by MAC address (" + OPTION + ")");
            }
            return Probe.todo("have bridge " + o.bridge() + "'s DHCP server lease by MAC address only (" + OPTION
                    + "): client ids a container makes up get no address");
        }

        public void apply() {
            Model.Network bridge = incus.get().network(o.bridge());
            if (byMac(bridge)) return;
            String raw = bridge.config() == null ? "" : bridge.config().getOrDefault("raw.dnsmasq", "");
            incus.get().updateNetworkConfig(o.bridge(), Map.of("raw.dnsmasq", (raw.isBlank() || raw.endsWith("\n") ? raw : raw + "\n") + OPTION + "\n"));
        }

        static boolean byMac(Model.Network network) {
            String raw = network.config() == null ? null : network.config().get("raw.dnsmasq");
            return raw != null && raw.lines().anyMatch(l -> l.strip().equals(OPTION));
        }
    }

    /** btrfs on a loop file: copy-on-write makes launches about 8x faster than `dir` (FIELD-NOTES). */
    record Pool(Supplier<IncusClient> incus, HostSystem host, SetupOptions o) implements Step {
        public String name() { return "storage"; }

        public Probe probe() {
            if (up(incus)) {
                for (Model.StoragePool p : incus.get().storagePools()) {
                    if (p.name().equals(o.pool())) return Probe.done("storage pool " + p.name() + " (" + p.driver() + ")");
                }
            }
            return Probe.todo("create storage pool " + o.pool() + ": btrfs on a " + o.poolSize() + " loop file (dir if btrfs is missing)");
        }

        public void apply() {
            boolean btrfs = host.read("/proc/filesystems").contains("btrfs") || host.run(List.of("modprobe", "btrfs")).ok();
            if (btrfs) {
                try {
                    incus.get().createStoragePool(o.pool(), "btrfs", Map.of("size", o.poolSize()));
                    return;
                } catch (IncusException e) {
                    // the kernel or the tools said no: a slower pool still works
                }
            }
            incus.get().createStoragePool(o.pool(), "dir", Map.of());
        }
    }

    /**
     * A btrfs pool whose quota groups went inconsistent no longer enforces disk size limits
     * (`--limit-disk-size`) until they are rescanned (see {@link QuotaGroups}).
     */
    record QuotaRescan(Supplier<IncusClient> incus, HostSystem host, SetupOptions o) implements Step {
        public String name() { return "quotas"; }

        public Probe probe() {
            if (!up(incus) || !QuotaGroups.btrfs(incus.get().storagePools(), o.pool())) {
                return Probe.done("no btrfs pool " + o.pool() + ": no quota groups to keep");
            }
            QuotaGroups.State state = QuotaGroups.on(host).read(QuotaGroups.mountOf(o.pool()));
            return switch (state) {
                case QuotaGroups.State.Inconsistent i -> Probe.todo("rescan the inconsistent btrfs quota groups of pool " + o.pool()
                        + " (disk size limits are not enforced meanwhile)");
                case QuotaGroups.State.Rescanning r -> Probe.todo("wait for the rescan of the btrfs quota groups of pool " + o.pool());
                default -> Probe.done(QuotaGroups.check(o.pool(), state).message());
            };
        }

        public void apply() {
            QuotaGroups.on(host).rescan(QuotaGroups.mountOf(o.pool())).ifPresent(failed -> {
                throw new SetupException(failed);
            });
        }
    }

    record Profile(Supplier<IncusClient> incus, SetupOptions o) implements Step {
        public String name() { return "profile"; }

        private List<String> missing() {
            if (!up(incus)) return List.of("root", "eth0");
            Map<String, Map<String, String>> devices = incus.get().profile("default").devices();
            return List.of("root", "eth0").stream().filter(d -> devices == null || !devices.containsKey(d)).toList();
        }

        public Probe probe() {
            List<String> missing = missing();
            return missing.isEmpty() ? Probe.done("default profile has root and eth0")
                    : Probe.todo("add " + String.join(" and ", missing) + " to the default profile (pool " + o.pool() + ", network " + o.bridge() + ")");
        }

        public void apply() {
            List<String> missing = missing();
            if (missing.contains("root")) incus.get().addProfileDevice("default", "root", Map.of("type", "disk", "path", "/", "pool", o.pool()));
            if (missing.contains("eth0")) incus.get().addProfileDevice("default", "eth0", Map.of("type", "nic", "network", o.bridge(), "name", "eth0"));
        }
    }
}
