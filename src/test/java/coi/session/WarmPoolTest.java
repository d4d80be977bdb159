package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Config;
import coi.config.ConfigLoader;
import coi.config.Overrides;
import coi.pool.Fit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which `coi run` and `coi shell` may come from the warm pool, and that a session's plan and a member's template share one fit. */
class WarmPoolTest {
    static final Workspace WS = new Workspace(Path.of("/home/dev/project"));
    static final Path ROOT = Path.of("/home/dev/.coi");

    static Config config(Map<String, String> env) {
        return ConfigLoader.load(List.of(), env, Path.of("/home/dev"), Overrides.NONE);
    }

    static HostFacts facts(Protection protection) {
        return new HostFacts(0, 0, 1000, "coi-", Set.of(), PlannerTest.BRIDGE, Set.of(), null, protection);
    }

    static SessionPlan run(Config config, HostFacts facts) {
        return Planner.plan(WS, config, "run", null, null, false, null, null, ROOT, facts).withLabel(Labels.OWNER, "1@boot");
    }

    @Test
    void aRunFitsOnlyWithAPoolAndWithoutALockedView() {
        Config pooled = config(Map.of("COI_POOL_SIZE", "2"));
        assertThat(WarmPool.fits(run(pooled, facts(Protection.NONE)), pooled)).isTrue();
        Config none = config(Map.of());
        assertThat(WarmPool.fits(run(none, facts(Protection.NONE)), none)).as("size 0 by default").isFalse();
        HostFacts locked = facts(new Protection(List.of(".git/hooks"), List.of(".git"), true));
        assertThat(WarmPool.fits(run(pooled, locked), pooled)).as("a locked view never comes from the pool").isFalse();
        HostFacts devices = facts(new Protection(List.of(".git/hooks"), List.of(".git"), false));
        assertThat(WarmPool.fits(run(pooled, devices), pooled)).as("read-only disk devices are the same hot-plugged").isTrue();
    }

    @Test
    void persistentMonitoredAndTimeLimitedRunsLaunchCold() {
        for (Map<String, String> env : List.of(Map.of("COI_POOL_SIZE", "1", "COI_PERSISTENT", "true"),
                Map.of("COI_POOL_SIZE", "1", "COI_MONITOR", "true"))) {
            Config config = config(env);
            assertThat(WarmPool.fits(run(config, facts(Protection.NONE)), config)).as(env.toString()).isFalse();
        }
        Config limited = ConfigLoader.load(List.of(), Map.of("COI_POOL_SIZE", "1"), Path.of("/home/dev"),
                new Overrides(null, null, null, null, null, Map.of(), List.of(), null, null, null, "2h", Map.of()));
        assertThat(WarmPool.fits(run(limited, facts(Protection.NONE)), limited)).isFalse();
    }

    @Test
    void sessionsOfAnyWorkspaceSlotAndNetworkModeShareTheFitOfTheTemplate() {
        Config restricted = config(Map.of("COI_POOL_SIZE", "1"));
        Config open = config(Map.of("COI_POOL_SIZE", "1", "COI_NETWORK", "open"));
        SessionPlan template = Planner.plan(WS, restricted, "run", ContainerName.MIN_SLOT, null, false, null, null, ROOT, facts(Protection.NONE));
        SessionPlan other = Planner.plan(new Workspace(Path.of("/srv/other")), open, "run", 4, null, false, null, null, ROOT,
                facts(new Protection(List.of(".git/hooks"), List.of(".git"), false))).withLabel(Labels.OWNER, "2@boot");
        assertThat(Fit.of("coi", "f00d", other.config(), other.devices())).isEqualTo(Fit.of("coi", "f00d", template.config(), template.devices()));
    }
    static SessionPlan shell(Config config, HostFacts facts) {
        return Planner.plan(WS, config, "shell", null, "0b5e55ed-0000-4000-8000-000000000001", false, PlannerTest.TOOL,
                ROOT.resolve("sessions-fake/0b5e55ed-0000-4000-8000-000000000001/state"), ROOT, facts);
    }

    @Test
    void aNewShellFitsAndSharesTheFitOfTheRunTemplateTheMembersAreMadeFrom() {
        Config pooled = config(Map.of("COI_POOL_SIZE", "1"));
        SessionPlan shell = shell(pooled, facts(Protection.NONE));
        assertThat(WarmPool.fits(shell, pooled)).isTrue();
        SessionPlan template = Planner.plan(WS, pooled, "run", ContainerName.MIN_SLOT, null, false, null, null, ROOT, facts(Protection.NONE));
        assertThat(Fit.of("coi", "f00d", shell.config(), shell.devices()))
                .as("the tool's labels, environment and state mount are the claim's, not the member's")
                .isEqualTo(Fit.of("coi", "f00d", template.config(), template.devices()));
        Config persistent = config(Map.of("COI_POOL_SIZE", "1", "COI_PERSISTENT", "true"));
        assertThat(WarmPool.fits(shell(persistent, facts(Protection.NONE)), persistent)).as("found again by its slot name").isFalse();
    }

    @Test
    void aClaimedShellsTmuxSessionGoesByTheMembersName() {
        SessionPlan shell = shell(config(Map.of("COI_POOL_SIZE", "1")), facts(Protection.NONE));
        SessionPlan claimed = shell.withContainer("coi-pool-0a1b2c3d", Map.of("type", "nic"));
        assertThat(claimed.tmuxSession()).isEqualTo(ContainerName.tmuxSession("coi-pool-0a1b2c3d"));
        assertThat(claimed.slot()).isEqualTo(shell.slot());
        assertThat(claimed.config()).containsEntry(Labels.SLOT, Integer.toString(shell.slot()));
    }
}
