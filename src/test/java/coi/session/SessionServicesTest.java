package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Model;
import coi.network.BridgeFacts;
import coi.incus.FakeDaemon;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SessionAdmin, the watcher's checks and the allowlist keeper against the fake Incus: what each leaves behind. */
class SessionServicesTest extends FakeIncusSessions {

    SessionAdmin admin() {
        return new SessionAdmin(incus, store, PREFIX, fencing);
    }

    SessionPlan started(String toml) throws Exception {
        return sessions.shell(shell(config(toml), null)).plan();
    }

    @Test
    void killRemovesTheContainerAndItsRulesAndEndsTheSessionKeepingItsData() throws Exception {
        SessionPlan plan = started("");
        assertThat(nft.fenced).containsExactly(plan.container());
        assertThat(admin().kill(List.of(plan.container()))).containsExactly(plan.container());
        assertThat(daemon.instanceNames()).isEmpty();
        assertThat(nft.fenced).isEmpty();
        assertThat(store.find("fake", plan.sessionId())).get().extracting(SessionMetadata::status).isEqualTo("ended");
        assertThat(plan.stateDir()).isDirectory();
    }

    @Test
    void shutdownStopsAnEphemeralSessionWhichThenGoesAwayWithItsRules() throws Exception {
        SessionPlan plan = started("");
        assertThat(admin().shutdown(List.of(plan.container()), 5, false)).containsExactly(plan.container());
        assertThat(daemon.actions()).containsSubsequence("stop " + plan.container());
        assertThat(daemon.instanceNames()).isEmpty();
        assertThat(nft.fenced).isEmpty();
        assertThat(store.find("fake", plan.sessionId())).get().extracting(SessionMetadata::status).isEqualTo("ended");
    }

    /**
     * incusd cannot read the state of a container that is stopping ("Invalid PID" with the bytes it read): an ephemeral
     * one just after its `coi run` made every `coi list` typed then fail. It is listed without its address instead.
     */
    @Test
    void aContainerWhoseStateTheDaemonCannotReadIsListedWithoutItsAddress() throws Exception {
        SessionPlan plan = started("");
        daemon.failNext("state", plan.container(), 500, "Invalid PID '\ufffd'");
        assertThat(admin().list()).singleElement().satisfies(e -> {
            assertThat(e.name()).isEqualTo(plan.container());
            assertThat(e.status()).isEqualTo("Running");
            assertThat(e.ipv4()).isNull();
        });
        assertThat(admin().list()).singleElement().satisfies(e -> assertThat(e.ipv4()).isNotNull());
    }

    @Test
    void persistMakesARunningSessionKeptAndCleanRemovesOnlyWhatStopped() throws Exception {
        SessionPlan plan = started("");
        assertThat(admin().persist(List.of(plan.container()))).containsExactly(plan.container());
        assertThat(daemon.config(plan.container())).containsEntry(Labels.PERSISTENT, "true");
        assertThat(store.find("fake", plan.sessionId())).get().extracting(SessionMetadata::persistent).isEqualTo(true);
        assertThat(admin().leftovers()).as("running: not a leftover").isEmpty();

        admin().shutdown(List.of(plan.container()), 5, false);
        assertThat(daemon.instanceNames()).as("shutdown deletes, persistent or not").isEmpty();
        String stopped = ContainerName.of(PREFIX, ws, 4).value();
        daemon.existing(stopped, "Stopped", Map.of(Labels.WORKSPACE, ws.path().toString(), Labels.PERSISTENT, "true"), false);
        assertThat(admin().leftovers()).containsExactly(stopped);
        assertThat(admin().clean(admin().leftovers())).containsExactly(stopped);
        assertThat(daemon.instanceNames()).isEmpty();
    }

    @Test
    void theWatcherStopsOnlyItsOwnContainersPastTheirDuration() throws Exception {
        SessionPlan limited = started("[limits]\nduration = \"1s\"\n");
        SessionPlan unlimited = sessions.shell(shell(config(""), 2)).plan();
        Model.Instance mine = incus.instance(limited.container());
        assertThat(Watcher.mine(mine, store)).isTrue();
        assertThat(Watcher.mine(mine, new SessionStore(dir.resolve("someone else")))).isFalse();
        Thread.sleep(1100);
        assertThat(Watcher.overdue(incus.instance(limited.container()))).isTrue();
        assertThat(Watcher.overdue(incus.instance(unlimited.container()))).isFalse();
    }

    @Test
    void theAllowlistKeeperReappliesRulesAndHostsOnlyWhenDueAndChanged() throws Exception {
        SessionPlan plan = started("[network]\nmode = \"allowlist\"\nallowed_domains = [\"198.51.100.0/24\"]\nrefresh_interval_minutes = 5\n");
        assertThat(nft.fenced).containsExactly(plan.container());
        assertThat(daemon.config(plan.container())).containsEntry(Labels.ALLOWLIST, "198.51.100.0/24");
        var keeper = fencing.new AllowlistKeeper(BridgeFacts.of(FakeDaemon.BRIDGE, FakeDaemon.BRIDGE_ADDRESS));
        List<Model.Instance> running = incus.instances();
        Instant t0 = Instant.now();
        assertThat(keeper.tick(running, t0)).isEmpty();
        nft.fenced.clear();
        assertThat(keeper.tick(running, t0.plus(Duration.ofMinutes(4)))).isEmpty();
        assertThat(keeper.tick(running, t0.plus(Duration.ofMinutes(5)))).as("due: rules put back").containsExactly(plan.container());
        assertThat(nft.fenced).containsExactly(plan.container());
        assertThat(keeper.tick(running, t0.plus(Duration.ofMinutes(10)))).as("same answer").isEmpty();
    }

    @Test
    void aLaunchSweepsTheRulesOfGoneContainersBeforeItsNetworkComesUpAndKeepsThoseOfLiveOnesAndOfOnesAnotherCoiHolds() throws Exception {
        String live = PREFIX + "live-1", gone = PREFIX + "gone-1", busy = PREFIX + "busy-1";
        daemon.existing(live, "Running", Map.of(), false);
        nft.fenced.addAll(List.of(live, gone, busy));
        SessionPlan plan;
        try (NameLock held = NameLock.hold(store.root(), busy)) {
            plan = started("");
        }
        assertThat(nft.fenced).as("a gone container's rules would cut off whoever gets its address next")
                .containsExactlyInAnyOrder(plan.container(), live, busy);
    }
}
