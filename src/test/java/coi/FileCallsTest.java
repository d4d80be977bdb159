package coi;

import static coi.LinuxAbi.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The file calls through the library (JNI) and through FFM, the way coi takes without it: each call's
 * result and errno against a real folder, both ways alike, and what each leaves on disk.
 */
class FileCallsTest {
    @TempDir
    Path dir;

    static FileCalls way(String name) {
        return name.equals("jni") ? new FileCalls.Jni() : new FileCalls.Ffm();
    }

    @Test
    void theBuildsLibraryIsTheWayTaken() {
        assertThat(NativeLib.loaded()).as("libcoi-unix.so loaded from -Dcoi.unixlib").isTrue();
        assertThat(FileCalls.get()).isInstanceOf(FileCalls.Jni.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jni", "ffm"})
    void folderCallsRelativeToADescriptorNeverThroughALink(String name) throws Exception {
        FileCalls c = way(name);
        int top = c.openat(AT_FDCWD, dir.toString(), O_DIRECTORY | O_CLOEXEC, 0);
        assertThat(top).isNotNegative();
        try {
            assertThat(c.mkdirat(top, "sub", 0700)).isZero();
            assertThat(c.mkdirat(top, "sub", 0700)).isEqualTo(-EEXIST);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub")))).isEqualTo("rwx------");
            assertThat(c.symlinkat("/etc", top, "link")).isZero();
            assertThat(Files.readSymbolicLink(dir.resolve("link"))).isEqualTo(Path.of("/etc"));
            // a link is not followed: the open fails as ELOOP, O_DIRECTORY's as ENOTDIR
            assertThat(c.openat(top, "link", O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0)).isEqualTo(-ELOOP);
            assertThat(c.openat(top, "link", O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)).isIn(-ENOTDIR, -ELOOP);
            assertThat(c.openat(top, "absent", O_NOFOLLOW | O_CLOEXEC, 0)).isEqualTo(-ENOENT);
            byte[] target = new byte[4097];
            assertThat(c.readlinkat(top, "link", target)).isEqualTo(4);
            assertThat(new String(target, 0, 4, StandardCharsets.UTF_8)).isEqualTo("/etc");
            assertThat(c.readlinkat(top, "sub", target)).isEqualTo(-EINVAL());

            int f = c.openat(top, "f", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            assertThat(f).isNotNegative();
            assertThat(c.openat(top, "f", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)).isEqualTo(-EEXIST);
            assertThat(c.fchmod(f, 0640)).isZero();
            c.close(f);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("f")))).isEqualTo("rw-r-----");
            assertThat(c.chmod(dir.resolve("f").toString(), 0600)).isZero();
            long[] statx = new long[2];
            assertThat(c.statx(top, "f", 0, STATX_TYPE | STATX_MODE | STATX_SIZE, statx)).isZero();
            assertThat(statx[0]).isEqualTo(S_IFREG | 0600);
            assertThat(statx[1]).isZero();

            // renameat2 NOREPLACE never over what is there; 0 flags is a plain rename over it
            Files.writeString(dir.resolve("g"), "g");
            assertThat(c.renameat2(top, "f", top, "g", RENAME_NOREPLACE)).isEqualTo(-EEXIST);
            assertThat(c.renameat2(top, "f", top, "h", RENAME_NOREPLACE)).isZero();
            assertThat(c.renameat2(top, "h", top, "g", 0)).isZero();
            assertThat(dir.resolve("g")).isEmptyFile();
            assertThat(c.unlinkat(top, "sub", AT_REMOVEDIR)).isZero();
            assertThat(c.unlinkat(top, "g", 0)).isZero();
            assertThat(c.unlinkat(top, "g", 0)).isEqualTo(-ENOENT);
            assertThat(dir.resolve("sub")).doesNotExist();
        } finally {
            c.close(top);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jni", "ffm"})
    void bytesGoBothWaysAtMostAChunkPerCall(String name) throws Exception {
        FileCalls c = way(name);
        byte[] data = new byte[FileCalls.CHUNK * 3 + 5];
        new Random(11).nextBytes(data);
        int out = c.openat(AT_FDCWD, dir.resolve("data").toString(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        for (int at = 0; at < data.length; ) {
            int n = c.write(out, data, at, data.length - at);
            assertThat(n).isPositive().isLessThanOrEqualTo(FileCalls.CHUNK);
            at += n;
        }
        c.close(out);
        assertThat(Files.readAllBytes(dir.resolve("data"))).isEqualTo(data);

        int in = c.openat(AT_FDCWD, dir.resolve("data").toString(), O_NOFOLLOW | O_CLOEXEC, 0);
        try {
            byte[] back = new byte[data.length + 10];
            int total = 0;
            for (int n; (n = c.read(in, back, total, back.length - total, -1)) > 0; ) {
                assertThat(n).isLessThanOrEqualTo(FileCalls.CHUNK);
                total += n;
            }
            assertThat(total).isEqualTo(data.length);
            assertThat(java.util.Arrays.copyOf(back, total)).isEqualTo(data);
            // pread: from a place, whatever was read before
            byte[] part = new byte[7];
            assertThat(c.read(in, part, 0, 7, 100)).isEqualTo(7);
            assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(data, 100, 107));
            assertThat(c.read(in, part, 0, 7, data.length)).isZero();
            assertThatThrownBy(() -> c.read(in, part, 3, 7, 0)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> c.write(in, part, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            c.close(in);
        }
        assertThat(c.read(in, new byte[1], 0, 1, -1)).as("a closed descriptor").isEqualTo(-9);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jni", "ffm"})
    void pathsAreUtf8ANulIsRefusedAndTooLongIsSaidSo(String name) throws Exception {
        FileCalls c = way(name);
        Files.writeString(dir.resolve("dæmon-✓"), "x");
        long[] statx = new long[2];
        assertThat(c.statx(AT_FDCWD, dir.resolve("dæmon-✓").toString(), AT_SYMLINK_NOFOLLOW(), STATX_SIZE, statx)).isZero();
        assertThat(statx[1]).isEqualTo(1);
        assertThatThrownBy(() -> c.openat(AT_FDCWD, dir + "/a\0b", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 500; i++) parts.add("abcdefgh");
        assertThat(c.openat(AT_FDCWD, "/" + String.join("/", parts), 0, 0)).isEqualTo(-36); // ENAMETOOLONG
    }

    private static int EINVAL() {
        return 22;
    }

    private static int AT_SYMLINK_NOFOLLOW() {
        return 0x100;
    }
}
