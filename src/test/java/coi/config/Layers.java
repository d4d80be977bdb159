package coi.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A test's configuration world: real files under a temp dir, an environment and flags. */
final class Layers {
    final Path root;
    final Path home;
    final List<ConfigFile> files = new ArrayList<>();
    final Map<String, String> env = new HashMap<>();
    String image, tool, network, profile, storage, limitCpu, limitMemory, limitDuration, remote;
    Boolean persistent;
    final Map<String, String> flagEnv = new LinkedHashMap<>();
    final List<String> flagMounts = new ArrayList<>();

    Layers(Path root) {
        this.root = root;
        this.home = root.resolve("home");
    }

    /** Writes {@code toml} to {@code name} under the temp dir and adds it as the next layer. */
    Path file(String name, String toml) {
        Path path = write(name, toml);
        files.add(ConfigFile.optional(path));
        return path;
    }

    Path write(String name, String toml) {
        Path path = root.resolve(name);
        try {
            Files.createDirectories(path.getParent());
            Files.writeString(path, toml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return path;
    }

    Config load() {
        var flags = new Overrides(image, persistent, tool, network, profile, flagEnv, flagMounts, storage,
                limitCpu, limitMemory, limitDuration).withRemote(remote);
        return ConfigLoader.load(files, env, home, flags);
    }
}
