package coi.setup;

import static coi.incus.FakeIncus.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.incus.FakeIncus;
import coi.incus.IncusClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The `quotas` step of `coi setup` (and `coi health --fix`): its decisions on a fake machine (a folder
 * as its root with the kernel's /proc and /sys/fs/btrfs, commands recorded and answered as scripted)
 * beside a fake daemon that lists the storage pools. SetupIT runs it on the real machine.
 */
class QuotaRescanTest {
    private static final String MOUNT = "/var/lib/incus/storage-pools/default";
    private static final String RESCAN = "btrfs quota rescan -w " + MOUNT;
    private static final String SHOW = "btrfs qgroup show " + MOUNT;

    @TempDir
    Path root;
    @TempDir
    Path daemonDir;
    FakeIncus daemon;
    IncusClient client;
    Host host;

    /** A machine whose files are under {@link #root} and whose commands answer what the test scripted. */
    class Host implements HostSystem {
        final List<String> ran = new ArrayList<>();
        final Deque<Result> answers = new ArrayDeque<>();
        boolean asRoot = true;

        public Path file(String path) {
            return root.resolve(path.substring(1));
        }

        public Result run(List<String> argv) {
            ran.add(String.join(" ", argv));
            return answers.isEmpty() ? new Result(0, "") : answers.poll();
        }

        public void spawn(List<String> argv, Path log) {
            throw new AssertionError("the quotas step starts no daemon");
        }

        public boolean root() {
            return asRoot;
        }

        public boolean systemd() {
            return true;
        }
    }

    @BeforeEach
    void start() throws IOException {
        host = new Host();
        daemon = FakeIncus.start(daemonDir);
        client = daemon.client();
        daemon.on("GET /1.0", sync("{\"api_version\":\"1.0\",\"auth\":\"trusted\",\"environment\":{},\"config\":{}}"));
    }

    @AfterEach
    void stop() {
        client.close();
        daemon.close();
    }

    private Step step() {
        return new IncusSteps.QuotaRescan(() -> client, host, SetupOptions.defaults("incus-admin", Optional.empty(), Optional.empty()));
    }

    private void pool(String driver) {
        daemon.on("GET /1.0/storage-pools?recursion=1", sync("[{\"name\":\"default\",\"driver\":\"" + driver + "\",\"status\":\"Created\","
                + "\"config\":{},\"used_by\":[]}]"));
    }

    /** The pool's btrfs mounted from loop1, and what the kernel says of its quota groups (null: the kernel does not say). */
    private void kernel(String inconsistent) throws IOException {
        host.write("/proc/self/mountinfo", """
                26 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
                48 26 0:42 / /var/lib/incus/storage-pools/default rw,relatime - btrfs /dev/loop1 rw,subvolid=5,subvol=/
                """);
        Path fs = Files.createDirectories(root.resolve("sys/fs/btrfs/c4e74c1b"));
        host.write("/sys/fs/btrfs/c4e74c1b/devices/loop1", "");
        if (inconsistent != null) host.write("/sys/fs/btrfs/c4e74c1b/qgroups/inconsistent", inconsistent);
        else Files.createDirectories(fs.resolve("qgroups"));
    }

    @Test
    void consistentGroupsAreLeftAlone() throws IOException {
        pool("btrfs");
        kernel("0\n");

        Step.Probe probe = step().probe();

        assertThat(probe.done()).isTrue();
        assertThat(probe.detail()).isEqualTo("btrfs quota groups of pool default consistent: disk size limits are enforced");
        assertThat(host.ran).as("the kernel said it: btrfs is not asked").isEmpty();
    }

    @Test
    void inconsistentGroupsAreRescannedAndWaitedFor() throws IOException {
        pool("btrfs");
        kernel("1\n");
        Step step = step();

        assertThat(step.probe()).isEqualTo(Step.Probe.todo(
                "rescan the inconsistent btrfs quota groups of pool default (disk size limits are not enforced meanwhile)"));
        assertThat(host.ran).as("the probe only looks").isEmpty();
        step.apply();

        assertThat(host.ran).containsExactly(RESCAN);
    }

    @Test
    void aRescanUnderWayIsWaitedFor() throws IOException {
        pool("btrfs");
        kernel(null); // this kernel does not say in sysfs: root asks btrfs
        host.answers.add(new HostSystem.Result(0, "WARNING: rescan is running, qgroup data may be incorrect\n"));

        assertThat(step().probe()).isEqualTo(Step.Probe.todo("wait for the rescan of the btrfs quota groups of pool default"));
        assertThat(host.ran).containsExactly(SHOW);
    }

    @Test
    void aPoolThatIsNotBtrfsHasNoQuotaGroupsToKeep() {
        pool("dir");

        assertThat(step().probe()).isEqualTo(Step.Probe.done("no btrfs pool default: no quota groups to keep"));
        assertThat(host.ran).isEmpty();
    }

    @Test
    void noPoolYetIsNothingToKeep() {
        daemon.on("GET /1.0/storage-pools?recursion=1", sync("[]"));

        assertThat(step().probe()).isEqualTo(Step.Probe.done("no btrfs pool default: no quota groups to keep"));
        assertThat(host.ran).isEmpty();
    }

    @Test
    void noDaemonYetIsNothingToKeep() {
        // setup probes every step before it applies the first: the daemon's own step may be still to do
        try (IncusClient none = IncusClient.local(root.resolve("no-daemon.socket"))) {
            Step step = new IncusSteps.QuotaRescan(() -> none, host, SetupOptions.defaults("incus-admin", Optional.empty(), Optional.empty()));
            assertThat(step.probe()).isEqualTo(Step.Probe.done("no btrfs pool default: no quota groups to keep"));
        }
        assertThat(host.ran).isEmpty();
    }

    @Test
    void notRootWhereTheKernelDoesNotSayIsNotGuessed() throws IOException {
        pool("btrfs");
        kernel(null);
        host.asRoot = false;

        Step.Probe probe = step().probe();

        assertThat(probe.done()).as("nothing a user other than root could do: setup's apply needs root anyway").isTrue();
        assertThat(probe.detail()).isEqualTo("btrfs quota groups of pool default not checked: only root can ask btrfs"
                + " (`sudo coi health`), and this kernel does not say in /sys/fs/btrfs");
        assertThat(host.ran).as("btrfs refuses a user other than root: not asked").isEmpty();
    }

    @Test
    void notRootTheKernelStillSaysItToAnyUser() throws IOException {
        pool("btrfs");
        kernel("1\n");
        host.asRoot = false;

        assertThat(step().probe().done()).isFalse();
        assertThat(host.ran).isEmpty();
    }

    @Test
    void aFailedRescanIsAnErrorWithBtrfsOwnWords() throws IOException {
        pool("btrfs");
        kernel("1\n");
        host.answers.add(new HostSystem.Result(1, "ERROR: quota rescan failed: Operation not permitted\n"));

        assertThatThrownBy(() -> step().apply()).isInstanceOf(SetupException.class)
                .hasMessage("setup: `btrfs quota rescan -w " + MOUNT + "` failed: ERROR: quota rescan failed: Operation not permitted");
        assertThat(host.ran).containsExactly(RESCAN);
    }
}
