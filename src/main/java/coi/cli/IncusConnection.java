package coi.cli;

import coi.UsageException;
import coi.config.Config;
import coi.config.IncusEndpoint;
import coi.incus.IncusClient;
import coi.incus.IncusRemotes;
import coi.incus.Timeouts;
import java.nio.file.Path;

/**
 * Opens the client that {@code [incus]} names, as resolved by the configuration's one rule (see
 * {@link IncusEndpoint}). {@code cliDir} is the incus CLI's folder: its remotes, the client
 * certificate and the pinned server certificates.
 */
final class IncusConnection {
    private IncusConnection() {}

    static IncusClient open(Config.Incus incus, Path cliDir) {
        Timeouts timeouts = incus.timeoutSeconds().map(Timeouts::ofSeconds).orElse(Timeouts.DEFAULT);
        // instanceof, not a pattern switch: its first run spins a class at run time (the AOT cache keeps
        // no such call site), milliseconds of every command that reaches Incus
        IncusEndpoint endpoint = incus.endpoint();
        if (endpoint instanceof IncusEndpoint.Socket s) return IncusClient.local(s.path(), timeouts).inProject(project(incus));
        if (endpoint instanceof IncusEndpoint.Url u) {
            return IncusClient.remote(u.url(), cliDir.resolve("client.crt"), cliDir.resolve("client.key"),
                    incus.serverCert().orElse(cliDir.resolve("servercerts/coi.crt")), timeouts).inProject(project(incus));
        }
        IncusRemotes remotes = IncusRemotes.load(cliDir);
        String name = endpoint instanceof IncusEndpoint.Remote r ? r.name() : remotes.defaultRemote();
        return remote(remotes, name, incus, timeouts);
    }

    /** The unix socket of this machine's daemon: the configured one, else the default (`coi setup` works only there). */
    static Path localSocket(Config.Incus incus) {
        return incus.endpoint() instanceof IncusEndpoint.Socket s ? s.path() : IncusClient.DEFAULT_SOCKET;
    }

    private static String project(Config.Incus incus) {
        return incus.project().orElse("default");
    }

    private static IncusClient remote(IncusRemotes remotes, String name, Config.Incus incus, Timeouts timeouts) {
        IncusRemotes.Remote r = remotes.find(name).orElseThrow(() -> new UsageException("unknown Incus remote '" + name
                + "': `incus remote list` shows the ones in " + remotes.dir().resolve("config.yml")));
        IncusClient client = remotes.connect(r, timeouts);
        // a project configured for coi wins over the remote's own
        return incus.project().map(client::inProject).orElse(client);
    }
}
