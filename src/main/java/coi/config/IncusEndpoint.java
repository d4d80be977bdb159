package coi.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the Incus daemon is. One setting however it is said: the highest layer that names an
 * endpoint (the `--remote` flag, then COI_INCUS_* variables, then the files, later over earlier)
 * decides it whole; within one layer a URL beats a remote, which beats a socket.
 */
public sealed interface IncusEndpoint {
    /** Nothing named one: the incus CLI's default remote, else the default unix socket. */
    record CliDefault() implements IncusEndpoint {}

    /** A unix socket of a daemon on this machine. */
    record Socket(Path path) implements IncusEndpoint {}

    /** A remote of the incus CLI, by name, as `incus remote add` left it (`local` is the default socket). */
    record Remote(String name) implements IncusEndpoint {}

    /** A daemon over HTTPS, with the incus CLI's client certificate. */
    record Url(URI url) implements IncusEndpoint {}

    IncusEndpoint CLI_DEFAULT = new CliDefault();

    /** The strongest of what one layer names, or empty when it names none. */
    static Optional<IncusEndpoint> strongest(Optional<URI> url, Optional<String> remote, Optional<Path> socket) {
        return url.<IncusEndpoint>map(Url::new).or(() -> remote.map(Remote::new)).or(() -> socket.map(Socket::new));
    }
}
