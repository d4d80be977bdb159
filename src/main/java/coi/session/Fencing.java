package coi.session;

import coi.CoiException;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import coi.network.AllowlistRefresher;
import coi.network.AllowlistResolver;
import coi.network.BridgeFacts;
import coi.network.ContainerNic;
import coi.network.DnsmasqLeases;
import coi.network.FenceException;
import coi.network.NetworkFence;
import coi.network.NetworkPolicy;
import coi.network.Nft;
import coi.network.ResolvedAllowlist;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

    /** The policy a container was created with, from its labels (a new container's is its plan's). */
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
        Model.Network net;
        try {
            net = incus.network(network);
        } catch (IncusException.NotFound e) {
            throw new CoiException("network " + network + " of the default profile does not exist", e);
        }
        String address = net.config() == null ? null : net.config().get("ipv4.address");
        if (address == null || !address.contains("/")) {
            throw new CoiException("bridge " + network + " has no IPv4 subnet, which the network fence needs (ipv4.address)");
        }
        return BridgeFacts.of(network, address);
    }

    /**
     * Every IPv4 address on {@code bridge} that a new container must not be given: the pinned
     * addresses of {@code instances} (read without their state) and the bridge's DHCP leases,
     * which hold the addresses of the instances that were given one dynamically.
     */
    public Set<Inet4Address> taken(List<Model.Instance> instances, BridgeFacts bridge) {
        return taken(instances, leased(bridge));
    }

    /** {@link #taken(List, BridgeFacts)} with the bridge's {@link #leased} addresses asked for beforehand. */
    static Set<Inet4Address> taken(List<Model.Instance> instances, Set<Inet4Address> leased) {
        Set<Inet4Address> taken = taken(instances);
        taken.addAll(leased);
        return taken;
    }

    /**
     * The addresses {@code bridge}'s DHCP server has leased: those Incus lists, and, for a daemon on this machine, those in
     * dnsmasq's own lease file, which also holds the leases of clients Incus does not know ({@link DnsmasqLeases}).
     */
    Set<Inet4Address> leased(BridgeFacts bridge) {
        Set<Inet4Address> addresses = new HashSet<>();
        DnsmasqLeases.file(incus.address(), bridge.name()).ifPresent(file -> addresses.addAll(DnsmasqLeases.read(file)));
        List<String> leased;
        try {
            leased = incus.leasedIpv4(bridge.name());
        } catch (IncusException e) {
            // a daemon that will not list the leases (an older one, a restricted project): the instances' own state says it
            addresses.addAll(taken(incus.instances()));
            return addresses;
        }
        leased.forEach(ip -> addIfIp(addresses, ip));
        return addresses;
    }

    /** The addresses {@code instances} hold: pinned on a NIC, or in their state when they were read with it. */
    static Set<Inet4Address> taken(List<Model.Instance> instances) {
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
     * Installs the plan's rules for its created, not yet started container (or a stopped one
     * starting again); for an allowlist it also resolves the names on the host and pins them into
     * the container's /etc/hosts.
     */
    public void install(SessionPlan plan) {
        ContainerNic nic = nic(plan.container(), plan.devices().get("eth0"));
        if (plan.network() instanceof NetworkPolicy.Allowlist list) {
            new AllowlistRefresher(new AllowlistResolver(AllowlistResolver.HostResolver.system()), list, resolved -> {
                pinHosts(plan.container(), resolved);
                fence.apply(nic, plan.bridge(), list, resolved.addresses());
            }).start();
        } else {
            fence.apply(nic, plan.bridge(), plan.network(), List.of());
        }
    }

    /**
     * Removes the rules of containers that are gone (deleted with `incus delete`, or by a coi that
     * died before it removed them). Their rules match a source address, so left in place they hold
     * whichever container gets that address next, cutting it off entirely; a launch sweeps them
     * before its container's network comes up. Best effort: a launch does not fail over tidying up.
     */
    void sweepGone(Path sessionsRoot, String self) {
        Set<String> fenced;
        try {
            fenced = new HashSet<>(fence.fenced("inet"));
        } catch (FenceException e) {
            return; // installing reports what is wrong with nft
        }
        fenced.remove(self);
        removeGone(sessionsRoot, fenced);
    }

    /** `coi clean`: the rules (both tables) of every container that is gone; returns their names. */
    public Set<String> removeOrphans(Path sessionsRoot) {
        return removeGone(sessionsRoot, fence.fenced());
    }

    /**
     * Each candidate is checked under its {@link NameLock} and skipped while another coi holds that
     * lock (it is installing or removing those rules itself): a container created meanwhile under
     * a reused name keeps the rules it just got.
     */
    private Set<String> removeGone(Path sessionsRoot, Set<String> candidates) {
        Set<String> removed = new java.util.TreeSet<>();
        if (candidates.isEmpty()) return removed;
        Set<String> live = new HashSet<>();
        incus.instancesWithoutState().forEach(i -> live.add(i.name()));
        for (String name : candidates) {
            if (live.contains(name)) continue;
            NameLock.tryHold(sessionsRoot, name).ifPresent(held -> {
                try (NameLock lock = held) {
                    if (incus.findInstance(name).isEmpty()) {
                        remove(name);
                        removed.add(name);
                    }
                }
            });
        }
        return removed;
    }

    public void remove(String container) {
        try {
            fence.remove(container);
        } catch (FenceException e) {
            System.err.println("coi: could not remove the network rules of " + container + " (" + e.getMessage() + "): `coi clean` retries");
        }
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
        String mac = device.get("hwaddr");
        return new ContainerNic(container, device.get("host_name"), address(device), mac == null ? null : mac.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Keeps allowlists current for detached sessions (run by the watcher): one
     * {@link AllowlistRefresher} per running allowlist container, whose rules and /etc/hosts
     * change only when the answer did.
     */
    public final class AllowlistKeeper {
        private final BridgeFacts bridge;
        private final Map<String, AllowlistRefresher> refreshers = new HashMap<>();

        public AllowlistKeeper(BridgeFacts bridge) {
            this.bridge = bridge;
        }

        /** Returns the names of the containers whose rules changed. */
        public List<String> tick(List<Model.Instance> running, Instant now) {
            refreshers.keySet().retainAll(running.stream().map(Model.Instance::name).toList());
            List<String> changed = new java.util.ArrayList<>();
            for (Model.Instance i : running) {
                if (!(policy(i) instanceof NetworkPolicy.Allowlist list)) continue;
                AllowlistRefresher refresher = refreshers.computeIfAbsent(i.name(), n -> new AllowlistRefresher(
                        new AllowlistResolver(AllowlistResolver.HostResolver.system()), list, next -> {
                            pinHosts(n, next);
                            fence.apply(nic(n, i.devices().get("eth0")), bridge, list, next.addresses());
                        }));
                if (refresher.tick(now)) changed.add(i.name());
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
