package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Model;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the supervisor hands over to the native waiter: the containers coi starts, as the supervisor lists them. */
class WaiterTest extends FakeIncusSessions {

    private List<Model.Instance> running() {
        return incus.instances().stream().filter(i -> Watcher.mine(i, store) && i.running()).toList();
    }

    private SessionPlan started(String toml, int slot) throws Exception {
        return sessions.shell(shell(config(toml), slot)).plan();
    }

    @Test
    void nothingRunningIsNoWaitTheSupervisorExitsInstead() {
        assertThat(Waiter.idle(List.of(), Instant.now(), false)).isEmpty();
    }

    @Test
    void sessionsWithoutMonitorOrAllowlistAreWaitedForUntilTheEarliestDurationLimit() throws Exception {
        started("", 1);
        assertThat(Waiter.idle(running(), Instant.now(), false)).contains(new Waiter.Wait(java.util.Optional.empty()));

        SessionPlan hour = started("[limits]\nduration = \"1h\"\n", 2);
        started("[limits]\nduration = \"2h\"\n", 3);
        Instant created = OffsetDateTime.parse(incus.instance(hour.container()).createdAt()).toInstant();
        assertThat(Waiter.idle(running(), Instant.now(), false).orElseThrow().deadline()).contains(created.plus(Duration.ofHours(1)));
        assertThat(Waiter.idle(running(), created.plus(Duration.ofHours(1)), false))
                .as("a session past its limit: the supervisor stops it first").isEmpty();
    }

    @Test
    void aMonitoredSessionKeepsTheSupervisor() throws Exception {
        started("", 1);
        // as a monitored shell leaves it (a session started here cannot start the supervisor it needs)
        daemon.existing(ContainerName.of(PREFIX, ws, 2).value(), "Running", Map.of(Labels.WORKSPACE, ws.path().toString(),
                Labels.SESSIONS_ROOT, store.root().toString(), Labels.MONITOR, MonitorLabel.encode(config("[monitoring]\nenabled = true\n").monitoring())), true);
        assertThat(running()).hasSize(2);
        assertThat(Waiter.idle(running(), Instant.now(), false)).isEmpty();
    }

    @Test
    void aMonitoredSessionIsHandedOverWhenTheWaiterWatchesItButNotWithALabelCoiCannotRead() throws Exception {
        started("", 1);
        daemon.existing(ContainerName.of(PREFIX, ws, 2).value(), "Running", Map.of(Labels.WORKSPACE, ws.path().toString(),
                Labels.SESSIONS_ROOT, store.root().toString(), Labels.MONITOR, MonitorLabel.encode(config("[monitoring]\nenabled = true\n").monitoring())), true);
        assertThat(Waiter.idle(running(), Instant.now(), true)).contains(new Waiter.Wait(java.util.Optional.empty()));
        daemon.existing(ContainerName.of(PREFIX, ws, 3).value(), "Running", Map.of(Labels.WORKSPACE, ws.path().toString(),
                Labels.SESSIONS_ROOT, store.root().toString(), Labels.MONITOR, "not a label of coi's"), true);
        assertThat(running()).hasSize(3);
        assertThat(Waiter.idle(running(), Instant.now(), true)).isEmpty();
    }

    @Test
    void anAllowlistSessionKeepsTheSupervisorItsRulesAreRefreshed() throws Exception {
        started("", 1);
        started("[network]\nmode = \"allowlist\"\nallowed_domains = [\"198.51.100.0/24\"]\n", 2);
        assertThat(Waiter.idle(running(), Instant.now(), false)).isEmpty();
    }

    @Test
    void theWaiterSubscribesInTheSupervisorsProject() {
        assertThat(Waiter.eventsPath("default")).isEqualTo("/1.0/events?type=lifecycle");
        assertThat(Waiter.eventsPath("team a")).isEqualTo("/1.0/events?type=lifecycle&project=team+a");
    }

    @Test
    void withoutTheBinaryTheSupervisorStays() {
        String before = System.getProperty("coi.waiter");
        try {
            System.setProperty("coi.launcher", "/usr/bin/coi");
            System.setProperty("coi.waiter", dir.resolve("absent").toString());
            assertThat(Waiter.installed()).isEmpty();
            System.setProperty("coi.waiter", "/bin/true");
            assertThat(Waiter.installed()).contains(new Waiter.Binary(java.nio.file.Path.of("/bin/true"), java.nio.file.Path.of("/usr/bin/coi")));
        } finally {
            System.clearProperty("coi.launcher");
            if (before == null) System.clearProperty("coi.waiter"); else System.setProperty("coi.waiter", before);
        }
    }
}
