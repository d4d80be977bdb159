package coi.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One configuration file layer. A missing file is skipped unless {@code requiredBy} names what
 * pointed at it (e.g. "COI_CONFIG"): then its absence is an error. A {@code project} file lives
 * in the workspace, where the agent writes too: it is read without following links and may only
 * widen the sandbox once the user trusts its content (see {@link Widening}, {@link TrustStore}).
 */
public record ConfigFile(Path path, String requiredBy, boolean project) {
    /** The name of the project config file in a workspace. */
    public static final String PROJECT_FILE = ".coi.toml";

    public ConfigFile(Path path, String requiredBy) {
        this(path, requiredBy, false);
    }

    /*
     * equals and hashCode by hand: a record's own are bootstrapped at their first call (the
     * ObjectMethods method handles), and these are the first a session's start calls, as the keys
     * of the layers read (ConfigLoader): 30-80 ms of its config read in a fresh JVM, which the AOT
     * cache does not keep (class-load log with causes, `coi shell`).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigFile f && path.equals(f.path) && java.util.Objects.equals(requiredBy, f.requiredBy)
                && project == f.project;
    }

    @Override
    public int hashCode() {
        return (path.hashCode() * 31 + java.util.Objects.hashCode(requiredBy)) * 31 + Boolean.hashCode(project);
    }

    public static ConfigFile project(Path workspace) {
        return new ConfigFile(workspace.resolve(PROJECT_FILE), null, true);
    }

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
                project(workspace)));
        String named = env.get("COI_CONFIG");
        if (named != null && !named.isEmpty()) {
            files.add(required(Values.path(named, home, null), "COI_CONFIG"));
        }
        return List.copyOf(files);
    }
}
