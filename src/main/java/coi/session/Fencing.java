package coi.session;

import coi.CoiException;
import coi.UsageException;
import coi.config.Config;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import coi.network.AllowEntry;
import coi.network.AllowlistResolver;
import coi.network.BridgeFacts;
import coi.network.ContainerNic;
import coi.network.FenceException;
import coi.network.NetworkFence;
import coi.network.NetworkPolicy;
import coi.network.Nft;
import coi.network.ResolvedAllowlist;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The session side of the network fence: which NIC a container gets, installing the host rules
 * between create and start (so they exist before its network is up), pinning allowlisted names
 * into /etc/hosts, refreshing allowlists, and removing rules with the container.
 */
public final class Fencing {
    private final IncusClient incus;
    private final NetworkFence fence;

    public Fencing(IncusClient incus, NetworkFence fence) {
        this.incus = incus;
        this.fence = fence;
    }

    /** Root runs nft itself; anyone else through the sudoers rule `coi setup` installs. */
    public static Fencing onHost(IncusClient incus, int uid) {
        return new Fencing(incus, hostFence(uid));
    }

    static NetworkFence hostFence(int uid) {
        return new NetworkFence(Nft.command(uid == 0 ? List.of("nft") : List.of("sudo", "-n", "nft")));
    }

    public static NetworkPolicy policy(Config config) {
        try {
            return NetworkPolicy.of(config.network().mode().name(), config.network().allowedDomains(),
                    config.network().refreshIntervalMinutes());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The policy a container was created with, from its labels. */
    static NetworkPolicy policy(Model.Instance i) {
        String mode = i.configValue(Labels.NETWORK);
        if (mode == null) return new NetworkPolicy.Open();
        String list = i.configValue(Labels.ALLOWLIST);
        String minutes = i.configValue(Labels.ALLOWLIST_REFRESH);
        return NetworkPolicy.of(mode, list == null || list.isEmpty() ? List.of() : Arrays.asList(list.split(",")),
                minutes == null ? 30 : Integer.parseInt(minutes));
    }

    /** The bridge of the default profile's NIC and every IPv4 address already given out on it. */
    public BridgeFacts bridge() {
        Model.Profile profile = incus.profile("default");
        String network = profile.devices() == null ? null : profile.devices().values().stream()
                .filter(d -> "nic".equals(d.get("type")) && d.get("network") != null).map(d -> d.get("network")).findFirst().orElse(null);
        if (network == null) throw new CoiException("the default profile has no bridged NIC, so the network fence has nothing to hold: run `sudo coi setup`");
        Model.Network net = incus.networks().stream().filter(n -> n.name().equals(network)).findFirst()
                .orElseThrow(() -> new CoiException("network " + network + " of the default profile does not exist"));
        String address = net.config() == null ? null : net.config().get("ipv4.address");
        if (address == null || !address.contains("/")) {
            throw new CoiException("bridge " + network + " has no IPv4 subnet, which the network fence needs (ipv4.address)");
        }
        return BridgeFacts.of(network, address);
    }

    public static Set<Inet4Address> taken(List<Model.Instance> instances) {
        Set<Inet4Address> taken = new HashSet<>();
        for (Model.Instance i : instances) {
            if (i.expandedDevices() != null) {
                i.expandedDevices().values().forEach(d -> addIfIp(taken, d.get("ipv4.address")));
            }
            if (i.state() != null) addIfIp(taken, i.state().ipv4());
        }
        return taken;
    }

    private static void addIfIp(Set<Inet4Address> taken, String ip) {
        if (ip == null || ip.isBlank()) return;
        try {
            if (InetAddress.getByName(ip) instanceof Inet4Address v4) taken.add(v4);
        } catch (UnknownHostException notAnAddress) {
            // not a literal address: nothing is reserved
        }
    }

    /**
     * Installs the rules for a created, not yet started container; for an allowlist it also
     * resolves the names on the host and pins them into the container's /etc/hosts.
     */
    public void install(String container, Map<String, String> nicDevice, BridgeFacts bridge, NetworkPolicy policy) {
        ContainerNic nic = nic(container, nicDevice);
        List<coi.network.Ipv4Cidr> allowed = List.of();
        if (policy instanceof NetworkPolicy.Allowlist list) {
            ResolvedAllowlist resolved = new AllowlistResolver(AllowlistResolver.HostResolver.system()).resolve(list.entries());
            allowed = resolved.addresses();
            pinHosts(container, resolved);
        }
        fence.apply(nic, bridge, policy, allowed);
    }

    /** Re-applies the rules of a container coi created (e.g. a persistent one starting again). */
    public void reinstall(Model.Instance instance, BridgeFacts bridge) {
        NetworkPolicy policy = policy(instance);
        Map<String, String> eth0 = instance.devices() == null ? null : instance.devices().get("eth0");
        if (policy instanceof NetworkPolicy.Open || eth0 == null || eth0.get("ipv4.address") == null) return;
        install(instance.name(), eth0, bridge, policy);
    }

    public void remove(String container) {
        try {
            fence.remove(container);
        } catch (FenceException e) {
            System.err.println("coi: could not remove the network rules of " + container + " (" + e.getMessage() + "): `coi clean` retries");
        }
    }

    /** Rules of containers that no longer exist. */
    public Set<String> removeOrphans(Set<String> live) {
        return fence.removeOrphans(live);
    }

    public long blocked(String container) {
        try {
            return fence.blockedCount(container);
        } catch (FenceException e) {
            return -1;
        }
    }

    /** DNS packets the container sent to the bridge's resolver; -1 if the counter cannot be read. */
    public long dns(String container) {
        try {
            return fence.dnsCount(container);
        } catch (FenceException e) {
            return -1;
        }
    }

    private void pinHosts(String container, ResolvedAllowlist resolved) {
        String hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 coi\n"
                + "# allowlisted names, resolved on the host by coi (the container has no DNS in allowlist mode)\n"
                + resolved.hostsEntries();
        try {
            incus.files(container).write("/etc/hosts", hosts.getBytes(StandardCharsets.UTF_8), 0, 0, 0644);
        } catch (IncusException e) {
            throw new FenceException("cannot pin the allowlisted names into " + container + "'s /etc/hosts: " + e.getMessage());
        }
    }

    private static ContainerNic nic(String container, Map<String, String> device) {
        return new ContainerNic(container, device.get("host_name"), address(device));
    }

    /**
     * Keeps allowlists current for detached sessions (run by the watcher): each container is
     * re-resolved every refresh interval, names that fail keep their last good answer, and the
     * rules and /etc/hosts change only when the answer did.
     */
    public final class AllowlistKeeper {
        private final BridgeFacts bridge;
        private final Map<String, AllowlistResolver> resolvers = new HashMap<>();
        private final Map<String, Instant> due = new HashMap<>();
        private final Map<String, ResolvedAllowlist> current = new HashMap<>();

        public AllowlistKeeper(BridgeFacts bridge) {
            this.bridge = bridge;
        }

        /** Returns the names of the containers whose rules changed. */
        public List<String> tick(List<Model.Instance> running, Instant now) {
            due.keySet().retainAll(running.stream().map(Model.Instance::name).toList());
            List<String> changed = new java.util.ArrayList<>();
            for (Model.Instance i : running) {
                if (!(policy(i) instanceof NetworkPolicy.Allowlist list)) continue;
                Instant when = due.computeIfAbsent(i.name(), n -> now.plus(list.refresh()));
                if (now.isBefore(when)) continue;
                due.put(i.name(), now.plus(list.refresh()));
                AllowlistResolver resolver = resolvers.computeIfAbsent(i.name(), n -> new AllowlistResolver(AllowlistResolver.HostResolver.system()));
                ResolvedAllowlist next = resolver.resolve(list.entries());
                ResolvedAllowlist before = current.get(i.name());
                // a first answer with failures would drop names the running rules still allow
                if (before == null && !next.failures().isEmpty()) continue;
                if (before != null && before.addresses().equals(next.addresses()) && before.hosts().equals(next.hosts())) continue;
                pinHosts(i.name(), next);
                fence.apply(nic(i.name(), i.devices().get("eth0")), bridge, list, next.addresses());
                current.put(i.name(), next);
                changed.add(i.name());
            }
            return changed;
        }
    }

    static Inet4Address address(Map<String, String> nicDevice) {
        try {
            return (Inet4Address) InetAddress.getByName(nicDevice.get("ipv4.address"));
        } catch (UnknownHostException e) {
            throw new FenceException("bad address on a NIC: " + nicDevice.get("ipv4.address"));
        }
    }
}
