package coi.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answers below are what btrfs-progs 6.2 and kernel 6.18 gave on this project's machine, on a
 * btrfs of the test's own (a loop file): quotas off, on, made inconsistent (`qgroup assign
 * --no-rescan` of a subvolume with data), rescanned; and as a user other than root.
 */
class QuotaGroupsTest {
    private static final String TABLE = """
            Qgroupid    Referenced    Exclusive   Path\s
            --------    ----------    ---------   ----\s
            0/5           16.00KiB     16.00KiB   <toplevel>
            0/256         16.00KiB     16.00KiB   sv
            0/257         20.02MiB     16.00KiB   sv2
            1/101            0.00B        0.00B   <0 member qgroups>
            """;
    private static final Path MOUNT = Path.of("/var/lib/incus/storage-pools/my pool");

    @TempDir
    Path root;

    @Test
    void btrfsQgroupShowsAnswersAreRead() {
        assertThat(QuotaGroups.parseShow(0, TABLE)).isEqualTo(new QuotaGroups.State.Consistent());
        assertThat(QuotaGroups.parseShow(0, "WARNING: qgroup data inconsistent, rescan recommended\n" + TABLE))
                .isEqualTo(new QuotaGroups.State.Inconsistent());
        assertThat(QuotaGroups.parseShow(0, "WARNING: rescan is running, qgroup data may be incorrect\n" + TABLE))
                .isEqualTo(new QuotaGroups.State.Rescanning());
        assertThat(QuotaGroups.parseShow(1, "ERROR: can't list qgroups: quotas not enabled\n")).isEqualTo(new QuotaGroups.State.Disabled());
        assertThat(QuotaGroups.parseShow(1, "ERROR: can't list qgroups: Operation not permitted\n"))
                .isEqualTo(new QuotaGroups.State.Unknown("`btrfs qgroup show` failed: ERROR: can't list qgroups: Operation not permitted"));
    }

    /** /proc/self/mountinfo with the pool's loop mount, and /sys/fs/btrfs with its file system (and another one). */
    private Path kernel(String inconsistent) throws IOException {
        Files.createDirectories(root.resolve("proc/self"));
        Files.writeString(root.resolve("proc/self/mountinfo"), """
                26 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
                47 26 0:41 / /var/lib/incus/storage-pools/other rw,relatime - btrfs /dev/loop0 rw,subvolid=5,subvol=/
                48 26 0:42 / /var/lib/incus/storage-pools/my\\040pool rw,relatime - btrfs /dev/loop1 rw,discard=async,subvolid=5,subvol=/
                """);
        Files.createDirectories(root.resolve("sys/fs/btrfs/features"));
        Path other = Files.createDirectories(root.resolve("sys/fs/btrfs/52c21173/devices"));
        Files.writeString(other.resolve("loop0"), "");
        Files.createDirectories(root.resolve("sys/fs/btrfs/52c21173/qgroups"));
        Files.writeString(root.resolve("sys/fs/btrfs/52c21173/qgroups/inconsistent"), "0\n");
        Path mine = Files.createDirectories(root.resolve("sys/fs/btrfs/c4e74c1b/devices"));
        Files.writeString(mine.resolve("loop1"), "");
        if (inconsistent != null) {
            Files.createDirectories(root.resolve("sys/fs/btrfs/c4e74c1b/qgroups"));
            if (!inconsistent.isEmpty()) Files.writeString(root.resolve("sys/fs/btrfs/c4e74c1b/qgroups/inconsistent"), inconsistent);
        }
        return root;
    }

    private static QuotaGroups.Output noCommand(List<String> argv) {
        throw new AssertionError("ran " + argv + ": the kernel had said");
    }

    @Test
    void theKernelSaysItInSysfsToAnyUser() throws IOException {
        assertThat(new QuotaGroups(kernel("1\n"), false, QuotaGroupsTest::noCommand).read(MOUNT)).isEqualTo(new QuotaGroups.State.Inconsistent());
        assertThat(new QuotaGroups(kernel("0\n"), false, QuotaGroupsTest::noCommand).read(MOUNT)).isEqualTo(new QuotaGroups.State.Consistent());
    }

    @Test
    void withoutQgroupsInSysfsQuotasAreOff() throws IOException {
        assertThat(new QuotaGroups(kernel(null), false, QuotaGroupsTest::noCommand).read(MOUNT)).isEqualTo(new QuotaGroups.State.Disabled());
    }

    @Test
    void aKernelThatDoesNotSayIsAskedThroughBtrfsAsRootAndNotGuessedOtherwise() throws IOException {
        List<List<String>> ran = new ArrayList<>();
        QuotaGroups asRoot = new QuotaGroups(kernel(""), true, argv -> {
            ran.add(argv);
            return new QuotaGroups.Output(0, "WARNING: qgroup data inconsistent, rescan recommended\n" + TABLE);
        });
        assertThat(asRoot.read(MOUNT)).isEqualTo(new QuotaGroups.State.Inconsistent());
        assertThat(ran).containsExactly(List.of("btrfs", "qgroup", "show", MOUNT.toString()));

        QuotaGroups.State user = new QuotaGroups(kernel(""), false, QuotaGroupsTest::noCommand).read(MOUNT);
        assertThat(user).isInstanceOf(QuotaGroups.State.Unknown.class);
        assertThat(((QuotaGroups.State.Unknown) user).why()).contains("only root can ask btrfs");
    }

    @Test
    void aPoolNotMountedAsBtrfsIsAskedThroughBtrfsAsRoot() {
        QuotaGroups asRoot = new QuotaGroups(root, true, argv -> new QuotaGroups.Output(1, "ERROR: not a btrfs filesystem: " + argv.getLast() + "\n"));
        assertThat(asRoot.read(MOUNT)).isInstanceOf(QuotaGroups.State.Unknown.class);
    }

    @Test
    void healthWarnsOnlyWhereALimitIsNotEnforcedAndNamesTheFix() {
        HealthCheck.Check inconsistent = QuotaGroups.check("default", new QuotaGroups.State.Inconsistent());
        assertThat(inconsistent.status()).isEqualTo(HealthCheck.Status.WARN);
        assertThat(inconsistent.message()).contains("--limit-disk-size is not enforced").contains("sudo coi health --fix")
                .contains("btrfs quota rescan -w /var/lib/incus/storage-pools/default");
        assertThat(QuotaGroups.check("default", new QuotaGroups.State.Rescanning()).status()).isEqualTo(HealthCheck.Status.WARN);
        assertThat(QuotaGroups.check("default", new QuotaGroups.State.Consistent()).status()).isEqualTo(HealthCheck.Status.OK);
        assertThat(QuotaGroups.check("default", new QuotaGroups.State.Disabled()).status()).isEqualTo(HealthCheck.Status.OK);
        HealthCheck.Check unknown = QuotaGroups.check("default", new QuotaGroups.State.Unknown("only root can ask btrfs"));
        assertThat(unknown.message()).contains("not checked: only root can ask btrfs");
    }
}
