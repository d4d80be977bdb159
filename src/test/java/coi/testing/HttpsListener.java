package coi.testing;

import coi.incus.IncusClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The local daemon listening for HTTPS on a loopback address for one test, then put back as it
 * was. {@code core.https_address} is one setting of a daemon shared by parallel test runs, so a
 * machine-wide lock makes them take turns.
 */
public final class HttpsListener implements AutoCloseable {
    public static final String ADDRESS = "127.0.0.1:18443";
    private static final Path LOCK = Path.of("/tmp/coitest-https.lock");

    private final IncusClient local;
    private final Object previous;
    private final FileChannel lockFile;
    private final FileLock lock;

    private HttpsListener(IncusClient local, FileChannel lockFile, FileLock lock) {
        this.local = local;
        this.lockFile = lockFile;
        this.lock = lock;
        this.previous = local.server().config().get("core.https_address");
        local.updateServerConfig(Map.of("core.https_address", ADDRESS));
    }

    public static HttpsListener open(IncusClient local) {
        try {
            FileChannel file = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new HttpsListener(local, file, file.lock());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot take " + LOCK, e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            local.updateServerConfig(Map.of("core.https_address", previous == null ? "" : previous.toString()));
        } finally {
            lock.release();
            lockFile.close();
        }
    }
}
