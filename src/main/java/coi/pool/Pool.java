package coi.pool;

import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.InstanceSpec;
import coi.incus.Json;
import coi.incus.Model;
import coi.network.BridgeFacts;
import coi.network.ContainerNic;
import coi.network.FenceException;
import coi.network.NetworkFence;
import coi.network.NetworkPolicy;
import java.net.Inet4Address;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Warm containers for `coi run`: created from the session's image with the fixed part of its
 * instance ({@link Fit}), fenced with nothing allowed but DHCP, started and leased, never given a
 * workspace. A claim takes one by compare-and-swap of its state label under the instance's ETag,
 * so two coi processes never get the same member; a claimed member never returns (it is deleted
 * when its session ends, like any `coi run` container). Members are named
 * {@code <prefix>pool-<8 hex>} and ephemeral, so stopping one removes it.
 */
public final class Pool {
    /** filling (being made), ready (claimable) or claimed (serving a session). */
    public static final String STATE = "user.coi.pool";
    public static final String ALIAS = "user.coi.pool_alias";
    public static final String IMAGE = "user.coi.pool_image";
    public static final String FIT = "user.coi.pool_fit";
    /** pid@boot of the coi that is filling or claiming the member: a dead one makes it a leftover for `coi clean`. */
    public static final String OWNER = "user.coi.pool_owner";
    /**
     * The sessions folder whose keeper (or `coi pool fill`) made the member. Any session may claim a
     * member that fits, but only its own keeper removes it as stale or no longer wanted: another
     * user's keeper (or a keeper whose folder is gone) does not empty a pool it did not fill.
     */
    public static final String KEEPER = "user.coi.pool_keeper";
    /** When the member was claimed (an ISO instant): its start before then was no session's (see GitGuard). */
    public static final String CLAIMED_AT = "user.coi.pool_claimed_at";
    public static final String FILLING = "filling", READY = "ready", CLAIMED = "claimed";

    /** The narrowest fence: no address allowed, no DNS; only DHCP (which every mode allows) gets through. */
    static final NetworkPolicy CLOSED = new NetworkPolicy.Allowlist(List.of(), NetworkPolicy.DEFAULT_REFRESH);
    private static final Duration LEASE_WAIT = Duration.ofSeconds(30);
    /** Made at first use: the static questions (member, named, of) come from processes that never fill or claim, the supervisor among them. */
    private static final class Random {
        static final SecureRandom SOURCE = new SecureRandom();
    }

    private final IncusClient incus;
    private final NetworkFence fence;
    private final String prefix;

    public Pool(IncusClient incus, NetworkFence fence, String prefix) {
        this.incus = incus;
        this.fence = fence;
        this.prefix = prefix;
    }

    public static boolean member(Model.Instance i) {
        return i.configValue(STATE) != null;
    }

    /** Whether {@code name} is a pool member's name under coi's container {@code prefix} (claimed or not). */
    public static boolean named(String prefix, String name) {
        return name.startsWith(prefix + "pool-");
    }

    /** Whether member {@code i} was made for {@code fit}: the same fixed part and the same image. */
    public static boolean of(Model.Instance i, Fit fit) {
        return fit.hash().equals(i.configValue(FIT)) && fit.fingerprint().equals(i.configValue(IMAGE));
    }

    /** A pool member not yet claimed, of this fit, running and leased. */
    static boolean claimable(Model.Instance i, Fit fit) {
        return READY.equals(i.configValue(STATE)) && of(i, fit) && i.running();
    }

    /**
     * Whether {@code keeper} made member {@code i}; a member made before members named their keeper, or by a keeper whose
     * sessions folder is gone, is everyone's.
     */
    public static boolean keptBy(Model.Instance i, String keeper) {
        String made = i.configValue(KEEPER);
        return made == null || made.equals(keeper) || !java.nio.file.Files.isDirectory(java.nio.file.Path.of(made));
    }

    /** Members of this coi prefix that are not claimed (filling or ready), from {@code all}. */
    public List<Model.Instance> unclaimed(List<Model.Instance> all) {
        return all.stream().filter(i -> named(prefix, i.name()) && member(i) && !CLAIMED.equals(i.configValue(STATE))).toList();
    }

    /**
     * Takes one ready member of {@code fit}, labelling it claimed with {@code labels} and adding
     * {@code devices} in one compare-and-swap (an update of the instance under its ETag; when it
     * fails, the member stays ready and untouched; the devices come in together, so a workspace
     * never shows without its read-only paths); empty when none is left. Returns the member as
     * listed in {@code all}. It keeps its closed fence: the caller applies the session's network
     * policy. {@code trying} hears each member's name as its compare-and-swap begins.
     */
    public Optional<Model.Instance> claim(Fit fit, List<Model.Instance> all, Map<String, String> labels, Map<String, Map<String, String>> devices,
                                          Consumer<String> trying) {
        List<Model.Instance> candidates = new ArrayList<>(all.stream().filter(i -> named(prefix, i.name()))
                .filter(i -> claimable(i, fit)).toList());
        // two claimers starting together should not queue on the same member
        Collections.shuffle(candidates, Random.SOURCE);
        for (Model.Instance candidate : candidates) {
            trying.accept(candidate.name());
            try {
                incus.updateInstance(candidate.name(), inst -> {
                    var config = inst.with("config");
                    if (!READY.equals(config.path(STATE).asText()) || !fit.hash().equals(config.path(FIT).asText())) throw new Taken();
                    config.put(STATE, CLAIMED);
                    labels.forEach(config::put);
                    if (!devices.isEmpty()) {
                        var attached = inst.with("devices");
                        devices.forEach((device, spec) -> attached.set(device, Json.strings(spec)));
                    }
                    return inst;
                });
                return Optional.of(candidate);
            } catch (Taken | IncusException.NotFound e) {
                // another coi was first
            } catch (IncusException e) {
                // 412: the ETag changed under us, another claim won the race
                if (e.status() != 412) throw e;
            }
        }
        return Optional.empty();
    }

