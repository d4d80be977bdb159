package coi.incus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Opens byte streams to the daemon: a unix socket locally, TLS for a remote. */
public interface Transport {

    /** A connected, bidirectional stream. Closing it closes both directions at once (never half-close). */
    interface Conn extends AutoCloseable {
        InputStream in();

        OutputStream out();

        @Override
        void close();
    }

    Conn open() throws IOException;

    /** Where the daemon is, for error messages ("/var/lib/incus/unix.socket", "https://host:8443"). */
    String address();

    /** Value of the HTTP Host header. */
    default String host() {
        return "incus";
    }
}
