package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon that accepts and then says nothing: every transport gives up within its timeout with
 * an error naming the server, instead of hanging coi.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimeoutsTest {
    private static final Timeouts SHORT = new Timeouts(Duration.ofMillis(700), Duration.ofMillis(700));
    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    @Test
    void aSilentUnixSocketDaemonFailsWithinTheReadTimeout() throws Exception {
        Path socket = dir.resolve("silent.socket");
        ServerSocketChannel server = listen(socket);
        acceptForever(() -> open.add(server.accept()));

        try (IncusClient client = IncusClient.local(socket, SHORT)) {
            long start = System.nanoTime();
            assertThatThrownBy(client::server)
                    .isInstanceOf(IncusException.Unreachable.class)
                    .hasMessage("Incus at " + socket + " did not answer GET /1.0 within 700 ms: is the server overloaded,"
                            + " or is something else listening there? (COI_INCUS_TIMEOUT=SECONDS waits longer)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aListenerThatNeverCompletesTheTlsHandshakeFailsWithinTheConnectTimeout() throws Exception {
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        open.add(server);
        acceptForever(() -> open.add(server.accept()));
        URI url = URI.create("https://127.0.0.1:" + server.getLocalPort());
        Path key = dir.resolve("client.key"), crt = dir.resolve("client.crt");
        PemTest.openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", key.toString());
        PemTest.openssl("req", "-x509", "-new", "-key", key.toString(), "-out", crt.toString(), "-days", "1", "-subj", "/CN=coi-client");

        try (IncusClient client = IncusClient.remote(url, crt, key, null, SHORT)) {
            long start = System.nanoTime();
            assertThatThrownBy(client::instances)
                    .isInstanceOf(IncusException.Unreachable.class)
                    .hasMessageStartingWith("Incus at https://127.0.0.1:" + server.getLocalPort() + " did not answer the connection within 700 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aStreamWithoutReadTimeoutWaitsPastIt() throws Exception {
        Path socket = dir.resolve("slow.socket");
        ServerSocketChannel server = listen(socket);
        Thread answer = Thread.ofVirtual().start(() -> {
            try (SocketChannel c = server.accept()) {
                Thread.sleep(1500);
                c.write(ByteBuffer.wrap(new byte[] {42}));
                Thread.sleep(500);
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });

        try (Transport.Conn conn = new UnixSocketTransport(socket, SHORT).open()) {
            conn.readTimeout(Duration.ZERO);
            assertThat(conn.in().read()).isEqualTo(42);
        }
        answer.join();
    }

    @Test
    void oneValueSetsBothButConnectStaysShort() {
        assertThat(Timeouts.ofSeconds(3)).isEqualTo(new Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(3)));
        assertThat(Timeouts.ofSeconds(300)).isEqualTo(new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(300)));
        assertThatThrownBy(() -> new Timeouts(Duration.ZERO, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    }

    private ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        open.add(server);
        server.bind(UnixDomainSocketAddress.of(socket));
        return server;
    }

    private interface Accept {
        void once() throws IOException;
    }

    private static void acceptForever(Accept accept) {
        Thread.ofVirtual().start(() -> {
            try {
                for (;;) accept.once();
            } catch (IOException closed) {
                // the test is over
            }
        });
    }
}
