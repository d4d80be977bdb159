package coi.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One configuration file layer. A missing file is skipped unless {@code requiredBy} names what
 * pointed at it (e.g. "COI_CONFIG"): then its absence is an error.
 */
public record ConfigFile(Path path, String requiredBy) {

    public static ConfigFile optional(Path path) {
        return new ConfigFile(path, null);
    }

    public static ConfigFile required(Path path, String requiredBy) {
        return new ConfigFile(path, requiredBy);
    }

    /** The standard layers, lowest first: system, user, workspace, then $COI_CONFIG if set. */
    public static List<ConfigFile> standard(Map<String, String> env, Path home, Path workspace) {
        var files = new ArrayList<>(List.of(
                optional(Path.of("/etc/coi/config.toml")),
                optional(home.resolve(".config/coi/config.toml")),
                optional(workspace.resolve(".coi.toml"))));
        String named = env.get("COI_CONFIG");
        if (named != null && !named.isEmpty()) {
            files.add(required(Values.path(named, home, null), "COI_CONFIG"));
        }
        return List.copyOf(files);
    }
}
