package coi.incus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.Objects;

/**
 * A connection's blocking streams, made from its reads and writes of byte ranges (the JDK's channel's and
 * the library's, see {@link UnixSocketTransport}): the one-byte forms, the bounds, an empty read, and the
 * words a wait that ran out is said in.
 */
final class ConnStreams {
    /** What a reader waits for, and a writer. */
    static final String ANSWER = "an answer";
    static final String TAKEN = "the daemon to take the request";

    private ConnStreams() {}

    /** Up to {@code len} bytes into b[off..] (at least one), or -1 at the end of the stream. */
    interface Read {
        int read(byte[] b, int off, int len) throws IOException;
    }

    /** All of b[off..off+len]. */
    interface Write {
        void write(byte[] b, int off, int len) throws IOException;
    }

    static SocketTimeoutException timedOut(String waitingFor, long millis) {
        return new SocketTimeoutException("no progress waiting for " + waitingFor + " for " + millis + " ms");
    }

    static InputStream in(Read reads) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                return len == 0 ? 0 : reads.read(b, off, len);
            }
        };
    }

    static OutputStream out(Write writes) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                writes.write(b, off, len);
            }
        };
    }
}
