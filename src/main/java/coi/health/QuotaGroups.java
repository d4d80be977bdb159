package coi.health;

import coi.setup.HostSystem;
import coi.setup.LocalHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The quota groups of a btrfs storage pool. A root disk's size (`--limit-disk-size`) is a btrfs
 * quota-group limit, and btrfs stops enforcing it once the groups' numbers are inconsistent (seen on
 * this project's machine after many snapshot deletions: a 900 MB write under a 600 MiB limit went
 * through), until `btrfs quota rescan` rebuilds them. Read from the kernel's /sys/fs/btrfs, which any
 * user may read, where the kernel says it; otherwise from `btrfs qgroup show`, which needs root.
 */
public final class QuotaGroups {
    /** What the pool's quota groups are in. */
    public sealed interface State {
        /** Whether disk size limits are not (fully) enforced until a rescan ends: inconsistent, or being rescanned. */
        default boolean needsRescan() {
            return this instanceof Inconsistent || this instanceof Rescanning;
        }

        record Consistent() implements State {}

        record Inconsistent() implements State {}

        /** A rescan rebuilds the numbers right now. */
        record Rescanning() implements State {}

        /** Quotas are off: no limit set yet (Incus turns them on for the first sized volume). */
        record Disabled() implements State {}

        record Unknown(String why) implements State {}
    }

    /** A command's exit code and its output and error, together. */
    public record Output(int code, String text) {}

    private final Path root;
    private final boolean asRoot;
    private final Function<List<String>, Output> run;

    /**
     * @param root   where /proc and /sys are (/ for real, a folder in tests)
     * @param asRoot whether this process may ask btrfs itself
     * @param run    runs a command
     */
    public QuotaGroups(Path root, boolean asRoot, Function<List<String>, Output> run) {
        this.root = root;
        this.asRoot = asRoot;
        this.run = run;
    }

    /** This machine, asking btrfs itself when root. */
    public static QuotaGroups local() {
        return on(new LocalHost());
    }

    /** {@code host}'s, asking btrfs through it when it runs as root. */
    public static QuotaGroups on(HostSystem host) {
        return new QuotaGroups(host.file("/"), host.root(), argv -> {
            HostSystem.Result r = host.run(argv);
            return new Output(r.code(), r.out());
        });
    }

    /** Whether this process may ask btrfs itself, and rescan. */
    public boolean asRoot() {
        return asRoot;
    }

    /**
     * Rescans the quota groups of the btrfs file system at {@code mount} (root only) and waits for the rescan, also one
     * already running: empty when it ended, else what failed.
     */
    public Optional<String> rescan(Path mount) {
        Output r = run.apply(List.of("btrfs", "quota", "rescan", "-w", mount.toString()));
        return r.code() == 0 ? Optional.empty() : Optional.of("`btrfs quota rescan -w " + mount + "` failed: " + r.text().strip());
    }

    /** What `coi health` says of a btrfs pool in {@code state}: a warning only where a limit is not (fully) enforced. */
    public static HealthCheck.Check check(String pool, State state) {
        String name = "disk-quotas";
        return switch (state) {
            case State.Consistent c -> new HealthCheck.Check(name, HealthCheck.Status.OK, "btrfs quota groups of pool " + pool
                    + " consistent: disk size limits are enforced");
            case State.Inconsistent i -> new HealthCheck.Check(name, HealthCheck.Status.WARN, "btrfs quota groups of pool " + pool
                    + " are inconsistent: --limit-disk-size is not enforced; `sudo coi health --fix` rescans them (btrfs quota rescan -w "
                    + mountOf(pool) + ")");
            case State.Rescanning r -> new HealthCheck.Check(name, HealthCheck.Status.WARN, "btrfs quota groups of pool " + pool
                    + " are being rescanned: disk size limits are approximate until it ends");
            case State.Disabled d -> new HealthCheck.Check(name, HealthCheck.Status.OK, "btrfs quotas of pool " + pool
                    + " are off: Incus turns them on with the first disk size limit");
            case State.Unknown u -> new HealthCheck.Check(name, HealthCheck.Status.OK, "btrfs quota groups of pool " + pool
                    + " not checked: " + u.why());
        };
    }

    /** Whether {@code pools} has a btrfs pool named {@code name} (only such a pool has quota groups). */
    public static boolean btrfs(List<coi.incus.Model.StoragePool> pools, String name) {
        return pools.stream().anyMatch(p -> p.name().equals(name) && "btrfs".equals(p.driver()));
    }

    /** Where Incus mounts a storage pool. */
    public static Path mountOf(String pool) {
        return Path.of("/var/lib/incus/storage-pools", pool);
    }

    /** The state of the quota groups of the btrfs file system mounted at {@code mount}. */
    public State read(Path mount) {
        Optional<Path> fs = device(mount).flatMap(this::fileSystem);
        if (fs.isPresent()) {
            Path qgroups = fs.get().resolve("qgroups");
            if (!Files.isDirectory(qgroups)) return new State.Disabled();
            Path inconsistent = qgroups.resolve("inconsistent");
            if (Files.isRegularFile(inconsistent)) {
                try {
                    return Files.readString(inconsistent).strip().equals("0") ? new State.Consistent() : new State.Inconsistent();
                } catch (IOException e) {
                    // asked below, as root
                }
            }
        }
        if (!asRoot) return new State.Unknown("only root can ask btrfs (`sudo coi health`), and this kernel does not say in /sys/fs/btrfs");
        Output shown = run.apply(List.of("btrfs", "qgroup", "show", mount.toString()));
        return parseShow(shown.code(), shown.text());
    }

    /** `btrfs qgroup show`'s answer (btrfs-progs 6.x: its warnings on stderr, with the table on stdout). */
    public static State parseShow(int code, String text) {
        if (text.contains("quotas not enabled") || text.contains("quota disabled")) return new State.Disabled();
        if (text.contains("rescan is running")) return new State.Rescanning();
        if (text.contains("qgroup data inconsistent") || text.contains("quotas may be inconsistent")) return new State.Inconsistent();
        if (code != 0) {
            String first = text.lines().filter(l -> !l.isBlank()).findFirst().orElse("exit code " + code);
            return new State.Unknown("`btrfs qgroup show` failed: " + first.strip());
        }
        return new State.Consistent();
    }

    /** The device a btrfs file system is mounted from at {@code mount}, by its kernel name (loop0, dm-0), from mountinfo. */
    private Optional<String> device(Path mount) {
        try {
            for (String line : Files.readAllLines(root.resolve("proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (f.length < 5 || dash < 0 || dash + 2 >= f.length) continue;
                if (!unescape(f[4]).equals(mount.toString()) || !f[dash + 1].equals("btrfs")) continue;
                Path source = root.resolve(unescape(f[dash + 2]).replaceFirst("^/", ""));
                return Optional.of((Files.isSymbolicLink(source) ? source.toRealPath() : source).getFileName().toString());
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The file system's folder under /sys/fs/btrfs: the one that lists {@code device} among its devices. */
    private Optional<Path> fileSystem(String device) {
        try (Stream<Path> all = Files.list(root.resolve("sys/fs/btrfs"))) {
            return all.filter(d -> Files.exists(d.resolve("devices").resolve(device), LinkOption.NOFOLLOW_LINKS)).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** mountinfo escapes blanks, tabs, newlines and backslashes in octal. */
    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
