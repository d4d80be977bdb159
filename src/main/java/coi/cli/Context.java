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

    /** The folder coi was started in (PWD, so a symlinked path stays as the user typed it). */
    public Path cwd() {
        return Path.of(env("PWD", System.getProperty("user.dir")));
    }

    /** Configuration for commands without session flags: the files, profile and COI_* layers only. */
    public coi.config.Config config(Path workspace) {
        return coi.config.ConfigLoader.load(coi.config.ConfigFile.standard(env, home(), workspace), env, home(), coi.config.Overrides.NONE);
    }

    public String containerPrefix() {
        return env("COI_CONTAINER_PREFIX", coi.session.ContainerName.DEFAULT_PREFIX);
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

    /** The client for a session command: the config's socket and project unless COI_INCUS_URL points elsewhere. */
    public synchronized IncusClient incus(coi.config.Config config) {
        if (client == null && (env.get("COI_INCUS_URL") == null || env.get("COI_INCUS_URL").isBlank())) {
            client = IncusClient.local(config.incus().socket()).inProject(config.incus().project());
        }
        return incus();
    }

    public coi.session.Sessions sessions(coi.config.Config config, java.io.PrintWriter out) {
        int[] ids = ids();
        String launcher = System.getProperty("coi.launcher");
        var host = new coi.session.Sessions.Host(ids[0], ids[1], home(), containerPrefix(),
                launcher == null ? null : Path.of(launcher));
        return new coi.session.Sessions(incus(config), new coi.session.SessionStore(config.paths().sessionsDir()), host, out);
    }

    /** Real uid and gid of this process, from /proc (no native code needed). */
    static int[] ids() {
        int[] ids = {-1, -1};
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) ids[0] = Integer.parseInt(line.split("\\s+")[1]);
                if (line.startsWith("Gid:")) ids[1] = Integer.parseInt(line.split("\\s+")[1]);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/self/status", e);
        }
        return ids;
    }

    @Override
    public synchronized void close() {
        if (client != null) client.close();
    }
}
