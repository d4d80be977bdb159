package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.monitor.CgroupKill;
import coi.monitor.Evidence;
import coi.monitor.Level;
import coi.monitor.Threat;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The monitor's kill: its processes go through the cgroup, then Incus stops the container, but only
 * the very container that was killed. Its processes gone, Incus may have stopped and deleted it
 * already and the next launch made a new one of the same name (MonitorAttacksIT's next form did, and
 * the forced stop by name took the new session's container away from it).
 */
class MonitorEffectsTest extends FakeIncusSessions {
    private static final Threat SHELL = new Threat(Level.CRITICAL, Threat.REVERSE_SHELL, "reverse shell", "", Evidence.none());

    private MonitorEffects effects() throws Exception {
        // a cgroup tree without the container's: nothing to kill there, as for a container already gone
        return new MonitorEffects(incus, store, new CgroupKill(Files.createDirectories(dir.resolve("cgroup"))));
    }

    @Test
    void theKilledContainerIsStopped() throws Exception {
        daemon.existing("coitest-unit-aaaa1111-1", "Running", Map.of("volatile.uuid", "old"), true);
        var killed = incus.instance("coitest-unit-aaaa1111-1");
        effects().kill(killed, SHELL);
        assertThat(incus.findInstance("coitest-unit-aaaa1111-1").map(i -> i.status()).orElse("gone")).isIn("Stopped", "gone");
    }

    @Test
    void aNewContainerOfTheKilledOnesNameIsLeftRunning() throws Exception {
        daemon.existing("coitest-unit-aaaa1111-1", "Running", Map.of("volatile.uuid", "old"), true);
        var killed = incus.instance("coitest-unit-aaaa1111-1");
        // gone with its processes, and made again by the next launch
        daemon.existing("coitest-unit-aaaa1111-1", "Running", Map.of("volatile.uuid", "new"), true);
        effects().kill(killed, SHELL);
        assertThat(daemon.status("coitest-unit-aaaa1111-1")).isEqualTo("Running");
    }

    /** A warning is shown beside the monitor: its exec's output goes nowhere (no streams, no logs) and it returns at once. */
    @Test
    void aWarningIsAnExecWithoutOutputOnAThreadOfItsOwn() throws Exception {
        daemon.existing("coitest-unit-aaaa1111-1", "Running", Map.of(), true);
        Threat warning = new Threat(Level.WARNING, Threat.CREDENTIALS, "reading other processes' environment", "", Evidence.none());
        effects().alert("coitest-unit-aaaa1111-1", warning);
        coi.testing.Await.until(() -> !daemon.execs().isEmpty(), 10, () -> "no exec");
        var shown = daemon.execs().getFirst();
        assertThat(shown.command()).startsWith("tmux", "display-message").last().asString()
                .isEqualTo("coi monitor: warning: reading other processes' environment");
        assertThat(shown.body().path("wait-for-websocket").asBoolean(true)).isFalse();
        assertThat(shown.body().path("record-output").asBoolean(true)).isFalse();
    }

    @Test
    void sameInstanceGoesByUuidElseCreationTime() throws Exception {
        daemon.existing("coitest-unit-b-1", "Running", Map.of("volatile.uuid", "u1"), true);
        var a = incus.instance("coitest-unit-b-1");
        assertThat(MonitorEffects.sameInstance(a, a)).isTrue();
        daemon.existing("coitest-unit-b-1", "Running", Map.of("volatile.uuid", "u2"), true);
        assertThat(MonitorEffects.sameInstance(incus.instance("coitest-unit-b-1"), a)).isFalse();
    }
}
