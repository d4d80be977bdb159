package coi.incus;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;

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

    /** Reads {@code dir/config.yml}; a missing file is the CLI's own default (only "local"). */
    public static IncusRemotes load(Path dir) {
        Map<String, Remote> remotes = new LinkedHashMap<>();
        remotes.put(LOCAL, new Remote(LOCAL, "unix://", "incus", Optional.empty()));
        Path file = dir.resolve("config.yml");
        if (!Files.exists(file)) return new IncusRemotes(dir, LOCAL, remotes);
        Object doc;
        try {
            String text = Files.readString(file);
            Optional<PlainYaml.Document> plain = PlainYaml.read(text);
            doc = plain.isPresent() ? plain.get().root() : libraryDocument(text);
        } catch (IOException | YAMLException e) {
            throw new IncusException("cannot read the incus CLI's configuration " + file + ": " + e.getMessage(), e);
        }
        if (!(doc instanceof Map<?, ?> root)) return new IncusRemotes(dir, LOCAL, remotes);
        if (root.get("remotes") instanceof Map<?, ?> named) {
            named.forEach((name, value) -> {
                Map<?, ?> r = value instanceof Map<?, ?> m ? m : Map.of();
                String project = text(r.get("project"), "");
                remotes.put(String.valueOf(name), new Remote(String.valueOf(name), text(r.get("addr"), ""), text(r.get("protocol"), "incus"),
                        project.isEmpty() ? Optional.empty() : Optional.of(project)));
            });
        }
        return new IncusRemotes(dir, text(root.get("default-remote"), LOCAL), remotes);
    }

    /**
     * The document as maps, lists and strings, from snakeyaml's parser (for a text {@link PlainYaml}
     * does not read): its typed loader (or Jackson's
     * YAML mapper before it) spent a quarter of `coi container exists` on setting itself up
     * (bench/startup), and the CLI's fields are all text.
     */
    static Object libraryDocument(String text) {
        return document(new ParserImpl(new StreamReader(text), new LoaderOptions()));
    }

    private static Object document(Parser parser) {
        parser.getEvent();
        if (parser.checkEvent(Event.ID.StreamEnd)) return null;
        parser.getEvent();
        return node(parser);
    }

    private static Object node(Parser parser) {
        Event event = parser.getEvent();
        if (event instanceof ScalarEvent scalar) {
            boolean plain = scalar.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN;
            return plain && List.of("", "~", "null", "Null", "NULL").contains(scalar.getValue()) ? null : scalar.getValue();
        }
        if (event instanceof MappingStartEvent) {
            Map<String, Object> map = new LinkedHashMap<>();
            while (!parser.checkEvent(Event.ID.MappingEnd)) map.put(String.valueOf(node(parser)), node(parser));
            parser.getEvent();
            return map;
        }
        if (event instanceof SequenceStartEvent) {
            List<Object> list = new ArrayList<>();
            while (!parser.checkEvent(Event.ID.SequenceEnd)) list.add(node(parser));
            parser.getEvent();
            return list;
        }
        return null; // an alias: the CLI writes none
    }

    /** A scalar as text, as the CLI reads it; {@code fallback} when absent or not a scalar. */
    private static String text(Object value, String fallback) {
        return value == null || value instanceof Map<?, ?> || value instanceof Iterable<?> ? fallback : String.valueOf(value);
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
