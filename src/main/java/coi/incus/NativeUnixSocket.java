package coi.incus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A connection to the local daemon's unix socket through libcoi-unix.so (src/main/c/coi-unix.c), which
 * bin/coi names in the system property {@code coi.unixlib}. The JDK's unix-domain channel seeds a
 * SecureRandom at its first use and so starts the security framework: 30-45 ms of every command's start,
 * the largest part of `coi list` after the JVM's own (bench/startup). {@link UnixSocketTransport} takes
 * this way when the library loads and the path is plain ASCII, the JDK's channel otherwise; both fail,
 * time out and close alike.
 *
 * <p>Closing while another thread waits in a read or write (an event stream ended from outside) shuts
 * the socket down first, which wakes that thread, and releases the descriptor only once no call uses it,
 * so that a number the kernel hands out again can never be read or written by mistake.
 */
final class NativeUnixSocket implements Transport.Conn {
    /** What the library returns when a wait ran out. */
    private static final int TIMED_OUT = -2;

    private final int fd;
    private final Object lock = new Object();
    private int inUse;
    private boolean closed;
    private volatile int timeoutMillis;
    private final InputStream in;
    private final OutputStream out;

    private NativeUnixSocket(int fd, Duration readTimeout) {
        this.fd = fd;
        this.timeoutMillis = millis(readTimeout);
        this.in = ConnStreams.in((b, off, len) -> {
            int n = call(() -> read(fd, b, off, len, timeoutMillis));
            if (n == TIMED_OUT) throw ConnStreams.timedOut(ConnStreams.ANSWER, timeoutMillis);
            return n;
        });
        this.out = ConnStreams.out((b, off, len) -> {
            if (call(() -> write(fd, b, off, len, timeoutMillis)) == TIMED_OUT) throw ConnStreams.timedOut(ConnStreams.TAKEN, timeoutMillis);
        });
    }

    /** Whether the library is there to use. */
    static boolean available() {
        return coi.NativeLib.loaded();
    }

    /** Whether {@code socket} can be given to the library as it is (its bytes are its characters). */
    static boolean usable(Path socket) {
        return coi.NativeLib.loaded() && StandardCharsets.US_ASCII.newEncoder().canEncode(socket.toString());
    }

    /** Connects within {@code timeouts.connect()}; its reads and writes wait {@code timeouts.read()}. */
    static NativeUnixSocket open(Path socket, Timeouts timeouts) throws IOException {
        int fd = connect(socket.toString().getBytes(StandardCharsets.US_ASCII), millis(timeouts.connect()));
        if (fd == TIMED_OUT) throw new SocketTimeoutException("connect timed out after " + Timeouts.seconds(timeouts.connect()));
        return new NativeUnixSocket(fd, timeouts.read());
    }

    /** A wait in milliseconds as the library takes it: 0 for ever, otherwise at least 1 and at most what an int holds. */
    private static int millis(Duration d) {
        if (d.isZero() || d.isNegative()) return 0;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    private interface Call {
        int run() throws IOException;
    }

    /** {@code call} on the descriptor, which stays open until it returns; a closed connection fails as a closed channel does. */
    private int call(Call call) throws IOException {
        synchronized (lock) {
            if (closed) throw new ClosedChannelException();
            inUse++;
        }
        try {
            int n = call.run();
            synchronized (lock) {
                if (closed) throw new ClosedChannelException();
            }
            return n;
        } finally {
            synchronized (lock) {
                if (--inUse == 0 && closed) close(fd);
            }
        }
    }

    @Override
    public InputStream in() {
        return in;
    }

    @Override
    public OutputStream out() {
        return out;
    }

    @Override
    public void readTimeout(Duration timeout) {
        timeoutMillis = millis(timeout);
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            if (inUse == 0) {
                close(fd);
            } else {
                shutdown(fd);
            }
        }
    }

    private static native int connect(byte[] path, int timeoutMillis) throws IOException;

    private static native int read(int fd, byte[] b, int off, int len, int timeoutMillis) throws IOException;

    private static native int write(int fd, byte[] b, int off, int len, int timeoutMillis) throws IOException;

    private static native void shutdown(int fd);

    private static native void close(int fd);
}
