package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both ways to the local daemon's socket, the library's ({@link NativeUnixSocket}, what bin/coi uses)
 * and the JDK's channel (its fallback), against real unix sockets: the same bytes, the same timeouts,
 * the same failures with the same exceptions and texts. The build names the library to this JVM as
 * bin/coi does (pom.xml); without it these tests fail rather than test the fallback twice.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UnixSocketTransportTest {
    private static final Timeouts SHORT = new Timeouts(Duration.ofMillis(500), Duration.ofMillis(500));
    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path dir;

    enum Way {
        LIBRARY, CHANNEL;

        Transport.Conn open(Path socket, Timeouts timeouts) throws IOException {
            return this == LIBRARY ? NativeUnixSocket.open(socket, timeouts) : new UnixSocketTransport(socket, timeouts).openChannel();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    @Test
    void theBuildsLibraryIsTheOneTransportOpensAndAPathItCannotTakeGoesToTheChannel() throws Exception {
        assertThat(NativeUnixSocket.available()).as("libcoi-unix.so loaded from -Dcoi.unixlib").isTrue();
        Path socket = dir.resolve("d.socket");
        ServerSocketChannel server = listen(socket);
        acceptForever(server);
        try (Transport.Conn conn = new UnixSocketTransport(socket, SHORT).open()) {
            assertThat(conn).isInstanceOf(NativeUnixSocket.class);
        }
        assertThat(NativeUnixSocket.usable(Path.of("/run/incus/unix.socket"))).isTrue();
        assertThat(NativeUnixSocket.usable(dir.resolve("dæmon.socket"))).isFalse();
        assertThat(coi.NativeLib.load(dir.resolve("absent.so").toString())).isFalse();
        assertThat(coi.NativeLib.load(null)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void bytesGoBothWaysWholeAndInOrder(Way way) throws Exception {
        byte[] request = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(request);
        Path socket = dir.resolve("echo.socket");
        ServerSocketChannel server = listen(socket);
        // reads slowly at first, so that the writer meets a full socket buffer and waits, then echoes it all back
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
            try (SocketChannel c = server.accept()) {
                Thread.sleep(200);
                ByteBuffer all = ByteBuffer.allocate(request.length);
                while (all.hasRemaining()) if (c.read(all) < 0) break;
                all.flip();
                c.write(all.duplicate());
                return all.array();
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });

        try (Transport.Conn conn = way.open(socket, new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)))) {
            conn.out().write(request, 0, 5);
            conn.out().write(request, 5, request.length - 5);
            InputStream in = conn.in();
            byte[] back = new byte[request.length];
            int n = 0;
            back[n++] = (byte) in.read();
            for (int r; n < back.length && (r = in.read(back, n, back.length - n)) > 0; ) n += r;
            assertThat(n).isEqualTo(request.length);
            assertThat(sha(back)).isEqualTo(sha(request));
            assertThat(in.read()).as("the server closed: the end of the stream").isEqualTo(-1);
            assertThat(in.read(new byte[0], 0, 0)).isZero();
        }
        assertThat(sha(received.get(10, TimeUnit.SECONDS))).isEqualTo(sha(request));
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aSilentDaemonTimesOutTheReadAndAStreamWithoutTimeoutWaits(Way way) throws Exception {
        Path socket = dir.resolve("silent.socket");
        ServerSocketChannel server = listen(socket);
        CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        try (Transport.Conn conn = way.open(socket, SHORT)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> conn.in().read())
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("no progress waiting for an answer for 500 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(450), Duration.ofSeconds(3));

            SocketChannel peer = accepted.get(5, TimeUnit.SECONDS);
            open.add(peer);
            conn.readTimeout(Duration.ZERO);
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1200);
                    peer.write(ByteBuffer.wrap(new byte[] {42}));
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(conn.in().read()).isEqualTo(42);
        }
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aDaemonThatTakesNothingTimesOutTheWrite(Way way) throws Exception {
        Path socket = dir.resolve("full.socket");
        ServerSocketChannel server = listen(socket);
        acceptForever(server);
        try (Transport.Conn conn = way.open(socket, SHORT)) {
            assertThatThrownBy(() -> conn.out().write(new byte[64 * 1024 * 1024]))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("no progress waiting for the daemon to take the request for 500 ms");
        }
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void failuresToConnectAreTheJdksOwn(Way way) throws Exception {
        assertThatThrownBy(() -> way.open(dir.resolve("absent/unix.socket"), SHORT))
                .isExactlyInstanceOf(SocketException.class).hasMessage("No such file or directory");
        Path dead = dir.resolve("dead.socket");
        listen(dead).close();
        assertThatThrownBy(() -> way.open(dead, SHORT)).isExactlyInstanceOf(ConnectException.class).hasMessage("Connection refused");
        Path plain = Files.writeString(dir.resolve("plain"), "not a socket");
        assertThatThrownBy(() -> way.open(plain, SHORT)).isExactlyInstanceOf(ConnectException.class).hasMessage("Connection refused");
        Path tooLong = dir.resolve("x".repeat(120));
        assertThatThrownBy(() -> way.open(tooLong, SHORT)).isInstanceOf(SocketException.class).hasMessageContaining("too long");
    }

    @Test
    void closingWakesAReaderWithAClosedChannelAndReleasesTheDescriptorOnce() throws Exception {
        Path socket = dir.resolve("quiet.socket");
        ServerSocketChannel server = listen(socket);
        long before = descriptors();
        for (int i = 0; i < 50; i++) {
            Way.LIBRARY.open(socket, SHORT).close();
            server.accept().close();
        }
        assertThat(descriptors()).as("every descriptor given back").isEqualTo(before);
        acceptForever(server);

        Transport.Conn conn = Way.LIBRARY.open(socket, SHORT);
        conn.readTimeout(Duration.ZERO);
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                conn.in().read();
                return null;
            } catch (Throwable e) {
                return e;
            }
        });
        Thread.sleep(300);
        assertThat(reader).isNotDone();
        conn.close();
        conn.close();
        assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> conn.out().write(1)).isInstanceOf(ClosedChannelException.class);
        // the server's end of it stays open until the test ends: one more than before, not two
        assertThat(descriptors()).as("the reader's descriptor given back once it returned").isEqualTo(before + 1);
    }

    private static long descriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static String sha(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        open.add(server);
        server.bind(UnixDomainSocketAddress.of(socket));
        return server;
    }

    /**
     * Accepts every connection and keeps it open, reading nothing, until the test ends. On a platform
     * thread: a virtual one blocking in accept opens the JDK's pollers, descriptors the counts would see.
     */
    private void acceptForever(ServerSocketChannel server) {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (;;) {
                    SocketChannel c = server.accept();
                    synchronized (open) {
                        open.add(c);
                    }
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
    }
}
