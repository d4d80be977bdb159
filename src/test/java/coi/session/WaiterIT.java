package coi.session;

import static coi.session.WatcherFixtures.end;
import static coi.session.WatcherFixtures.log;
import static coi.session.WatcherFixtures.read;
import static coi.session.WatcherFixtures.rssKiB;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.session.WatcherFixtures.Own;
import coi.testing.Await;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The supervisor hands over to the native waiter while it only waits, and the waiter hands back
 * (same pid) when there is work: a session ended from inside, a monitored session started.
 */
@Tag("incus")
class WaiterIT {
    private static final Pattern WAITING = Pattern.compile("waiter: waiting \\(pid (\\d+)\\)");
    private static final Pattern WATCHING = Pattern.compile("watching \\(pid (\\d+)\\)");
    /** A handover comes at the first check (every 5 s) after {@link Waiter#QUIET}; on a loaded machine the JVM starts slowly. */
    private static final int HANDOVER_SECONDS = 45;

    @Test
    void anUnmonitoredSessionsSupervisorHandsOverToTheWaiterWhichWakesToFinalizeAPoweroffFromInside() throws Exception {
        try (Own own = new Own("w"); IncusClient incus = TestIncus.client()) {
            Sandbox box = own.box;
            Result start = box.run("shell", "--detach");
            assertThat(start.exitCode()).as(start.toString()).isZero();
            String name = own.container(1);
            Path metadata = box.sessionDirs().getFirst().resolve("metadata.json");
            long waiter = awaitWaiter(box, 1);
            try {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + waiter + "/exe")).toString()).endsWith("/coi-waiter");
                assertThat(Files.readString(Path.of("/proc/" + waiter + "/cmdline"))).as("its arguments: the launcher to exec, coi's prefix").contains("/bin/coi", own.prefix);
                long rssKiB = rssKiB(waiter);
                System.out.println("waiter resident: " + rssKiB + " KiB");
                assertThat(rssKiB).as("the waiter's resident size, KiB").isLessThan(4096);
                assertThat(box.home.resolve(".coi/supervisor.alive")).as("its heartbeat, as the supervisor's").exists();
                assertThat(box.run("list").out()).contains(name);
                assertThat(log(box)).as("`coi list` found the lock held: no second supervisor").containsOnlyOnce("watching (pid");

                long off = System.nanoTime();
                Result poweroff = box.run("container", "exec", name, "--user", "1000", "--", "sudo", "poweroff");
                assertThat(poweroff.exitCode()).as(poweroff.toString()).isIn(0, 255, -1);
                // "ended NAME" when the new supervisor saw the container go, "ended 1 session(s)" when it was gone before it listened;
                // the supervisor logs it just after it wrote the metadata, so the log is awaited too
                java.util.regex.Pattern ended = java.util.regex.Pattern.compile("ended (" + name + "|1 session)");
                // its rules go when the supervisor handles the deletion, a moment after the container is gone
                Await.until(() -> !incus.instanceExists(name) && read(metadata).contains("\"status\" : \"ended\"") && ended.matcher(log(box)).find()
                        && !coi.network.RootFence.of().fenced().contains(name), 60,
                        () -> "not finalized: " + read(metadata) + "\n" + log(box) + "\nfenced: " + coi.network.RootFence.of().fenced());
                System.out.printf("finalized %.1f s after the poweroff%n", (System.nanoTime() - off) / 1e9);
                assertThat(log(box)).contains("waiter: woken (an event names a coi container)");
                assertThat(WatcherFixtures.pids(box, WATCHING)).as("the supervisor came back in the waiter's process").containsExactly(WatcherFixtures.pids(box, WATCHING).getFirst(), waiter);
                assertThat(coi.network.RootFence.of().fenced()).as("its network rules are gone").doesNotContain(name);
                assertThat(box.run("list", "--format", "json").out()).doesNotContain(name);
            } finally {
                end(waiter);
            }
        }
    }

    @Test
    void aMonitoredSessionStartedWhileTheWaiterWaitsWakesItAndIsMonitored() throws Exception {
        try (Own own = new Own("w")) {
            Sandbox box = own.box;
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            long waiter = awaitWaiter(box, 1);
            try {
                Result monitored = box.run("shell", "--detach", "--monitor");
                assertThat(monitored.exitCode()).as(monitored.toString()).isZero();
                String name = own.container(2);
                long started = System.nanoTime();
                Await.until(() -> log(box).contains("monitoring " + name), 30, () -> "not monitored:\n" + log(box));
                System.out.printf("monitored %.1f s after its shell returned%n", (System.nanoTime() - started) / 1e9);
                assertThat(log(box)).as("the launch asked: it waits until it is watched").contains("waiter: woken (a coi command asked for the supervisor)");
                assertThat(WatcherFixtures.pids(box, WATCHING).getLast()).as("the supervisor is back, in the waiter's process").isEqualTo(waiter);
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + waiter + "/exe")).toString()).endsWith("/bin/java");
                assertThat(log(box)).as("its monitored session's audit log shows no gap: the waiter said goodbye").doesNotContain("previous supervisor gone");
            } finally {
                end(waiter);
            }
        }
    }

    /** Waits for the {@code n}th hand-over; returns the waiter's pid. */
    private static long awaitWaiter(Sandbox box, int n) throws InterruptedException {
        long started = System.nanoTime();
        Await.until(() -> WatcherFixtures.pids(box, WAITING).size() >= n, HANDOVER_SECONDS, () -> "no hand-over to the waiter:\n" + log(box));
        System.out.printf("handed over to the waiter %.1f s after the session started%n", (System.nanoTime() - started) / 1e9);
        return WatcherFixtures.pids(box, WAITING).get(n - 1);
    }





}
