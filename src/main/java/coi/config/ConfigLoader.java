package coi.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Builds the one {@link Config} from its layers, lowest first: built-in defaults, the files
 * in order, the selected profile, COI_* environment variables, then command-line flags.
 * A project file (the workspace's `.coi.toml`) that would widen the sandbox counts only once
 * the user has trusted its exact content: see {@link Widening} and {@link TrustStore}.
 */
public final class ConfigLoader {
    /** Set to 1 to trust every project config (CI, throw-away machines). */
    public static final String TRUST_ALL = "COI_TRUST_ALL";

    /** What to do with an untrusted project file that widens the sandbox. */
    public enum Untrusted {
        /** Refuse: nothing may start with it (session commands). */
        REFUSE,
        /**
         * Leave the file out; one that cannot be read as config still stops the command: the pool's
         * keeper, which then keeps the members it had (a session refuses that file, so it claims none).
         */
        IGNORE,
        /**
         * Leave the file out, and also one that cannot be read as config (with a warning): commands
         * that only look at and manage sessions must still work whatever the agent wrote there.
         */
        IGNORE_UNREADABLE
    }

    private ConfigLoader() {}

    /** What `coi trust` shows and records: the project file, the hash of its content, what it would grant. */
    public record ProjectReview(Path file, String sha256, List<String> widening, boolean trusted) {}

    public static Config load(List<ConfigFile> files, Map<String, String> env, Path home, Overrides flags) {
        return load(files, env, home, flags, Untrusted.REFUSE);
    }

    public static Config load(List<ConfigFile> files, Map<String, String> env, Path home, Overrides flags, Untrusted untrusted) {
        Map<ConfigFile, TomlLayer> layers = read(files, home, untrusted);
        Config all = build(layers, env, home, flags, false);
        Optional<ProjectReview> review = review(layers, all, env, home, flags);
        if (review.isEmpty() || review.get().widening().isEmpty() || review.get().trusted() || "1".equals(env.get(TRUST_ALL))) {
            return all;
        }
        if (untrusted != Untrusted.REFUSE) return build(mine(layers), env, home, flags, true);
        ProjectReview r = review.get();
        throw new ConfigException(r.file() + " is not trusted and would widen the sandbox (" + String.join(", ", r.widening())
                + "): nothing was started. Read it, then `coi trust " + r.file().getParent() + "` to allow this exact content,"
                + " or remove those keys (" + TRUST_ALL + "=1 trusts every project config)");
    }

    /** The workspace's project file, if any, judged against the user's own layers (for `coi trust`). */
    public static Optional<ProjectReview> review(List<ConfigFile> files, Map<String, String> env, Path home, Overrides flags) {
        Map<ConfigFile, TomlLayer> layers = read(files, home, Untrusted.REFUSE);
        return review(layers, build(layers, env, home, flags, false), env, home, flags);
    }

    private static Optional<ProjectReview> review(Map<ConfigFile, TomlLayer> layers, Config all, Map<String, String> env, Path home,
                                                  Overrides flags) {
        return layers.entrySet().stream().filter(e -> e.getKey().project()).findFirst().map(project -> {
            List<String> widening = Widening.between(build(mine(layers), env, home, flags, true), all);
            String sha = project.getValue().sha256();
            return new ProjectReview(project.getKey().path(), sha, widening, TrustStore.of(home).trusts(project.getKey().path(), sha));
        });
    }

    /**
     * The layers of {@code files}. A project file that cannot be read as config (invalid TOML, an
     * unknown key, a link) stops a session; a command that starts nothing ({@link Untrusted#IGNORE_UNREADABLE})
     * leaves it out with a warning, as it leaves out an untrusted one: the agent can write that
     * file, and must not keep the user from listing, killing or cleaning its sessions with it.
     */
    private static Map<ConfigFile, TomlLayer> read(List<ConfigFile> files, Path home, Untrusted untrusted) {
        var layers = new LinkedHashMap<ConfigFile, TomlLayer>();
        for (ConfigFile file : files) {
            boolean leniently = file.project() && untrusted == Untrusted.IGNORE_UNREADABLE;
            try {
                // every key and value checked now, so that a mistake deeper in the file is left out with the rest of it
                TomlLayer.read(file, home).ifPresent(layer -> layers.put(file, leniently ? layer.checked(home) : layer));
            } catch (ConfigException e) {
                if (!leniently) throw e;
                System.err.println("coi: warning: " + coi.Printable.of(e.getMessage())
                        + " (left out here; a session in this workspace will not start until it is fixed)");
            }
        }
        return layers;
    }

    /** The user's own layers: everything but the project file. */
    private static Map<ConfigFile, TomlLayer> mine(Map<ConfigFile, TomlLayer> layers) {
        var mine = new LinkedHashMap<>(layers);
        mine.keySet().removeIf(ConfigFile::project);
        return mine;
    }

    /** @param withoutProject a profile defined only by the left-out project file is then simply not there */
    private static Config build(Map<ConfigFile, TomlLayer> layers, Map<String, String> env, Path home, Overrides flags,
                                boolean withoutProject) {
        var draft = new Draft(home);
        var profiles = new LinkedHashMap<String, List<Section>>();
        for (TomlLayer layer : layers.values()) {
            layer.applyTo(draft);
            layer.profiles().forEach((name, p) -> profiles.computeIfAbsent(name, n -> new ArrayList<>()).add(p));
        }
        selectedProfile(flags, env).filter(name -> !withoutProject || profiles.containsKey(name)).ifPresent(name -> {
            List<Section> definitions = profiles.get(name);
            if (definitions == null) {
                throw unknownProfile(name, flags.profile() != null ? "--profile" : "COI_PROFILE", profiles.keySet());
            }
            // A profile defined in several files is merged like the files themselves.
            definitions.forEach(p -> TomlLayer.applyProfile(p, draft));
            draft.profile = name;
        });
        applyEnvironment(env, home, draft);
        applyFlags(flags, home, draft);
        return draft.build();
    }

    private static Optional<String> selectedProfile(Overrides flags, Map<String, String> env) {
        return Optional.ofNullable(flags.profile()).or(() -> Optional.ofNullable(env.get("COI_PROFILE")))
                .filter(name -> !name.isEmpty());
    }

    private static ConfigException unknownProfile(String name, String origin, Iterable<String> defined) {
        String known = String.join(", ", defined);
        return new ConfigException(origin + " names unknown profile '" + name + "' ("
                + (known.isEmpty() ? "no profiles are defined" : "defined: " + known)
                + "): add a [profiles." + name + "] section to a config file");
    }

    private static void applyEnvironment(Map<String, String> env, Path home, Draft d) {
        set(env, "COI_IMAGE", (v, o) -> v, v -> d.image = v);
        set(env, "COI_PERSISTENT", Values::bool, v -> d.persistent = v);
        set(env, "COI_TOOL", Values::tool, v -> d.tool = v);
        set(env, "COI_NETWORK", (v, o) -> Values.choice(NetworkMode.class, v, o), v -> d.networkMode = v);
        set(env, "COI_MONITOR", Values::bool, v -> d.monitoring = v);
        set(env, "COI_POOL_SIZE", Values::poolSize, v -> d.poolSize = v);
        set(env, "COI_PERMISSION_MODE", (v, o) -> Values.choice(PermissionMode.class, v, o), v -> d.permissionMode = v);
        set(env, "COI_SESSIONS_DIR", (v, o) -> Values.path(v, home, null), v -> d.sessionsDir = v);
        set(env, "COI_STORAGE_DIR", (v, o) -> Values.path(v, home, null), v -> d.storageDir = v);
        IncusEndpoint.strongest(parsed(env, "COI_INCUS_URL", Values::url), parsed(env, "COI_INCUS_REMOTE", (v, o) -> v),
                parsed(env, "COI_INCUS_SOCKET", (v, o) -> Values.path(v, home, null))).ifPresent(v -> d.incusEndpoint = v);
        set(env, "COI_INCUS_PROJECT", (v, o) -> v, v -> d.incusProject = v);
        set(env, "COI_INCUS_GROUP", (v, o) -> v, v -> d.incusGroup = v);
        set(env, "COI_INCUS_SERVER_CERT", (v, o) -> Values.path(v, home, null), v -> d.incusServerCert = v);
        set(env, "COI_INCUS_TIMEOUT", Values::seconds, v -> d.incusTimeoutSeconds = v);
    }

    private static void applyFlags(Overrides flags, Path home, Draft d) {
        set(flags.remote(), "--remote", (v, o) -> new IncusEndpoint.Remote(v), v -> d.incusEndpoint = v);
        set(flags.image(), "--image", (v, o) -> v, v -> d.image = v);
        if (flags.persistent() != null) {
            d.persistent = flags.persistent();
        }
        set(flags.tool(), "--tool", Values::tool, v -> d.tool = v);
        set(flags.network(), "--network", (v, o) -> Values.choice(NetworkMode.class, v, o), v -> d.networkMode = v);
        set(flags.storage(), "--storage", (v, o) -> Values.path(v, home, null), v -> d.storageDir = v);
        set(flags.limitCpu(), "--limit-cpu", Values::cpu, v -> d.cpu = v);
        set(flags.limitMemory(), "--limit-memory", Values::memory, v -> d.memory = v);
        set(flags.limitDuration(), "--limit-duration", Values::duration, v -> d.duration = v);
        flags.limits().forEach((key, value) -> applyLimitFlag(key, value, d));
        flags.environment().forEach((name, value) -> d.environment.put(Values.envName(name, "--env"), value));
        flags.mounts().forEach(spec -> d.mounts.add(Values.mount(spec, home, "--mount")));
    }

    private static void applyLimitFlag(String key, String value, Draft d) {
        String flag = "--limit-" + key.replace('_', '-');
        switch (key) {
            case "processes" -> set(value, flag, Values::processes, v -> d.processes = v);
            case "swap" -> set(value, flag, Values::bool, v -> d.swap = v);
            case "cpu_allowance" -> set(value, flag, Values::cpuAllowance, v -> d.cpuAllowance = v);
            case "disk_read" -> set(value, flag, Values::diskRate, v -> d.diskRead = v);
            case "disk_write" -> set(value, flag, Values::diskRate, v -> d.diskWrite = v);
            case "disk_size" -> set(value, flag, Values::diskSize, v -> d.diskSize = v);
            default -> throw new IllegalArgumentException("no limit flag for " + key);
        }
    }

    private static <T> void set(Map<String, String> env, String name, BiFunction<String, String, T> parse, Consumer<T> to) {
        parsed(env, name, parse).ifPresent(to);
    }

    private static <T> Optional<T> parsed(Map<String, String> env, String name, BiFunction<String, String, T> parse) {
        String value = env.get(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(parse.apply(value, name));
    }

    /** An empty value counts as unset, so that {@code COI_IMAGE= coi shell} falls back to the lower layers. */
    private static <T> void set(String value, String origin, BiFunction<String, String, T> parse, Consumer<T> to) {
        if (value != null && !value.isEmpty()) {
            to.accept(parse.apply(value, origin));
        }
    }
}
