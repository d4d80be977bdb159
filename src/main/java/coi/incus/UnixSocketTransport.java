package coi.incus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** The local daemon's unix socket, e.g. /var/lib/incus/unix.socket. */
public final class UnixSocketTransport implements Transport {
    private final Path socket;

    public UnixSocketTransport(Path socket) {
        this.socket = socket;
    }

    @Override
    public Conn open() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        InputStream in = Channels.newInputStream(channel);
        OutputStream out = Channels.newOutputStream(channel);
        return new Conn() {
            public InputStream in() { return in; }
            public OutputStream out() { return out; }
            public void close() {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing a broken socket: nothing left to release
                }
            }
        };
    }

    @Override
    public String address() {
        return socket.toString();
    }
}
