package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Config;
import coi.config.Overrides;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxContextTest {
    static final HostFacts FACTS = PlannerTest.facts(1000, Set.of());

    @Test
    void aShellSessionNamesItsToolStateLimitsAndProtectedPaths() {
        Config config = PlannerTest.config(new Overrides(null, null, null, null, null, null, List.of("/srv/d:/data"), "/srv/keep",
                "2", "4GiB", "90m"));
        HostFacts facts = new HostFacts(1000, 1000, 1000, "coi-", Set.of(), PlannerTest.BRIDGE, Set.of(), null,
                new Protection(List.of(".git/hooks", ".git/config"), List.of(), true));
        SessionPlan plan = PlannerTest.plan(config, 2, facts);
        String md = SandboxContext.render(plan);

        assertThat(md).startsWith("# Sandbox context\n")
                .contains("- **Container**: " + plan.container() + " (slot 2), coi session sid-1, tool fake.")
                .contains("- **Persistence**: ephemeral: the container is deleted when it stops. Only /workspace, your tool's state"
                        + " directory (/home/code/.fake-ai) and the mounted folders listed here survive")
                .contains("- **Network**: restricted: ")
                .contains("- **Limits**: cpu 2, memory 4GiB, stopped after 1h30m (a process over the memory limit is killed")
                .contains("- **Read-only**: /workspace/.git/config, /workspace/.git/hooks: ")
                .contains("- **Storage**: /storage is a host folder")
                .contains("- **Mounted**: /data is a host folder: ")
                .contains("- **Monitoring**: none")
                .contains("the host's SSH keys and ssh-agent, git credentials")
                .contains("`coi shell --resume` continues it");
    }

    @Test
    void aRunContainerSaysItIsForOneCommandAndWhatIsNotSet() {
        Config config = PlannerTest.config(new Overrides(null, true, null, "open", null, null, null, null, null, null, null));
        SessionPlan plan = Planner.plan(PlannerTest.WS, config, "run", 1, null, false, null, null, Path.of("/h/.coi"), FACTS);
        String md = SandboxContext.render(plan);

        assertThat(md).contains("started by `coi run` for one command.")
                .contains("- **Persistence**: persistent: this container is kept")
                .contains("- **Network**: open: no network restrictions.")
                .contains("- **Limits**: none set by coi.")
                .contains("- **Ending**: the container is kept when the command ends.")
                .doesNotContain("Read-only", "Storage", "tool fake", "--resume");
    }

    @Test
    void aForwardedAgentIsSaidToBeThereAndTheAllowlistIsSpelledOut(@TempDir Path dir) throws Exception {
        Path toml = Files.writeString(dir.resolve("config.toml"),
                "[network]\nmode = \"allowlist\"\nallowed_domains = [\"example.org\", \"198.51.100.0/24\"]\n");
        Config config = coi.config.ConfigLoader.load(List.of(coi.config.ConfigFile.optional(toml)), Map.of(), Path.of("/home/dev"),
                Overrides.NONE);
        HostFacts facts = new HostFacts(1000, 1000, 1000, "coi-", Set.of(), PlannerTest.BRIDGE, Set.of(), Path.of("/run/a.sock"));
        String md = SandboxContext.render(PlannerTest.plan(config, 1, facts));
        assertThat(md).contains("- **SSH**: the user's ssh-agent answers at $SSH_AUTH_SOCK",
                        "- **Network**: allowlist: only these destinations are reachable: example.org, 198.51.100.0/24.")
                .doesNotContain("ssh-agent,");
    }
}
