package coi.incus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The local daemon's unix socket, e.g. /var/lib/incus/unix.socket: through libcoi-unix.so when bin/coi
 * names it ({@link NativeUnixSocket}, which starts 30-45 ms sooner), else the JDK's channel. A unix-domain
 * channel has no socket timeout option, so the channel is non-blocking and every wait goes through a
 * selector with the timeout: a daemon that accepts and never answers cannot hang coi.
 */
public final class UnixSocketTransport implements Transport {
    private final Path socket;
    private final Timeouts timeouts;

    public UnixSocketTransport(Path socket) {
        this(socket, Timeouts.DEFAULT);
    }

    public UnixSocketTransport(Path socket, Timeouts timeouts) {
        this.socket = socket;
        this.timeouts = timeouts;
    }

    @Override
    public Conn open() throws IOException {
        if (NativeUnixSocket.usable(socket)) return NativeUnixSocket.open(socket, timeouts);
        return openChannel();
    }

    /** The same through the JDK's unix-domain channel. */
    Conn openChannel() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.configureBlocking(false);
            if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
                try (Selector connecting = Selector.open()) {
                    channel.register(connecting, SelectionKey.OP_CONNECT);
                    if (connecting.select(timeouts.connect().toMillis()) == 0) {
                        throw new SocketTimeoutException("connect timed out after " + Timeouts.seconds(timeouts.connect()));
                    }
                    channel.finishConnect();
                }
            }
            return new SelectorConn(channel, timeouts.read());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public Timeouts timeouts() {
        return timeouts;
    }

    @Override
    public String address() {
        return socket.toString();
    }

    /** Blocking streams over a non-blocking channel; reads and writes each wait on their own selector. */
    private static final class SelectorConn implements Conn {
        private final SocketChannel channel;
        private final Selector readable;
        private final Selector writable;
        private volatile long timeoutMillis;
        private final InputStream in;
        private final OutputStream out;

        SelectorConn(SocketChannel channel, Duration timeout) throws IOException {
            this.channel = channel;
            this.readable = Selector.open();
            this.writable = Selector.open();
            channel.register(readable, SelectionKey.OP_READ);
            channel.register(writable, SelectionKey.OP_WRITE);
            this.timeoutMillis = timeout.toMillis();
            this.in = ConnStreams.in((b, off, len) -> {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                for (;;) {
                    int n = channel.read(buf);
                    if (n != 0) return n;
                    await(readable, ConnStreams.ANSWER);
                }
            });
            this.out = ConnStreams.out((b, off, len) -> {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    if (channel.write(buf) == 0) await(writable, ConnStreams.TAKEN);
                }
            });
        }

        private void await(Selector selector, String what) throws IOException {
            long limit = timeoutMillis;
            int ready = selector.select(limit);
            selector.selectedKeys().clear();
            if (ready == 0 && limit > 0) throw ConnStreams.timedOut(what, limit);
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
            timeoutMillis = timeout.toMillis();
        }

        @Override
        public void close() {
            try {
                channel.close();
                readable.close();
                writable.close();
            } catch (IOException ignored) {
                // closing a broken socket: nothing left to release
            }
        }
    }
}