    private static final class Taken extends RuntimeException {
        Taken() {
            super(null, null, false, false);
        }
    }

    /** Whether the unclaimed members of {@code fit}'s image alias are all of {@code fit} and at least {@code size}: nothing to fill. */
    public boolean full(Fit fit, int size, List<Model.Instance> all) {
        List<Model.Instance> ofAlias = unclaimed(all).stream().filter(i -> fit.alias().equals(i.configValue(ALIAS))).toList();
        return ofAlias.size() >= size && ofAlias.stream().allMatch(i -> of(i, fit));
    }

    /**
     * Brings the ready and filling members of {@code fit} up to {@code size}, made as {@code keeper}'s;
     * {@code keeper}'s members of the same image alias made from another image or another fixed
     * part are stale and removed first. Returns the names of the members made.
     */
    public List<String> fill(Fit fit, Map<String, String> fixedConfig, Map<String, Map<String, String>> fixedDevices, int size,
                             BridgeFacts bridge, Set<Inet4Address> taken, String owner, String keeper) {
        List<Model.Instance> all = incus.instances();
        List<Model.Instance> mine = new ArrayList<>();
        for (Model.Instance i : unclaimed(all)) {
            if (!fit.alias().equals(i.configValue(ALIAS))) continue;
            if (fit.hash().equals(i.configValue(FIT)) && fit.fingerprint().equals(i.configValue(IMAGE))) mine.add(i);
            else if (keptBy(i, keeper)) remove(i.name());
        }
        Set<Inet4Address> used = new HashSet<>(taken);
        List<String> made = new ArrayList<>();
        for (int n = mine.size(); n < size; n++) made.add(make(fit, fixedConfig, fixedDevices, bridge, used, owner, keeper));
        return made;
    }

    private String make(Fit fit, Map<String, String> fixedConfig, Map<String, Map<String, String>> fixedDevices, BridgeFacts bridge,
                        Set<Inet4Address> used, String owner, String keeper) {
        String name = prefix + "pool-" + HexFormat.of().formatHex(Random.SOURCE.generateSeed(4));
        ContainerNic nic = ContainerNic.plan(name, bridge, used);
        used.add(nic.address());
        Map<String, String> config = new TreeMap<>(fixedConfig);
        config.put(STATE, FILLING);
        config.put(ALIAS, fit.alias());
        config.put(IMAGE, fit.fingerprint());
        config.put(FIT, fit.hash());
        config.put(OWNER, owner);
        config.put(KEEPER, keeper);
        Map<String, Map<String, String>> devices = new TreeMap<>(fixedDevices);
        devices.put("eth0", nic.device(bridge));
        try {
            incus.createInstance(new InstanceSpec(name, fit.fingerprint(), config, devices, null, true, false));
            // fenced before its network ever comes up, as tightly as possible: nothing but its DHCP lease
            fence.apply(nic, bridge, CLOSED, List.of());
            incus.start(name);
            String got = incus.awaitIpv4(name, LEASE_WAIT).orElseThrow(() -> new IncusException(0, "pool member " + name + " got no DHCP lease"));
            // the bridge's DHCP server holds the pinned address for another client (see DnsmasqLeases): no network behind the fence
            if (!got.equals(nic.address().getHostAddress())) {
                throw new IncusException(0, "pool member " + name + " was given the address " + got + ", not its own " + nic.address().getHostAddress());
            }
            incus.updateInstance(name, inst -> {
                inst.with("config").put(STATE, READY);
                return inst;
            });
            return name;
        } catch (RuntimeException e) {
            remove(name);
            throw e;
        }
    }

    /**
     * Removes the ready members of {@code fit} that {@code keeper} made, each taken like a claim first (by {@code owner}),
     * so a session that claims one meanwhile keeps it; returns their names.
     */
    public List<String> retire(Fit fit, String keeper, String owner) {
        List<String> removed = new ArrayList<>();
        for (Optional<Model.Instance> taken; (taken = claim(fit, incus.instancesWithoutState().stream().filter(i -> keptBy(i, keeper)).toList(),
                Map.of(OWNER, owner), Map.of(), name -> { })).isPresent(); ) {
            remove(taken.get().name());
            removed.add(taken.get().name());
        }
        return removed;
    }

    /** Removes every unclaimed member (claimed ones belong to their sessions); returns their names. */
    public List<String> drain() {
        List<String> removed = new ArrayList<>();
        for (Model.Instance i : unclaimed(incus.instances())) {
            remove(i.name());
            removed.add(i.name());
        }
        return removed;
    }

    /** Deletes a member and its rules; a member already gone is fine. */
    public void remove(String name) {
        incus.delete(name, true);
        try {
            fence.remove(name);
        } catch (FenceException e) {
            // `coi clean` removes rules whose container is gone
        }
    }
}
