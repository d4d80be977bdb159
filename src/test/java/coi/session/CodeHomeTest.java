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
        HostFacts facts = new HostFacts(1000, 1000, 1000, "coi-", Set.of(), PlannerTest.BRIDGE, Set.of(),
                Path.of("/run/agent.sock"));
        Overrides mounts = new Overrides(null, null, null, null, null, null,
                List.of("/srv/gh:/home/code/.config/gh", "/srv/data:/data"), null, null, null, null);
        assertThat(CodeHome.mountParents(plan(OPENCODE, mounts, facts))).containsExactly(
                "/home/code", "/home/code/.config", "/home/code/.local", "/home/code/.local/share");
    }

    @Test
    void aStateDirRightUnderTheHomeNeedsOnlyTheHome() {
        ToolLaunch claude = new ToolLaunch("claude", List.of("claude"), Map.of(), ".claude");
        assertThat(CodeHome.mountParents(plan(claude, Overrides.NONE, PlannerTest.facts(1000, Set.of()))))
                .containsExactly("/home/code");
    }

    @Test
    void theHomeIsMadeBeforeTheStartUnlessADeviceMountsOverWhatThatWrites() {
        HostFacts facts = PlannerTest.facts(1000, Set.of());
        assertThat(CodeHome.mountedOver(plan(OPENCODE, Overrides.NONE, facts))).as("the state dir and the workspace").isFalse();
        assertThat(CodeHome.mountedOver(plan(OPENCODE, mounts("/srv/gh:/home/code/.config/gh"), facts))).isFalse();
        assertThat(CodeHome.mountedOver(plan(OPENCODE, mounts("/srv/local:/home/code/.local"), facts)))
                .as("a parent of the state dir is a host folder: what the start makes in it shows only after").isTrue();
        assertThat(CodeHome.mountedOver(plan(OPENCODE, mounts("/srv/home:/home/code"), facts))).as("the home itself").isTrue();
        assertThat(CodeHome.mountedOver(plan(OPENCODE, mounts("/srv/tmux:/home/code/.tmux"), facts))).isTrue();
    }

    private static Overrides mounts(String mount) {
        return new Overrides(null, null, null, null, null, null, List.of(mount), null, null, null, null);
    }

    /**
     * The script (run only when a folder must change hands) run for real, as this user, not root,
     * in a folder standing for the home: root-owned folders are what it changes, so here it must
     * leave foreign ones alone and still make ~/.tmux private.
     */
    @Test
    void theScriptMakesTheTmuxFolderAndHandsOnlyRootsFoldersToCode(@TempDir Path dir) throws Exception {
        SessionPlan plan = plan(OPENCODE, Overrides.NONE, PlannerTest.facts(1000, Set.of()));
        String uid = Files.getAttribute(dir, "unix:uid").toString();
        String script = CodeHome.script(plan, new CodeUser(Integer.parseInt(uid), Integer.parseInt(uid))).replace(CodeHome.HOME, dir.resolve("home").toString());
        Files.createDirectories(dir.resolve("home/.local/share"));

        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("home/.tmux")))).isEqualTo("rwx------");
        assertThat(script).contains("-maxdepth 0 -type d -uid 0 -exec chown -h " + uid + ":" + uid + " {} +");
    }

    @Test
    void theTmuxExecMakesTheHomeOnlyWhereNothingBelowItNeedsRoot() {
        HostFacts facts = PlannerTest.facts(1000, Set.of());
        ToolLaunch claude = new ToolLaunch("claude", List.of("claude"), Map.of(), ".claude");
        assertThat(CodeHome.madeInTmuxExec(plan(claude, Overrides.NONE, facts))).as("the state dir right under the home").isTrue();
        assertThat(CodeHome.madeInTmuxExec(plan(claude, mounts("/srv/data:/data"), facts))).isTrue();
        assertThat(CodeHome.madeInTmuxExec(plan(OPENCODE, Overrides.NONE, facts))).as("~/.local and ~/.local/share: root's after the start")
                .isFalse();
        assertThat(CodeHome.madeInTmuxExec(plan(claude, mounts("/srv/gh:/home/code/.config/gh"), facts))).isFalse();
        assertThat(CodeHome.madeInTmuxExec(plan(claude, mounts("/srv/tmux:/home/code/.tmux"), facts))).as("mounted over").isFalse();
    }

    /** A home, a tool and the context text of a test; {@link #inTmuxExec} runs the exec's shell on them, as this user. */
    private record Home(Path dir, Path tool, List<String> argv) {
        static Home in(Path dir, String context) throws Exception {
            Path home = Files.createDirectories(dir.resolve("home"));
            Path tool = Files.writeString(dir.resolve("tool"), "#!/bin/sh\n");
            SessionPlan plan = plan(new ToolLaunch("fake", List.of(tool.toString()), Map.of(), ".fake"), Overrides.NONE,
                    PlannerTest.facts(1000, Set.of()));
            List<String> argv = new java.util.ArrayList<>(CodeHome.inTmuxExec(plan, List.of("touch", dir.resolve("ran").toString())));
            argv.set(2, argv.get(2).replace(CodeHome.HOME, home.toString()));
            argv.set(4, context);
            return new Home(home, tool, argv);
        }

        int run() throws Exception {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            return p.exitValue();
        }
    }

    @Test
    void theTmuxExecWritesTheContextAsDataMakesTmuxPrivateThenRunsTheCommand(@TempDir Path dir) throws Exception {
        String hostile = "# ctx `touch " + dir.resolve("pwned") + "` $(touch " + dir.resolve("pwned") + ") %s %n \\ '\"\n";
        Home home = Home.in(dir, hostile);
        Path link = Files.createSymbolicLink(home.dir().resolve("SANDBOX_CONTEXT.md"), Files.writeString(dir.resolve("target"), "kept"));

        assertThat(home.run()).isZero();
        assertThat(Files.readString(home.dir().resolve("SANDBOX_CONTEXT.md"))).isEqualTo(hostile);
        assertThat(Files.isSymbolicLink(link)).as("the image's link is replaced, not followed").isFalse();
        assertThat(Files.readString(dir.resolve("target"))).isEqualTo("kept");
        assertThat(dir.resolve("pwned")).as("the context is data, never shell code").doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.dir().resolve(".tmux")))).isEqualTo("rwx------");
        assertThat(dir.resolve("ran")).as("the command ran after").exists();
    }

    @Test
    void aMissingToolOrATmuxFolderCodeCannotOwnStopsTheExecBeforeItsCommand(@TempDir Path dir) throws Exception {
        Home home = Home.in(dir, "ctx");
        Files.delete(home.tool());
        assertThat(home.run()).isEqualTo(CodeHome.TOOL_MISSING);
        assertThat(dir.resolve("ran")).doesNotExist();

        Files.writeString(home.tool(), "#!/bin/sh\n");
        Files.createSymbolicLink(home.dir().resolve(".tmux"), Files.createDirectories(dir.resolve("elsewhere")));
        assertThat(home.run()).as("a link where ~/.tmux goes: root's pass makes it right").isEqualTo(CodeHome.NEEDS_ROOT);
        assertThat(dir.resolve("ran")).doesNotExist();
    }
}
