package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Overrides;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeHomeTest {
    static final ToolLaunch OPENCODE = new ToolLaunch("opencode", List.of("opencode"), Map.of(), ".local/share/opencode");

    static SessionPlan plan(ToolLaunch tool, Overrides flags, HostFacts facts) {
        return Planner.plan(PlannerTest.WS, PlannerTest.config(flags), "shell", 1, "sid-1", false, tool, Path.of("/s/state"),
                Path.of("/h/.coi"), facts);
    }

    @Test
    void everyFolderBetweenTheHomeAndAMountPointIsListedShallowestFirst() {
        HostFacts facts = new HostFacts(1000, 1000, true, 1000, "coi-", Set.of(), PlannerTest.BRIDGE, Set.of(),
                Path.of("/run/agent.sock"));
        Overrides mounts = new Overrides(null, null, null, null, null, null,
                List.of("/srv/gh:/home/code/.config/gh", "/srv/data:/data"), null, null, null, null);
        assertThat(CodeHome.mountParents(plan(OPENCODE, mounts, facts))).containsExactly(
                "/home/code", "/home/code/.config", "/home/code/.local", "/home/code/.local/share");
    }

    @Test
    void aStateDirRightUnderTheHomeNeedsOnlyTheHome() {
        ToolLaunch claude = new ToolLaunch("claude", List.of("claude"), Map.of(), ".claude");
        assertThat(CodeHome.mountParents(plan(claude, Overrides.NONE, PlannerTest.facts(1000, true, Set.of()))))
                .containsExactly("/home/code");
    }

    /**
     * The script run for real (as this user, not root) in a folder standing for the home:
     * root-owned folders are what it changes, so here it must leave foreign ones alone and
     * still make ~/.tmux and write the context, whatever quotes the text holds.
     */
    @Test
    void theScriptWritesTheContextVerbatimAndMakesTheTmuxFolder(@TempDir Path dir) throws Exception {
        SessionPlan plan = plan(OPENCODE, Overrides.NONE, PlannerTest.facts(1000, true, Set.of()));
        String uid = Files.getAttribute(dir, "unix:uid").toString();
        String context = "it's \"quoted\" $HOME `x` %s\n";
        String script = CodeHome.script(plan, new CodeUser(Integer.parseInt(uid), Integer.parseInt(uid)), context).replace(CodeHome.HOME, dir.resolve("home").toString());
        Files.createDirectories(dir.resolve("home/.local/share"));

        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(Files.readString(dir.resolve("home/SANDBOX_CONTEXT.md"))).isEqualTo(context);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("home/SANDBOX_CONTEXT.md"))))
                .isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("home/.tmux")))).isEqualTo("rwx------");
        assertThat(script).contains("-maxdepth 0 -type d -uid 0 -exec chown -h " + uid + ":" + uid + " {} +");
    }
}
