package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.network.TestHosts;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The supervisor outlives what can happen to it: SIGKILL, then the next coi command brings it back. */
@Tag("incus")
class SupervisorIT {
    private static final Pattern WATCHING = Pattern.compile("watching \\(pid (\\d+)\\)");

    @Test
    void killedWithSigkillItIsRestartedByTheNextCoiCommandWritesTheGapAndStillStopsAReverseShell() throws Exception {
        try (IncusClient incus = TestIncus.client()) {
            try (TestHosts hosts = new TestHosts(MonitorFixtures.gateway(incus)); Sandbox box = new Sandbox()) {
                assertThat(box.run("shell", "--detach", "--monitor").exitCode()).isZero();
                String name = box.container(1);
                Path log = box.home.resolve(".coi/watcher.log");
                List<Long> pids = supervisors(log);
                assertThat(pids).hasSize(1);
                long first = pids.getFirst();
                ProcessHandle.of(first).orElseThrow().destroyForcibly();
                ProcessHandle.of(first).ifPresent(p -> p.onExit().join());
                assertThat(box.run("list").out()).contains(name);
                MonitorFixtures.await(() -> supervisors(log).size() == 2, 15, () -> "no second supervisor after `coi list`");
                MonitorFixtures.awaitAudit(box, e -> e.title().startsWith("monitoring gap"), 15);

                MonitorFixtures.reverseShellIsStopped(incus, hosts, name, "after SIGKILL");
                ProcessHandle.of(supervisors(log).getLast()).ifPresent(p -> {
                    p.destroy();
                    p.onExit().join();
                });
            }
        }
    }

    private static List<Long> supervisors(Path log) {
        try {
            if (!Files.exists(log)) return List.of();
            Matcher m = WATCHING.matcher(Files.readString(log));
            List<Long> pids = new java.util.ArrayList<>();
            while (m.find()) pids.add(Long.parseLong(m.group(1)));
            return pids;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
