package coi.cli;

import coi.incus.IncusClient;
import coi.incus.IncusRemotes;
import coi.incus.Timeouts;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What every command needs from its surroundings: the environment and one Incus client, made on
 * first use so that `--help` and usage errors never touch the daemon.
 */
public final class Context implements AutoCloseable {
    private final Map<String, String> env;
    private IncusClient client;
    private String remote;

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
        // an untrusted project file that would widen a session is left out: these commands start none
        return coi.config.ConfigLoader.load(coi.config.ConfigFile.standard(env, home(), workspace), env, home(), coi.config.Overrides.NONE,
                coi.config.ConfigLoader.Untrusted.IGNORE);
    }

    public String containerPrefix() {
        return env("COI_CONTAINER_PREFIX", coi.session.ContainerName.DEFAULT_PREFIX);
    }

    public Path home() {
        return Path.of(env("HOME", System.getProperty("user.home")));
    }

    /** The incus CLI remote named by `--remote`: it wins over every other way of choosing the daemon. */
    public synchronized void useRemote(String name) {
        this.remote = name;
    }

    /** The daemon for commands without a configuration: as {@link #incus(coi.config.Config)} minus the files. */
    public synchronized IncusClient incus() {
        if (client == null) {
            client = connect(Optional.empty(), null, env("COI_INCUS_PROJECT", "default"));
        }
        return client;
    }

    /**
     * The daemon, first match wins: `--remote NAME`; COI_INCUS_URL (https://host:port, with the
     * incus CLI's client certificate and the server's in servercerts/coi.crt or
     * COI_INCUS_SERVER_CERT); the remote COI_INCUS_REMOTE or `[incus] remote`; an explicitly set
     * socket (COI_INCUS_SOCKET, `[incus] socket`); the incus CLI's default remote; the default socket.
     */
    public synchronized IncusClient incus(coi.config.Config config) {
        if (client == null) {
            Path socket = config.incus().socket().equals(IncusClient.DEFAULT_SOCKET) ? null : config.incus().socket();
            client = connect(config.incus().remote(), socket, config.incus().project());
        }
        return client;
    }

    private IncusClient connect(Optional<String> configRemote, Path configSocket, String project) {
        Timeouts timeouts = timeouts();
        if (remote != null) return remoteClient(remote, project, timeouts);
        String url = env.get("COI_INCUS_URL");
        if (url != null && !url.isBlank()) {
            Path dir = incusConfigDir();
            Path serverCert = Path.of(env("COI_INCUS_SERVER_CERT", dir.resolve("servercerts/coi.crt").toString()));
            return IncusClient.remote(URI.create(url), dir.resolve("client.crt"), dir.resolve("client.key"), serverCert, timeouts)
                    .inProject(project);
        }
        Optional<String> named = Optional.ofNullable(env.get("COI_INCUS_REMOTE")).filter(v -> !v.isBlank()).or(() -> configRemote);
        if (named.isPresent()) return remoteClient(named.get(), project, timeouts);
        String socket = env.get("COI_INCUS_SOCKET");
        if (socket != null && !socket.isBlank()) return IncusClient.local(Path.of(socket), timeouts).inProject(project);
        if (configSocket != null) return IncusClient.local(configSocket, timeouts).inProject(project);
        IncusRemotes remotes = IncusRemotes.load(incusConfigDir());
        return remoteClient(remotes, remotes.defaultRemote(), project, timeouts);
    }

    private IncusClient remoteClient(String name, String project, Timeouts timeouts) {
        return remoteClient(IncusRemotes.load(incusConfigDir()), name, project, timeouts);
    }

    private static IncusClient remoteClient(IncusRemotes remotes, String name, String project, Timeouts timeouts) {
        IncusRemotes.Remote r = remotes.find(name).orElseThrow(() -> new coi.UsageException("unknown Incus remote '" + name
                + "': `incus remote list` shows the ones in " + remotes.dir().resolve("config.yml")));
        IncusClient c = remotes.connect(r, timeouts);
        // a project chosen for coi wins over the remote's own
        return project.equals("default") ? c : c.inProject(project);
    }

    /** The incus CLI's folder: $INCUS_CONF as the CLI reads it, else ~/.config/incus. */
    private Path incusConfigDir() {
        return Path.of(env("INCUS_CONF", home().resolve(".config/incus").toString()));
    }

    /** COI_INCUS_TIMEOUT=SECONDS, for slow links; see {@link Timeouts}. */
    private Timeouts timeouts() {
        String v = env.get("COI_INCUS_TIMEOUT");
        if (v == null || v.isBlank()) return Timeouts.DEFAULT;
        try {
            long seconds = Long.parseLong(v.trim());
            if (seconds > 0) return Timeouts.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new coi.UsageException("COI_INCUS_TIMEOUT='" + v + "' is not a positive number of seconds");
    }

    public coi.session.Sessions sessions(coi.config.Config config, java.io.PrintWriter out) {
        int[] ids = ids();
        String launcher = System.getProperty("coi.launcher");
        var host = new coi.session.Sessions.Host(ids[0], ids[1], home(), containerPrefix(),
                launcher == null ? null : Path.of(launcher));
        reviveSupervisor(config);
        return new coi.session.Sessions(incus(config), new coi.session.SessionStore(config.paths().sessionsDir()), host, out);
    }

    /** A supervisor killed while monitored sessions run comes back with the next coi command that reaches sessions. */
    public void reviveSupervisor(coi.config.Config config) {
        String launcher = System.getProperty("coi.launcher");
        coi.session.Watcher.revive(launcher == null ? null : Path.of(launcher), config.paths().sessionsDir());
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
