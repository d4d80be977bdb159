package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The incus CLI's remotes, as `incus remote add/switch` leave them: {@code config.yml} in its
 * configuration folder ($INCUS_CONF, default ~/.config/incus) names each remote's address,
 * protocol and project, and which one is the default; {@code servercerts/NAME.crt} pins a
 * remote's certificate; {@code client.crt}/{@code client.key} is the identity presented to all.
 */
public record IncusRemotes(Path dir, String defaultRemote, Map<String, Remote> remotes) {
    /** The built-in remote the CLI always has: the local daemon's unix socket. */
    public static final String LOCAL = "local";

    public record Remote(String name, String addr, String protocol, Optional<String> project) {
        /** {@code unix://} is the default socket; {@code unix:///path} names another. */
        public boolean local() {
            return addr.startsWith("unix:");
        }

        Path socket() {
            String path = addr.substring("unix:".length()).replaceFirst("^//", "");
            return path.isEmpty() ? IncusClient.DEFAULT_SOCKET : Path.of(path);
        }
    }

    /** Made on first use: most machines have no config.yml, and the YAML parser is many classes to load. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());
    }

    /** Reads {@code dir/config.yml}; a missing file is the CLI's own default (only "local"). */
    public static IncusRemotes load(Path dir) {
        Map<String, Remote> remotes = new LinkedHashMap<>();
        remotes.put(LOCAL, new Remote(LOCAL, "unix://", "incus", Optional.empty()));
        Path file = dir.resolve("config.yml");
        if (!Files.exists(file)) return new IncusRemotes(dir, LOCAL, remotes);
        JsonNode root;
        try {
            root = Yaml.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new IncusException("cannot read the incus CLI's configuration " + file + ": " + e.getMessage(), e);
        }
        if (root == null) return new IncusRemotes(dir, LOCAL, remotes);
        root.path("remotes").properties().forEach(e -> {
            JsonNode r = e.getValue();
            String project = r.path("project").asText("");
            remotes.put(e.getKey(), new Remote(e.getKey(), r.path("addr").asText(""), r.path("protocol").asText("incus"),
                    project.isEmpty() ? Optional.empty() : Optional.of(project)));
        });
        return new IncusRemotes(dir, root.path("default-remote").asText(LOCAL), remotes);
    }

    public Optional<Remote> find(String name) {
        return Optional.ofNullable(remotes.get(name));
    }

    /**
     * A client for the remote: its unix socket, or HTTPS with this folder's client certificate
     * and the remote's pinned server certificate (the system's authorities when none is pinned).
     */
    public IncusClient connect(Remote remote, Timeouts timeouts) {
        if (!remote.protocol().equals("incus")) {
            throw new IncusException(400, "remote '" + remote.name() + "' (" + remote.addr() + ") is a " + remote.protocol()
                    + " image server, not an Incus daemon: pick another with --remote");
        }
        IncusClient client;
        if (remote.local()) {
            client = IncusClient.local(remote.socket(), timeouts);
        } else {
            Path pinned = dir.resolve("servercerts").resolve(remote.name() + ".crt");
            client = IncusClient.remote(URI.create(remote.addr()), dir.resolve("client.crt"), dir.resolve("client.key"),
                    Files.exists(pinned) ? pinned : null, timeouts);
        }
        client = client.asCliRemote(remote.name());
        return remote.project().map(client::inProject).orElse(client);
    }
}
