package coi.incus;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The only way coi talks to Incus: one daemon and one project, over the REST API (/1.0/...) on
 * the local unix socket or a remote HTTPS endpoint. Its methods come in resource-shaped pieces
 * ({@link Instances}, {@link InstanceSnapshots}, {@link InstanceIo}, {@link ImageStore},
 * {@link ServerResources}, {@link EventSource}); code that needs one piece can take just that.
 * Background operations are waited for; daemon errors become typed {@link IncusException}s.
 * Nothing is retried here: whether a failure is worth another try is the caller's decision.
 */
public interface IncusClient extends Instances, InstanceSnapshots, InstanceIo, ImageStore, ServerResources, EventSource,
        AutoCloseable {
    Path DEFAULT_SOCKET = Path.of("/var/lib/incus/unix.socket");

    static IncusClient local(Path socket) {
        return local(socket, Timeouts.DEFAULT);
    }

    static IncusClient local(Path socket, Timeouts timeouts) {
        return new RestClient(new DaemonConnection(new UnixSocketTransport(socket, timeouts), "default", null));
    }

    static IncusClient remote(URI url, Path clientCert, Path clientKey, Path serverCert) {
        return remote(url, clientCert, clientKey, serverCert, Timeouts.DEFAULT);
    }

    static IncusClient remote(URI url, Path clientCert, Path clientKey, Path serverCert, Timeouts timeouts) {
        return new RestClient(new DaemonConnection(new TlsTransport(url, clientCert, clientKey, serverCert, timeouts), "default", null));
    }

    /** The same daemon, another project. */
    IncusClient inProject(String name);

    /** The same daemon, known to the incus CLI as remote {@code name} (so a terminal handed to it reaches it too). */
    IncusClient asCliRemote(String name);

    /** The incus CLI's name for this daemon, when it was chosen as one of its remotes. */
    Optional<String> cliRemote();

    /** Where the daemon is, for messages ("/var/lib/incus/unix.socket", "https://host:8443"). */
    String address();

    String project();

    /** Closes the idle keep-alive connections. */
    @Override
    void close();
}
