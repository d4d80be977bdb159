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
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** The standard layers for {@code workspace}, read from this process's environment. */
    public static Config loadStandard(Path workspace, Overrides flags) {
        Map<String, String> env = System.getenv();
        String home = env.getOrDefault("HOME", "");
        Path homeDir = Path.of(home.isEmpty() ? System.getProperty("user.home") : home);
        return load(ConfigFile.standard(env, homeDir, workspace), env, homeDir, flags);
    }

    public static Config load(List<ConfigFile> files, Map<String, String> env, Path home, Overrides flags) {
        var draft = new Draft(home);
        var profiles = new LinkedHashMap<String, List<Section>>();
        for (ConfigFile file : files) {
            TomlLayer.read(file, home).ifPresent(layer -> {
                layer.applyTo(draft);
                layer.profiles().forEach((name, p) -> profiles.computeIfAbsent(name, n -> new ArrayList<>()).add(p));
            });
        }
        selectedProfile(flags, env).ifPresent(name -> {
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
        set(env, "COI_PERMISSION_MODE", (v, o) -> Values.choice(PermissionMode.class, v, o), v -> d.permissionMode = v);
        set(env, "COI_SESSIONS_DIR", (v, o) -> Values.path(v, home, null), v -> d.sessionsDir = v);
        set(env, "COI_STORAGE_DIR", (v, o) -> Values.path(v, home, null), v -> d.storageDir = v);
        set(env, "COI_INCUS_SOCKET", (v, o) -> Values.path(v, home, null), v -> d.incusSocket = v);
    }

    private static void applyFlags(Overrides flags, Path home, Draft d) {
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
        flags.environment().forEach((name, value) -> d.environment.put(Values.envName(name, "--env"), value));
        flags.mounts().forEach(spec -> d.mounts.add(Values.mount(spec, home, "--mount")));
    }

    private static <T> void set(Map<String, String> env, String name, BiFunction<String, String, T> parse, Consumer<T> to) {
        set(env.get(name), name, parse, to);
    }

    /** An empty value counts as unset, so that {@code COI_IMAGE= coi shell} falls back to the lower layers. */
    private static <T> void set(String value, String origin, BiFunction<String, String, T> parse, Consumer<T> to) {
        if (value != null && !value.isEmpty()) {
            to.accept(parse.apply(value, origin));
        }
    }
}
