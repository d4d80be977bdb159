package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.Retries;
import coi.testing.CoiProcess;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Protected views that outlive their coi: `kill -9` of a `coi run` while its locked view is
 * mounted, then `incus delete -f` of its container, leaves the view mounted until a sweep takes
 * it down: the next launch, or `coi clean`. A view some coi still holds, and a live session's,
 * stay. Runs as root, so every launch here builds a locked view (the default protected paths).
 */
@Tag("incus")
class ViewSweepIT {
    private static final Duration UP = Duration.ofSeconds(60);

    @Test
    void aViewLeftByAKilledCoiIsSweptByTheNextLaunchAndByCleanButNeverALiveOne() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Path coiDir = box.home.resolve(".coi");
            String first = box.container(1);
            Path firstView = coiDir.resolve("views").resolve(first);
            orphan(box, incus, first, List.of());
            assertThat(Sandbox.mountsUnder(firstView).size()).as("the killed coi's view, its container deleted by hand").isGreaterThan(1);

            // a coi that holds the view's lock is still building or using it: clean leaves it
            try (FileChannel ch = FileChannel.open(coiDir.resolve("locks").resolve(first + ".view.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock held = ch.lock()) {
                Result clean = box.run("clean", "--force");
                assertThat(clean.exitCode()).as(clean.toString()).isZero();
                assertThat(clean.out()).doesNotContain("removed protected view of " + first);
                assertThat(Sandbox.mountsUnder(firstView).size()).as("a view whose lock is held").isGreaterThan(1);
            }

            // the next launch sweeps it; it stays up as the live session below
            Process live = start(box, "run", "--slot", "2", "sleep 300");
            String second = box.container(2);
            try {
                awaitRunning(incus, second);
                assertThat(Sandbox.mountsUnder(firstView).size()).as("swept by the next launch").isZero();
                assertThat(firstView).doesNotExist();

                // an agent of a later session moves a pinned folder of the orphan's view and plants a link in its place,
                // towards a mount of the host: taking the view down follows no path below it
                String third = box.container(3);
                Path victim = Files.createTempDirectory("coitest-guard-victim");
                sh("mount -t tmpfs coitest-guard-victim '" + victim + "'");
                try {
                    orphan(box, incus, third, List.of("--slot", "3"));
                    Path thirdView = coiDir.resolve("views").resolve(third);
                    assertThat(Sandbox.mountsUnder(thirdView.resolve(".git")).size()).as("the view pins .git").isPositive();
                    // in a mount namespace of its own without the view, as inside a container, the rename is allowed
                    sh("cd '" + box.workspace + "' && unshare -m sh -c \"umount -l '" + thirdView + "' && mv .git .git-moved && ln -s '"
                            + victim + "' .git\"");
                    Result clean = box.run("clean", "--force");
                    assertThat(clean.exitCode()).as(clean.toString()).isZero();
                    assertThat(clean.out()).contains("removed protected view of " + third);
                    assertThat(Sandbox.mountsUnder(thirdView).size()).as("the whole view, the moved folder's mounts too").isZero();
                    assertThat(Sandbox.mountsUnder(victim).size()).as("the host mount the planted link points at").isEqualTo(1);
                } finally {
                    sh("umount '" + victim + "'; rmdir '" + victim + "'");
                }

                // the live session: its container runs, its view folder stays (Incus checks a disk's source)
                assertThat(incus.findInstance(second)).hasValueSatisfying(i -> assertThat(i.running()).isTrue());
                assertThat(coiDir.resolve("views").resolve(second)).isDirectory();
            } finally {
                live.destroyForcibly();
                live.waitFor();
                Retries.delete(incus, second);
            }
            Result clean = box.run("clean", "--force");
            assertThat(clean.exitCode()).as(clean.toString()).isZero();
            assertThat(Sandbox.mountsUnder(box.root).size()).as("the sandbox leaves no mount").isZero();
        }
    }

    /**
     * A `coi run` killed with its view mounted, its container then deleted by hand. The launch
     * creates its container and builds its view under its container's lock, which this test holds
     * first and then lets go; the moment the launch lets go of it in turn (both are done, and the
     * start, hundreds of milliseconds of the daemon's, is just being asked for), the launch is
     * stopped (SIGSTOP), so it cannot have released the view yet, and killed.
     */
    private static void orphan(Sandbox box, IncusClient incus, String container, List<String> flags) throws Exception {
        Path view = box.home.resolve(".coi/views").resolve(container);
        Path lock = Files.createDirectories(box.home.resolve(".coi/locks")).resolve(container + ".lock");
        List<String> args = new java.util.ArrayList<>(List.of("run"));
        args.addAll(flags);
        args.add("sleep 300");
        Process coi;
        long deadline = System.nanoTime() + UP.toNanos();
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock held = ch.lock()) {
            coi = start(box, args.toArray(String[]::new));
            while (System.nanoTime() < deadline && coi.isAlive() && !waitsFor(lock)) Thread.sleep(50);
            assertThat(waitsFor(lock)).as("the launch waits for its container's lock: " + (coi.isAlive() ? "" : output(coi))).isTrue();
        }
        while (System.nanoTime() < deadline && coi.isAlive() && !held(lock)) Thread.sleep(1);
        while (System.nanoTime() < deadline && coi.isAlive() && held(lock)) Thread.sleep(1);
        assertThat(coi.isAlive()).as("the launch runs on past its create: " + (coi.isAlive() ? "" : output(coi))).isTrue();
        sh("kill -STOP " + coi.pid());
        try {
            assertThat(incus.instanceExists(container)).isTrue();
            assertThat(Sandbox.mountsUnder(view).size()).as("the launch built its view and had not released it").isGreaterThan(1);
        } finally {
            coi.destroyForcibly();
            coi.waitFor();
        }
        Retries.delete(incus, container);
    }

    private static String output(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes());
    }

    /** Whether a process holds a lock of {@code file} (waiters are the lines with "->"). */
    private static boolean held(Path file) throws IOException {
        String inode = ":" + Files.getAttribute(file, "unix:ino") + " ";
        return Files.readAllLines(Path.of("/proc/locks")).stream().anyMatch(l -> !l.contains("->") && l.contains(inode));
    }

    /** Whether a process waits for the lock of {@code file} (the kernel lists such waiters in /proc/locks with "->"). */
    private static boolean waitsFor(Path file) throws IOException {
        String inode = ":" + Files.getAttribute(file, "unix:ino") + " ";
        return Files.readAllLines(Path.of("/proc/locks")).stream().anyMatch(l -> l.contains("->") && l.contains(inode));
    }

    private static Process start(Sandbox box, String... args) throws IOException {
        List<String> argv = new java.util.ArrayList<>(List.of(CoiProcess.launcher().toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(box.workspace.toFile()).redirectErrorStream(true);
        box.env().forEach(pb.environment()::put);
        pb.environment().put("PWD", box.workspace.toString());
        return pb.start();
    }

    private static void awaitRunning(IncusClient incus, String name) throws InterruptedException {
        long deadline = System.nanoTime() + UP.toNanos();
        while (System.nanoTime() < deadline && !incus.findInstance(name).map(i -> i.running()).orElse(false)) Thread.sleep(100);
        assertThat(incus.findInstance(name)).as(name + " runs").isPresent();
    }

    private static void sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(script + ": " + out).isZero();
    }
}
