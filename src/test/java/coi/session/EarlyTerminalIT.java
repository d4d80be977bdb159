package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.testing.HostProcesses;
import coi.testing.HostTmux;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `coi shell` starts the user's terminal (the incus CLI, waiting in the container for the tmux
 * session) while the tmux exec runs: when that exec fails, or the user presses Ctrl-C on the
 * waiting terminal, the launch is undone as before and the terminal is given back to the shell
 * in its normal mode. A `tmux` of the test's own, first on the container's PATH (a host folder
 * mounted at /usr/local/sbin), fails or delays the session.
 */
@Tag("incus")
class EarlyTerminalIT {
    private static final Duration UP = Duration.ofSeconds(60);

    @Test
    void aFailingTmuxEndsTheEarlyTerminalAndUndoesTheLaunch() throws Exception {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            Path sbin = tmuxOfTheTest(box, "echo 'tmux: refused by the test' >&2\nexit 1\n");
            String w = tmux.start(box.commandLine("shell --mount " + sbin + ":/usr/local/sbin" + terminalMode()));
            String screen = tmux.await(w, "COI-EXIT=", UP);
            assertThat(screen).contains("Attaching to " + box.container(1),
                    "coi: could not start tmux in " + box.container(1) + ": tmux: refused by the test (is tmux installed in the image?)",
                    "COI-EXIT=1");
            assertThat(modeLine(screen)).as("the CLI gave the terminal back in its normal mode").contains(" icanon", " echo")
                    .doesNotContain("-icanon", "-echo ");
            assertThat(incus.instanceExists(box.container(1))).as("the launch was undone").isFalse();
            assertThat(box.sessionDirs()).as("a session that never started leaves no folder").isEmpty();
            assertThat(terminalsInto(box.container(1))).as("no incus CLI left waiting").isEmpty();
        }
    }

    /**
     * The incus CLI makes the terminal raw before it listens for SIGTERM: ended in between (a tmux
     * that fails at once, under load), it died with the terminal raw. An `incus` of the test's own,
     * first on coi's PATH, stays in that moment: raw mode, and SIGTERM's default action.
     */
    @Test
    void aTerminalEndedBeforeTheCliListensForSigtermIsGivenBackInItsNormalMode() throws Exception {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            // the tmux step fails only once the CLI of the test has surely made the terminal raw
            Path sbin = tmuxOfTheTest(box, "sleep 2\necho 'tmux: refused by the test' >&2\nexit 1\n");
            Path bin = Files.createDirectories(box.root.resolve("bin"));
            Path cli = Files.writeString(bin.resolve("incus"), "#!/bin/sh\nstty raw -echo\nexec sleep 600\n");
            Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
            box.with("PATH", bin + ":" + System.getenv("PATH"));
            String w = tmux.start(box.commandLine("shell --mount " + sbin + ":/usr/local/sbin" + terminalMode()));
            String screen = tmux.await(w, "COI-EXIT=", UP);
            assertThat(screen).contains("tmux: refused by the test", "COI-EXIT=1");
            assertThat(modeLine(screen)).as("coi put back the mode the CLI took").contains(" icanon", " echo")
                    .doesNotContain("-icanon", "-echo ");
            assertThat(incus.instanceExists(box.container(1))).as("the launch was undone").isFalse();
        }
    }

    @Test
    void ctrlCOnTheWaitingTerminalUndoesTheLaunch() throws Exception {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            // the session comes up only after 4 s: time to press Ctrl-C on the terminal that waits for it
            Path sbin = tmuxOfTheTest(box, "[ \"$1\" = new-session ] && sleep 4\nexec /usr/bin/tmux \"$@\"\n");
            String w = tmux.start(box.commandLine("shell --mount " + sbin + ":/usr/local/sbin" + terminalMode()));
            tmux.await(w, "Attaching to " + box.container(1), UP);
            Thread.sleep(1500);
            tmux.send(w, "C-c");
            String screen = tmux.await(w, "COI-EXIT=", UP);
            assertThat(screen).contains("coi: interrupted: the launch was undone").doesNotContain("fake-ai>", "COI-EXIT=0");
            assertThat(modeLine(screen)).contains(" icanon", " echo").doesNotContain("-icanon", "-echo ");
            assertThat(incus.instanceExists(box.container(1))).as("the launch was undone").isFalse();
            assertThat(box.sessionDirs()).isEmpty();
            assertThat(terminalsInto(box.container(1))).isEmpty();
        }
    }

    @Test
    void aPooledShellWhoseAttachFailsEndsTheTerminalStartedBesideIt() throws Exception {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            // the terminal starts beside the attach; the tool's presence is asked by the exec that starts tmux in the claimed member
            Path config = Files.writeString(box.root.resolve("pool.toml"),
                    "[security]\nprotected_paths = []\n[pool]\nsize = 1\n[tool]\nbinary = \"no-such-ai\"\n");
            box.with("COI_CONFIG", config.toString()).with("COI_TRACE", "1");
            try {
                var fill = box.run("pool", "fill");
                assertThat(fill.exitCode()).as(fill.toString()).isZero();
                String w = tmux.start(box.commandLine("shell" + terminalMode()));
                String screen = tmux.await(w, "COI-EXIT=", UP);
                String member = screen.replaceAll("(?s).*pool: claimed (\\S+).*", "$1");
                assertThat(member).as(screen).startsWith(Sandbox.PREFIX + "pool-");
                assertThat(screen).contains("Attaching to " + member, "is not in image", "COI-EXIT=1");
                assertThat(modeLine(screen)).as("the CLI gave the terminal back in its normal mode").contains(" icanon", " echo")
                        .doesNotContain("-icanon", "-echo ");
                assertThat(incus.instanceExists(member)).as("the claimed member went with the launch").isFalse();
                assertThat(box.sessionDirs()).as("a session that never started leaves no folder").isEmpty();
                assertThat(terminalsInto(member)).as("no incus CLI left waiting").isEmpty();
            } finally {
                coi.network.PoolMembers.removeUntilQuiet(incus);
            }
        }
    }

    /** A folder with an executable `tmux` running {@code body}, for /usr/local/sbin (first on the PATH of an exec). */
    private static Path tmuxOfTheTest(Sandbox box, String body) throws IOException {
        Path sbin = Files.createDirectories(box.root.resolve("sbin"));
        Path tmux = Files.writeString(sbin.resolve("tmux"), "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(tmux, PosixFilePermissions.fromString("rwxr-xr-x"));
        return sbin;
    }

    /**
     * After coi: the terminal's line discipline, as the shell that ran coi finds it (coi's exit code kept for COI-EXIT,
     * which the tests wait for: it comes after this line, which a screen taken at this line may not show yet).
     */
    private static String terminalMode() {
        return "; s=$?; echo TERMINAL-MODE $(stty -a | tr -s ' ;\\n' ' '); (exit $s)";
    }

    private static String modeLine(String screen) {
        // a terminal left raw (no output processing) prints the line where the cursor was, not at a line's start
        return screen.lines().filter(l -> l.startsWith("TERMINAL-MODE")).findFirst()
                .orElseThrow(() -> new AssertionError("no line starts with TERMINAL-MODE: was the terminal left raw?\n" + screen)) + " ";
    }

    /** The command lines of `incus exec -t` processes into {@code container}. */
    private static List<String> terminalsInto(String container) throws IOException {
        return HostProcesses.all().stream().map(HostProcesses.Proc::cmdline)
                .filter(cmd -> cmd.startsWith("incus exec -t ") && cmd.contains(container))
                .toList();
    }
}
