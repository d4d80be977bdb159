package coi.incus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/** Opens byte streams to the daemon: a unix socket locally, TLS for a remote. */
public interface Transport {

    /** A connected, bidirectional stream. Closing it closes both directions at once (never half-close). */
    interface Conn extends AutoCloseable {
        InputStream in();

        OutputStream out();

        /**
         * The longest wait for the daemon's next byte (or for it to take ours) before a read or
         * write fails with {@link java.net.SocketTimeoutException}; zero waits for ever.
         */
        void readTimeout(Duration timeout) throws IOException;

        @Override
        void close();
    }

    /** A connection within the connect timeout, its read timeout set to {@link Timeouts#read()}. */
    Conn open() throws IOException;

    Timeouts timeouts();

    /** Where the daemon is, for error messages ("/var/lib/incus/unix.socket", "https://host:8443"). */
    String address();

    /** Value of the HTTP Host header. */
    default String host() {
        return "incus";
    }
}
