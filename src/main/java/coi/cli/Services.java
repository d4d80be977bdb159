package coi.cli;

import coi.config.Config;
import coi.container.ContainerService;
import coi.health.HealthCheck;
import coi.image.Images;
import coi.incus.IncusClient;
import coi.session.Fencing;
import coi.session.Prefetch;
import coi.session.SessionAdmin;
import coi.session.SessionStore;
import coi.session.Sessions;
import coi.session.TmuxControl;
import coi.session.Watcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place that builds coi's services, all from one resolved {@link Config} and the host
 * around it ({@link Context}). Each is made on first use, so that a command connects to Incus
 * only when it needs it and loads only the classes of the services it asks for.
 */
public final class Services implements AutoCloseable {
    private final Context host;
    private final Config config;
    private final Prefetch prefetch;
    private IncusClient incus;

    Services(Context host, Config config) {
        this(host, config, Prefetch.NONE);
    }

    /** {@code prefetch}: its client is taken when it is the one {@code config} names (see {@link Prefetch}). */
    Services(Context host, Config config, Prefetch prefetch) {
        this.host = host;
        this.config = config;
        this.prefetch = prefetch;
    }

    public Config config() {
        return config;
    }

    /** The daemon and project {@code [incus]} names (see {@link IncusConnection}). */
    public synchronized IncusClient incus() {
        if (incus == null) {
            incus = prefetch.client(config.incus()).orElseGet(() -> IncusConnection.open(config.incus(), host.incusConfigDir()));
        }
        return incus;
    }

    public Sessions sessions(PrintWriter out) {
        int[] ids = ids();
        reviveSupervisor();
        return new Sessions(incus(), sessionStore(), new Sessions.Host(ids[0], ids[1], host.home(), host.containerPrefix(),
                host.launcher()), out).prefetched(prefetch);
    }

    public SessionAdmin admin() {
        reviveSupervisor();
        return new SessionAdmin(incus(), sessionStore(), host.containerPrefix(), fencing());
    }

    public SessionStore sessionStore() {
        return new SessionStore(config.paths().sessionsDir());
    }

    /** The host's firewall for session containers: root runs nft itself, others through the sudo rule `coi setup` writes. */
    public Fencing fencing() {
        return Fencing.onHost(incus(), ids()[0]);
    }

    public TmuxControl tmux() {
        return new TmuxControl(incus(), host.containerPrefix());
    }

    public ContainerService containers() {
        return new ContainerService(incus());
    }

    public Images images() {
        return new Images(incus());
    }

    /** The checks of `coi health`: the configured group, image and storage pool. */
    public HealthCheck health() {
        int[] ids = ids();
        return new HealthCheck(incus(), config.incus().group(), config.image(), config.incus().pool(), Path.of("/etc"), ids[0], ids[1]);
    }

    /** This machine's daemon, whatever remote the other commands go to: `coi setup` works only there. */
    public Path localSocket() {
        return IncusConnection.localSocket(config.incus());
    }

    /** A supervisor killed while monitored sessions run comes back with the next coi command that reaches sessions. */
    private void reviveSupervisor() {
        Watcher.revive(host.launcher(), config.paths().sessionsDir());
    }

    /** Real uid and gid of this process, from /proc (no native code needed). */
    static int[] ids() {
        int[] ids = {-1, -1};
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) ids[0] = Integer.parseInt(line.split("\\s+")[1]);
                if (line.startsWith("Gid:")) ids[1] = Integer.parseInt(line.split("\\s+")[1]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status", e);
        }
        return ids;
    }

    @Override
    public synchronized void close() {
        if (incus != null) incus.close();
    }
}
