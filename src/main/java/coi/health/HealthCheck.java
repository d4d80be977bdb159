package coi.health;

import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** `coi health`: is this machine ready to run coi sessions, and if not, what to fix. */
public final class HealthCheck {

    public enum Status { OK, WARN, FAIL }

    public record Check(String name, Status status, String message) {}

    public record Report(List<Check> checks) {
        /** 0 healthy, 1 degraded (warnings), 2 unhealthy (a failure). */
        public int exitCode() {
            if (checks.stream().anyMatch(c -> c.status() == Status.FAIL)) return 2;
            if (checks.stream().anyMatch(c -> c.status() == Status.WARN)) return 1;
            return 0;
        }

        public String overall() {
            return switch (exitCode()) {
                case 0 -> "healthy";
                case 1 -> "degraded";
                default -> "unhealthy";
            };
        }
    }

    private final IncusClient incus;
    private final String group;
    private final String image;
    private final Optional<String> pool;
    private final Path etc;
    private final QuotaGroups quotaGroups;
    /** The user's ids, which their sessions map onto code. */
    private final int uid, gid;

    /**
     * @param group the group whose members may use Incus ({@code [incus] group})
     * @param pool  the pool new containers use ({@code [incus] pool}); empty: the default profile's
     */
    public HealthCheck(IncusClient incus, String group, String image, Optional<String> pool, Path etc, int uid, int gid) {
        this(incus, group, image, pool, etc, QuotaGroups.local(), uid, gid);
    }

    HealthCheck(IncusClient incus, String group, String image, Optional<String> pool, Path etc, QuotaGroups quotaGroups, int uid, int gid) {
        this.quotaGroups = quotaGroups;
        this.uid = uid;
        this.gid = gid;
        this.incus = incus;
        this.group = group;
        this.image = image;
        this.pool = pool;
        this.etc = etc;
    }

    public Report run() {
        List<Check> checks = new ArrayList<>();
        Model.Server server;
        try {
            server = incus.server();
        } catch (IncusException e) {
            checks.add(new Check("incus", Status.FAIL, e.getMessage()));
            checks.add(membership());
            return new Report(checks);
        }
        checks.add(new Check("incus", Status.OK, "Incus " + server.version() + " at " + incus.address()));
        checks.add(membership());
        Model.Profile profile = incus.profile("default");
        List<Model.StoragePool> pools = incus.storagePools();
        checks.add(pool(profile, pools));
        quotas(profile, pools).ifPresent(checks::add);
        checks.add(bridge(profile));
        checks.add(subids());
        checks.add(server.idmappedMounts()
                ? new Check("idmapped-mounts", Status.OK, "supported: a container's raw.idmap (your user onto code) needs no rewrite of its files")
                : new Check("idmapped-mounts", Status.WARN, "not supported by this kernel: Incus rewrites the owners of a container's"
                        + " root filesystem for its raw.idmap at its first start (slower)"));
        checks.add(coi.monitor.HostView.kernelTellsTables()
                ? new Check("monitor-threads", Status.OK, "kcmp: the monitor tells which threads share a descriptor table")
                : new Check("monitor-threads", Status.WARN, "this kernel has no kcmp (CONFIG_CHECKPOINT_RESTORE): the monitor (--monitor)"
                        + " does not see descriptors a thread keeps in a table of its own"));
        checks.add(incus.aliasExists(image)
                ? new Check("image", Status.OK, "image '" + image + "' present")
                : new Check("image", Status.WARN, "image '" + image + "' missing: run `coi build`"));
        return new Report(checks);
    }

    private Check membership() {
        String user = System.getProperty("user.name");
        if ("root".equals(user)) return new Check("group", Status.OK, "running as root");
        try {
            for (String line : Files.readAllLines(etc.resolve("group"))) {
                String[] f = line.split(":", -1);
                if (f.length == 4 && f[0].equals(group)) {
                    if (List.of(f[3].split(",")).contains(user) || processGroups().contains(f[2])) {
                        return new Check("group", Status.OK, user + " is in " + group);
                    }
                    return new Check("group", Status.FAIL, user + " is not in " + group + ": `sudo usermod -aG " + group + " " + user + "`, then log in again");
                }
            }
            return new Check("group", Status.FAIL, "group " + group + " does not exist: is Incus installed? run `sudo coi setup`");
        } catch (IOException e) {
            return new Check("group", Status.WARN, "cannot read " + etc.resolve("group") + ": " + e.getMessage());
        }
    }

