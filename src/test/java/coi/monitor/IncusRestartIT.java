package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.network.TestHosts;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * incusd restarted under running monitored sessions: the supervisor reconnects by itself, still
 * stops a reverse shell and still enforces --limit-duration. The daemon is stopped with SIGTERM
 * (it leaves instances running) and started again with the command line it had, which is how
 * `coi setup` starts it where systemd does not run; other tests on the machine see Incus gone
 * for those seconds, so the restart holds the machine-wide lock /tmp/coitest-incusd.lock.
 */
@Tag("incus")
class IncusRestartIT {
    private static final String INCUSD = "/usr/libexec/incus/incusd";

    @Test
    void theSupervisorReconnectsAfterARestartOfIncusdAndStillStopsAReverseShellAndEnforcesTheDurationLimit() throws Exception {
        try (IncusClient incus = TestIncus.client(); TestHosts hosts = new TestHosts(MonitorFixtures.gateway(incus)); Sandbox box = new Sandbox()) {
            assertThat(box.run("shell", "--detach", "--monitor").exitCode()).isZero();
            var limited = box.run("shell", "--detach", "--monitor", "--limit-duration", "50s");
            assertThat(limited.exitCode()).as(limited.toString()).isZero();
            String attacked = box.container(1), timed = box.container(2);
            Path log = box.home.resolve(".coi/watcher.log");
            MonitorFixtures.awaitAudit(box, e -> e.container().equals(timed) && e.title().equals("monitoring started"), 30);

            long started = System.nanoTime();
            restartIncusd();
            System.out.printf("incusd restarted in %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertThat(incus.findInstance(attacked).orElseThrow().running()).as("instances outlive the daemon").isTrue();
            MonitorFixtures.await(() -> read(log).contains("reconnected to Incus"), 60, () -> "no reconnect in " + read(log));

            MonitorFixtures.reverseShellIsStopped(incus, hosts, attacked, "after restart");
            assertThat(MonitorFixtures.audit(box)).anyMatch(e -> e.container().equals(attacked) && e.action() == Action.KILLED);

            MonitorFixtures.awaitGone(incus, timed, 90);
            String text = read(log);
            assertThat(text).contains("stopping " + timed + ": its duration limit");
            assertThat(text.indexOf("stopping " + timed)).as("the limit fired after the reconnect").isGreaterThan(text.indexOf("reconnected to Incus"));
        }
    }

    /** SIGTERM to the running incusd, then the same command line again, detached, and `incus admin waitready`. */
    private static void restartIncusd() throws Exception {
        // the daemon itself, as it names its pid: other processes run the same binary (forkproxy, forkfile...)
        Process query = new ProcessBuilder("incus", "query", "/1.0").redirectErrorStream(true).start();
        long pid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(query.getInputStream()).path("environment")
                .path("server_pid").asLong();
        query.waitFor();
        ProcessHandle daemon = ProcessHandle.of(pid).filter(p -> p.info().command().map(INCUSD::equals).orElse(false))
                .orElseThrow(() -> new AssertionError("no incusd runs as server_pid " + pid + ": `coi setup` starts it"));
        List<String> argv = new ArrayList<>(List.of(INCUSD));
        argv.addAll(List.of(daemon.info().arguments().orElseThrow()));
        String script = "kill -TERM " + daemon.pid() + " && while kill -0 " + daemon.pid() + " 2>/dev/null; do sleep 0.1; done"
                + " && { setsid " + String.join(" ", argv) + " </dev/null >>/var/log/incus/incusd.out 2>&1 & }"
                + " && incus admin waitready --timeout 60";
        // another test may hold the lock for a while (its own restart or setup): wait up to 5 minutes for it, not forever
        Process p = new ProcessBuilder("flock", "-o", "-w", "300", "/tmp/coitest-incusd.lock", "bash", "-c", script)
                .redirectErrorStream(true).start();
        if (!p.waitFor(420, TimeUnit.SECONDS)) {
            p.destroy();
            throw new AssertionError("no restart of incusd within 7 minutes (lock wait included)");
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as("restart: " + out).isZero();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
