package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.testing.CoiProcess.Result;
import coi.testing.HostTmux;
import coi.testing.Sandbox;
import coi.testing.TestImages;
import coi.testing.TestIncus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real agents' CLIs, from the image `coi build` makes, started by `coi shell` on a terminal
 * (a host tmux) as a new user would. Their APIs are unreachable here, so each tool's first
 * screen (its prompt or its sign-in) is the bar: reached within {@link #FIRST_SCREEN}, with no
 * error text, the state dir filled on the host with the right owner and modes, and the resume
 * form accepted. Conversation history and resuming a real conversation are the fake tool's
 * tests (ShellE2EIT); claude records a typed line even unanswered, so its resume is shown too.
 */
@Tag("incus")
class AgentsE2EIT {
    /** Measured: 12-50 s from `coi shell` to the first screen on a machine of this kind shared with other test runs. */
    static final Duration FIRST_SCREEN = Duration.ofSeconds(120);
    static final List<String> ERROR_TEXT = List.of("Error", "error:", "EACCES", "ermission denied", "command not found",
            "unknown option", "nexpected argument", "No conversation found", "panicked", "Traceback");

    @Test
    void claudeStartsWithBypassKeepsItsStateAndContinuesTheConversation() throws Exception {
        try (Sandbox box = agent("claude"); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            Path hostClaude = Files.createDirectories(box.home.resolve(".claude"));
            Files.writeString(hostClaude.resolve(".credentials.json"), "{\"note\": \"coitest: not a real login\"}");
            Files.writeString(hostClaude.resolve("history.jsonl"), "{\"display\": \"host history must stay home\"}\n");
            Files.createDirectories(hostClaude.resolve("projects/-home-dev-secret"));
            Files.writeString(box.home.resolve(".claude.json"), "{\"theme\": \"dark\", \"mcpServers\": {\"host\": {\"command\": \"/bin/x\"}}}");

            String w = tmux.start(box.commandLine("shell"));
            firstScreen(tmux, w, "claude", "bypass permissions on");
            Path state = stateDir(box);
            assertThat(modeOf(state.resolve(".credentials.json"))).isEqualTo("rw-------");
            assertThat(Files.readString(state.resolve(".credentials.json"))).contains("not a real login");
            assertThat(state.resolve("history.jsonl")).as("the host's history stays home").doesNotExist();
            assertThat(state.resolve("projects/-home-dev-secret")).doesNotExist();
            assertThat(Files.readString(state.resolve(".claude.json"))).doesNotContain("mcpServers", "/bin/x");
            toolWroteItsStateAsTheUser(state, Set.of(".credentials.json", "settings.json", ".claude.json"));
            homeIsCodes(incus, box.container(1));

            tmux.type(w, "hello from the agents test");
            // the status line says "Not logged in" from the start; this answer comes only once the message is taken (and saved)
            tmux.await(w, "Please run /login", FIRST_SCREEN);
            tmux.type(w, "/exit");
            tmux.await(w, "code@", FIRST_SCREEN);
            tmux.type(w, "sudo poweroff");
            tmux.await(w, "COI-EXIT=0", FIRST_SCREEN);

            String again = tmux.start(box.commandLine("shell --resume"));
            firstScreen(tmux, again, "claude --continue", "bypass permissions on");
            assertThat(processes(box, "claude")).contains("claude --continue --dangerously-skip-permissions");
            // claude draws the restored conversation a moment after its prompt
            tmux.await(again, "hello from the agents test", FIRST_SCREEN);
            assertThat(box.sessionDirs()).hasSize(1);
            assertThat(box.run("kill", box.container(1)).exitCode()).isZero();
        }
    }

    @Test
    void claudeInteractiveHasNoBypassAndAnEmptyResumeStartsAfresh() throws Exception {
        try (Sandbox box = agent("claude").with("COI_PERMISSION_MODE", "interactive"); HostTmux tmux = new HostTmux()) {
            String w = tmux.start(box.commandLine("shell"));
            // claude's own default mode shows in the same place ("auto mode on" in 2.1.332): coi adds no flag
            firstScreen(tmux, w, "claude interactive", "(shift+tab to cycle)");
            assertThat(tmux.capture(w)).doesNotContain("bypass permissions");
            assertThat(box.run("shutdown", box.container(1)).exitCode()).isZero();
            tmux.await(w, "COI-EXIT=0", FIRST_SCREEN);

            // nothing was said: `claude --continue` would exit with "No conversation found to continue"
            String again = tmux.start(box.commandLine("shell --resume"));
            firstScreen(tmux, again, "claude resumed without a conversation", "(shift+tab to cycle)");
            assertThat(box.run("kill", box.container(1)).exitCode()).isZero();
        }
    }

    @Test
    void opencodeFromItsBinaryOverrideOwnsItsHomeAndContinues() throws Exception {
        try (Sandbox box = agent("opencode"); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            Files.createDirectories(box.home.resolve(".config/coi"));
            // Without the internet opencode waits for its model catalogue (models.dev) before drawing: 35-90 s on a busy
            // machine of this kind, instead of 10-20 s. A user without the internet would set this too.
            Files.writeString(box.home.resolve(".config/coi/config.toml"), "[tool]\nbinary = \"/usr/local/bin/opencode\"\n\n"
                    + "[environment]\nOPENCODE_DISABLE_MODELS_FETCH = \"true\"\n");
            Path hostData = Files.createDirectories(box.home.resolve(".local/share/opencode/storage"));
            Files.writeString(hostData.resolveSibling("auth.json"), "{\"coitest\": {\"type\": \"api\", \"key\": \"not-a-key\"}}");
            Files.writeString(hostData.resolve("session.json"), "host sessions stay home");

            String w = tmux.start(box.commandLine("shell"));
            // "Build auto": opencode's agent line shows --auto, its bypass form
            firstScreen(tmux, w, "opencode", "auto");
            tmux.await(w, "Ask anything", FIRST_SCREEN);
            Path state = stateDir(box);
            assertThat(modeOf(state.resolve("auth.json"))).isEqualTo("rw-------");
            assertThat(state.resolve("storage/session.json")).doesNotExist();
            toolWroteItsStateAsTheUser(state, Set.of("auth.json"));
            homeIsCodes(incus, box.container(1));
            assertThat(processes(box, "opencode")).contains("/usr/local/bin/opencode --auto");

            shutdownAndResume(box, tmux, w, "opencode", "Ask anything", "opencode --continue --auto");
        }
    }

    @Test
    void codexStartsInYoloModeKeepsItsStateAndAcceptsResumeLast() throws Exception {
        try (Sandbox box = agent("codex"); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            Path hostCodex = Files.createDirectories(box.home.resolve(".codex"));
            Files.writeString(hostCodex.resolve("auth.json"), "{\"OPENAI_API_KEY\": \"sk-coitest-not-a-key\"}");
            Files.writeString(hostCodex.resolve("history.jsonl"), "host history must stay home\n");
            Files.writeString(hostCodex.resolve("config.toml"), "model = \"gpt-5\"\n\n[projects.\"/home/dev/secret\"]\ntrust_level = \"trusted\"\n");

            String w = tmux.start(box.commandLine("shell"));
            // with an API key codex skips its sign-in and shows its bypass form in the header
            firstScreen(tmux, w, "codex", "permissions: YOLO mode");
            Path state = stateDir(box);
            assertThat(modeOf(state.resolve("auth.json"))).isEqualTo("rw-------");
            assertThat(modeOf(state.resolve("config.toml"))).isEqualTo("rw-------");
            assertThat(Files.readString(state.resolve("config.toml"))).contains("model = \"gpt-5\"", "[projects.\"/workspace\"]")
                    .doesNotContain("/home/dev/secret");
            assertThat(state.resolve("history.jsonl")).doesNotExist();
            toolWroteItsStateAsTheUser(state, Set.of("auth.json", "config.toml"));
            homeIsCodes(incus, box.container(1));

            shutdownAndResume(box, tmux, w, "codex", "permissions: YOLO mode", "codex resume --last --dangerously-bypass-approvals-and-sandbox");
        }
    }

    @Test
    void aToolTheImageLacksIsOneLineAndNoContainer() throws Exception {
        try (Sandbox box = agent("claude"); IncusClient incus = TestIncus.client()) {
            String image = TestImages.fullCoi();
            Result aider = box.run("shell", "--tool", "aider");
            assertThat(aider.exitCode()).as(aider.toString()).isEqualTo(1);
            assertThat(aider.err().strip()).doesNotContain("\n")
                    .startsWith("coi: aider is not in image '" + image + "' (no `aider` on its PATH): `coi build` installs it when")
                    .contains("Python package index", "coi build custom NAME --script FILE");
            noContainerOf(incus, box);

            Files.createDirectories(box.home.resolve(".config/coi"));
            Files.writeString(box.home.resolve(".config/coi/config.toml"), "[tool]\nbinary = \"/opt/nowhere/claude\"\n");
            Result moved = box.run("shell", "--detach");
            assertThat(moved.exitCode()).as(moved.toString()).isEqualTo(1);
            assertThat(moved.err()).contains("claude is not in image '" + image + "' (no /opt/nowhere/claude)");
            noContainerOf(incus, box);
            assertThat(box.sessionDirs()).as("a session that never started leaves no folder").isEmpty();
        }
    }

    @Test
    void coiRunHasTheSandboxContextAndAHomeOwnedByCode() {
        try (Sandbox box = new Sandbox()) {
            Result run = box.run("run", "--limit-memory", "1GiB", "--", "sh", "-c",
                    "stat -c '%U %a' ~/SANDBOX_CONTEXT.md; cat ~/SANDBOX_CONTEXT.md; echo root-owned:; find /home/code -uid 0");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).startsWith("code 644\n# Sandbox context\n")
                    .contains("started by `coi run` for one command", "- **Network**: restricted", "- **Limits**: memory 1GiB",
                            "- **Persistence**: ephemeral", "- **Ending**: the container is removed when the command ends.")
                    .endsWith("root-owned:\n");
        }
    }

    static Sandbox agent(String tool) {
        return new Sandbox().with("COI_TOOL", tool).with("COI_IMAGE", TestImages.fullCoi());
    }

    /** Waits for the tool's first screen and checks it shows no error; prints how long it took. */
    static void firstScreen(HostTmux tmux, String window, String what, String marker) {
        long start = System.nanoTime();
        String screen = tmux.await(window, marker, FIRST_SCREEN);
        System.out.printf("[figures] %s: first screen after %.1f s (coi shell included)%n", what, (System.nanoTime() - start) / 1e9);
        for (String error : ERROR_TEXT) {
            assertThat(screen).as("%s's first screen:%n%s", what, screen).doesNotContain(error);
        }
    }

    /** Ends the session from outside, resumes it in a new window, and checks the tool runs with its resume form. */
    static void shutdownAndResume(Sandbox box, HostTmux tmux, String window, String tool, String marker, String resumed) {
        Result shutdown = box.run("shutdown", box.container(1));
        assertThat(shutdown.exitCode()).as(shutdown.toString()).isZero();
        tmux.await(window, "COI-EXIT=0", FIRST_SCREEN);
        String again = tmux.start(box.commandLine("shell --resume"));
        firstScreen(tmux, again, resumed, marker);
        assertThat(processes(box, tool)).contains(resumed);
        assertThat(box.run("kill", box.container(1)).exitCode()).isZero();
    }

    static String processes(Sandbox box, String name) {
        return box.run("container", "exec", box.container(1), "--", "pgrep", "-af", name).out();
    }

    static Path stateDir(Sandbox box) {
        List<Path> sessions = box.sessionDirs();
        assertThat(sessions).hasSize(1);
        return sessions.getFirst().resolve("state");
    }

    /** The tool wrote its own first-run files besides what coi seeded, and all of it is the invoking user's. */
    static void toolWroteItsStateAsTheUser(Path state, Set<String> seeded) throws IOException {
        int me = (Integer) Files.getAttribute(state.getParent(), "unix:uid");
        try (Stream<Path> top = Files.list(state)) {
            assertThat(top.map(p -> p.getFileName().toString()).filter(n -> !seeded.contains(n)).toList())
                    .as("first-run files of the tool").isNotEmpty();
        }
        try (Stream<Path> all = Files.walk(state)) {
            List<String> foreign = all.filter(p -> !ownedBy(p, me)).map(Path::toString).toList();
            assertThat(foreign).as("files in the state dir not owned by uid " + me).isEmpty();
        }
        assertThat(modeOf(state)).isEqualTo("rwx------");
    }

    /** Nothing in code's home, the mounted state dir included, is left owned by root. */
    static void homeIsCodes(IncusClient incus, String container) {
        var find = incus.execCapture(container, coi.incus.ExecRequest.of("find", "/home/code", "-uid", "0"));
        assertThat(find.exitCode()).as(find.err()).isZero();
        assertThat(find.out()).as("root-owned in /home/code").isEmpty();
        var context = incus.execCapture(container, coi.incus.ExecRequest.of("stat", "-c", "%U %a", "/home/code/SANDBOX_CONTEXT.md"));
        assertThat(context.out().strip()).isEqualTo("code 644");
    }

    static void noContainerOf(IncusClient incus, Sandbox box) {
        String mine = Sandbox.PREFIX + new Workspace(box.workspace).hash() + "-";
        assertThat(incus.instances().stream().map(coi.incus.Model.Instance::name).filter(n -> n.startsWith(mine))
                .collect(Collectors.toList())).isEmpty();
    }

    static boolean ownedBy(Path p, int uid) {
        try {
            return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) == uid;
        } catch (IOException e) {
            return true; // removed while we walked: the tool's own temporary file
        }
    }

    static String modeOf(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