    private static List<String> processGroups() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Groups:")) return List.of(line.substring(7).trim().split("\\s+"));
        }
        return List.of();
    }

    private Check pool(Model.Profile profile, List<Model.StoragePool> pools) {
        Optional<String> used = poolName(profile);
        if (used.isEmpty()) return new Check("storage", Status.FAIL, "the default profile has no root disk: run `sudo coi setup`");
        String name = used.get();
        String whose = pool.isPresent() ? "[incus] pool" : "the default profile";
        return pools.stream().filter(p -> p.name().equals(name)).findFirst()
                .map(p -> "dir".equals(p.driver())
                        ? new Check("storage", Status.WARN, "pool " + name + " uses the dir driver: every launch unpacks the image (~3 s); btrfs is ~8x faster")
                        : new Check("storage", Status.OK, "pool " + name + " (" + p.driver() + ")"))
                .orElse(new Check("storage", Status.FAIL, "storage pool " + name + " of " + whose + " does not exist"));
    }

    /** The pool new containers use: {@code [incus] pool}, else the default profile's root disk's. */
    private Optional<String> poolName(Model.Profile profile) {
        Map<String, String> root = profile.devices() == null ? null : profile.devices().get("root");
        return pool.or(() -> Optional.ofNullable(root == null ? null : root.get("pool")));
    }

    /** A btrfs pool of the local daemon: are its quota groups consistent, which disk size limits need (see {@link QuotaGroups})? */
    private Optional<Check> quotas(Model.Profile profile, List<Model.StoragePool> pools) {
        Optional<String> name = poolName(profile);
        if (name.isEmpty() || !incus.address().startsWith("/")) return Optional.empty();
        if (!QuotaGroups.btrfs(pools, name.get())) return Optional.empty();
        return Optional.of(QuotaGroups.check(name.get(), quotaGroups.read(QuotaGroups.mountOf(name.get()))));
    }

    private Check bridge(Model.Profile profile) {
        var nic = profile.devices() == null ? null : profile.devices().values().stream()
                .filter(d -> "nic".equals(d.get("type")) && d.get("network") != null).findFirst().orElse(null);
        if (nic == null) return new Check("network", Status.FAIL, "the default profile has no bridged NIC: run `sudo coi setup`");
        String name = nic.get("network");
        return incus.networks().stream().filter(n -> n.name().equals(name)).findFirst()
                .map(n -> n.managed() && "bridge".equals(n.type())
                        ? new Check("network", Status.OK, "bridge " + name + " " + n.config().getOrDefault("ipv4.address", ""))
                        : new Check("network", Status.WARN, "network " + name + " is not a managed bridge: coi's network fence needs one"))
                .orElse(new Check("network", Status.FAIL, "network " + name + " of the default profile does not exist"));
    }

    private Check subids() {
        try {
            String subuid = Files.readString(etc.resolve("subuid")), subgid = Files.readString(etc.resolve("subgid"));
            boolean uidRange = coi.setup.SubordinateIds.rootHasRange(subuid);
            boolean gidRange = coi.setup.SubordinateIds.rootHasRange(subgid);
            if (!uidRange || !gidRange) {
                return new Check("subids", Status.WARN, "no range for root in " + etc.resolve(uidRange ? "subgid" : "subuid")
                        + ": Incus uses its default map; add root:1000000:1000000000");
            }
            String mine = coi.setup.SubordinateIds.missing(subuid, subgid, uid, gid);
            if (mine != null) return new Check("subids", Status.FAIL, mine);
            return new Check("subids", Status.OK, "root has subordinate uid and gid ranges"
                    + (uid == 0 && gid == 0 ? "" : ", and holds your uid " + uid + " and gid " + gid));
        } catch (IOException e) {
            return new Check("subids", Status.WARN, "cannot read subordinate id files: " + e.getMessage());
        }
    }
}
