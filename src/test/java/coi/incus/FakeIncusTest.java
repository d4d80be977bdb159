package coi.incus;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh {@link FakeIncus} on a unix socket in a temp dir, and a client (and its connection) for it, per test. */
abstract class FakeIncusTest {
    @TempDir
    Path dir;
    FakeIncus fake;
    DaemonConnection connection;
    IncusClient client;

    @BeforeEach
    void startFake() throws IOException {
        fake = FakeIncus.start(dir);
        connection = new DaemonConnection(new UnixSocketTransport(fake.socket()), "default", null);
        client = new RestClient(connection);
    }

    @AfterEach
    void stopFake() {
        client.close();
        fake.close();
    }
}
