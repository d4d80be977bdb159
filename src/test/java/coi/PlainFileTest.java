package coi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The opener of files the agent can write: whatever is at the path when it is opened decides, and the open never blocks. */
class PlainFileTest {
    /** A hang guard only: the open of a FIFO without a writer would never return. */
    private static final Duration HANG = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aPlainFileIsReadWhole() throws Exception {
        Path file = Files.writeString(dir.resolve("a.toml"), "x = 1\n");
        assertThat(PlainFile.read(file, 100)).isInstanceOfSatisfying(PlainFile.Content.class,
                c -> assertThat(new String(c.bytes())).isEqualTo("x = 1\n"));
        Path empty = Files.createFile(dir.resolve("empty"));
        assertThat(PlainFile.read(empty, 100)).isInstanceOfSatisfying(PlainFile.Content.class, c -> assertThat(c.bytes()).isEmpty());
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = mkfifo(dir.resolve("a.toml"));
        // no writer ever comes: a blocking open would hang here
        var outcome = assertTimeoutPreemptively(HANG, () -> PlainFile.read(fifo, 100));
        assertThat(outcome).isEqualTo(new PlainFile.NotPlain("FIFO"));
        assertThat(assertTimeoutPreemptively(HANG, () -> PlainFile.head(fifo, 100))).isEqualTo(new PlainFile.NotPlain("FIFO"));
    }

    @Test
    void aDeviceIsRefused() {
        // /dev/null reads as empty: opened and read as a file it would pass for an empty config
        assertThat(PlainFile.read(Path.of("/dev/null"), 100)).isEqualTo(new PlainFile.NotPlain("device"));
        assertThat(PlainFile.head(Path.of("/dev/zero"), 100)).isEqualTo(new PlainFile.NotPlain("device"));
    }

    @Test
    void aFolderIsRefused() throws Exception {
        assertThat(PlainFile.read(Files.createDirectory(dir.resolve("a.toml")), 100)).isEqualTo(new PlainFile.NotPlain("folder"));
    }

    @Test
    void aLinkIsNotFollowedEvenToAPlainFile() throws Exception {
        Path target = Files.writeString(dir.resolve("secret"), "token");
        Path link = Files.createSymbolicLink(dir.resolve("a.toml"), target);
        assertThat(PlainFile.read(link, 100)).isEqualTo(new PlainFile.Link());
        Path dangling = Files.createSymbolicLink(dir.resolve("b.toml"), dir.resolve("nowhere"));
        assertThat(PlainFile.read(dangling, 100)).isEqualTo(new PlainFile.Link());
    }

    @Test
    void nothingThereIsAbsent() throws Exception {
        assertThat(PlainFile.read(dir.resolve("missing"), 100)).isEqualTo(new PlainFile.Absent());
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThat(PlainFile.read(file.resolve("below"), 100)).as("a file where a folder was expected").isEqualTo(new PlainFile.Absent());
    }

    @Test
    void aFileOverTheLimitIsRefusedUnreadButItsHeadIsRead() throws Exception {
        Path file = Files.write(dir.resolve("big"), "0123456789".getBytes());
        assertThat(PlainFile.read(file, 10)).isInstanceOf(PlainFile.Content.class);
        assertThat(PlainFile.read(file, 9)).isEqualTo(new PlainFile.TooLarge(10));
        assertThat(PlainFile.head(file, 4)).isInstanceOfSatisfying(PlainFile.Content.class,
                c -> assertThat(new String(c.bytes())).isEqualTo("0123"));
        assertThat(PlainFile.head(file, 100)).isInstanceOfSatisfying(PlainFile.Content.class,
                c -> assertThat(new String(c.bytes())).isEqualTo("0123456789"));
    }

    @Test
    void aSocketIsRefused() throws Exception {
        // a socket cannot be opened at all (ENXIO)
        var socket = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        try (socket) {
            Path path = dir.resolve("a.sock");
            socket.bind(java.net.UnixDomainSocketAddress.of(path));
            assertThat(PlainFile.read(path, 100)).isEqualTo(new PlainFile.NotPlain("socket or device"));
        }
    }

    @Test
    void anUnreadableFileSaysWhy() throws Exception {
        Path file = Files.writeString(dir.resolve("a.toml"), "x = 1\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        // root reads a file of mode 000 all the same, but not a write-only sysctl: the kernel refuses that open to anyone
        if (Files.isReadable(file)) file = Path.of("/proc/sys/vm/drop_caches");
        assertThat(PlainFile.read(file, 100)).isEqualTo(new PlainFile.Failed("permission denied"));
    }

    static Path mkfifo(Path path) throws Exception {
        assertThat(new ProcessBuilder("mkfifo", path.toString()).start().waitFor()).isZero();
        return path;
    }
}
