package coi.cli;

import coi.incus.IncusClient;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every command needs from its surroundings: the environment and one Incus client, made on
 * first use so that `--help` and usage errors never touch the daemon.
 */
public final class Context implements AutoCloseable {
    private final Map<String, String> env;
    private IncusClient client;

    public Context(Map<String, String> env) {
        this.env = env;
    }

    public Map<String, String> env() {
        return env;
    }

    public String env(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    public Path home() {
        return Path.of(env("HOME", System.getProperty("user.home")));
    }

    /**
     * The daemon: COI_INCUS_URL (https://host:port, with the incus CLI's client certificate in
     * ~/.config/incus and the server's in servercerts/coi.crt or COI_INCUS_SERVER_CERT), otherwise
     * the unix socket COI_INCUS_SOCKET (default /var/lib/incus/unix.socket).
     */
    public synchronized IncusClient incus() {
        if (client == null) {
            String url = env.get("COI_INCUS_URL");
            String project = env("COI_INCUS_PROJECT", "default");
            if (url != null && !url.isBlank()) {
                Path dir = Path.of(env("INCUS_CONF", home().resolve(".config/incus").toString()));
                Path serverCert = Path.of(env("COI_INCUS_SERVER_CERT", dir.resolve("servercerts/coi.crt").toString()));
                client = IncusClient.remote(URI.create(url), dir.resolve("client.crt"), dir.resolve("client.key"), serverCert)
                        .inProject(project);
            } else {
                client = IncusClient.local(Path.of(env("COI_INCUS_SOCKET", IncusClient.DEFAULT_SOCKET.toString())))
                        .inProject(project);
            }
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) client.close();
    }
}
