package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.testing.CoiProcess.Result;
import coi.testing.HostProcesses;
import coi.testing.HostTmux;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** `coi shell` as a user drives it: on a terminal (a host tmux), against the real daemon. */
@Tag("incus")
class ShellE2EIT {
    static final Duration UP = Duration.ofSeconds(60);

    @Test
    void shellThenPoweroffInsideSavesTheSessionAndResumeRestoresIt() throws Exception {
        // traced: what the end of the session read of the container is on the screen when it fails
        try (Sandbox box = new Sandbox().with("COI_TRACE", "1"); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            Files.writeString(box.home.resolve(".fake-ai-credentials-not-copied"), "x");
            Files.createDirectories(box.home.resolve(".fake-ai"));
            Files.writeString(box.home.resolve(".fake-ai/credentials"), "token-123");
            Files.writeString(box.home.resolve(".fake-ai/history"), "host history must not leak\n");

            String w = tmux.start(box.commandLine("shell"));
            tmux.await(w, "fake-ai> ", UP);
            assertThat(tmux.capture(w)).contains("args: --bypass-permissions").doesNotContain("resume-flag-seen");
            tmux.type(w, "hello from the test");
            tmux.await(w, "echo: hello from the test", UP);

            Path session = box.sessionDirs().getFirst();
            assertThat(Files.readString(session.resolve("state/history"))).isEqualTo("hello from the test\n");
            assertThat(Files.readString(session.resolve("state/credentials"))).isEqualTo("token-123");
            String meta = Files.readString(session.resolve("metadata.json"));
            assertThat(meta).contains("\"status\" : \"running\"", "\"container_name\" : \"" + box.container(1) + "\"",
                    "\"workspace\" : \"" + box.workspace + "\"", "\"tool\" : \"fake\"");

            tmux.type(w, "quit");
            tmux.await(w, "code@", UP);
            assertThat(incus.instance(box.container(1)).running()).as("the container outlives the tool").isTrue();
            tmux.type(w, "sudo poweroff");
            tmux.await(w, "COI-EXIT=0", UP);
            assertThat(tmux.capture(w)).contains("session ended");
            assertThat(incus.instanceExists(box.container(1))).as("ephemeral container removed").isFalse();
            assertThat(Files.readString(session.resolve("metadata.json"))).contains("\"status\" : \"ended\"");

            String again = tmux.start(box.commandLine("shell --resume"));
            tmux.await(again, "fake-ai> ", UP);
            assertThat(tmux.capture(again)).contains("resume-flag-seen", "fake-ai resumed 1 earlier lines", "args: --resume");
            assertThat(box.sessionDirs()).as("resuming continues the same session").hasSize(1);
            assertThat(box.run("kill", box.container(1)).exitCode()).isZero();
        }
    }

    /**
     * `sudo reboot` in an attached, ephemeral session without protected paths: Incus reads it as
     * Stopped (with its power record) for a moment, then Running. The attached coi must not take
     * that for the end: it says the container started again and leaves session and container be
     * (ending it deleted the rebooting container, which took the session's running state with it).
     */
    @Test
    void aRebootInsideAnAttachedSessionIsNotItsEnd() throws Exception {
        try (Sandbox box = new Sandbox().with("COI_TRACE", "1"); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            Path config = Files.writeString(box.root.resolve("unprotected.toml"), "[security]\nprotected_paths = []\n");
            box.with("COI_CONFIG", config.toString());
            String w = bashAfterTheTool(box, tmux);
            tmux.type(w, "echo kept > /workspace/before-reboot.txt && sudo reboot");
            tmux.await(w, "COI-EXIT=0", UP);
            assertThat(tmux.capture(w)).contains(box.container(1) + " started again (a reboot inside)").doesNotContain("session ended");

            String name = box.container(1);
            long deadline = System.nanoTime() + UP.toNanos();
            while (System.nanoTime() < deadline && !incus.findInstance(name).map(i -> i.running()).orElse(false)) Thread.sleep(250);
            assertThat(incus.findInstance(name)).as("the ephemeral container is not removed as it reboots")
                    .hasValueSatisfying(i -> assertThat(i.running()).isTrue());
            assertThat(Files.readString(box.sessionDirs().getFirst().resolve("metadata.json"))).as("the session is not ended")
                    .contains("\"status\" : \"running\"");
            assertThat(box.workspace.resolve("before-reboot.txt")).hasContent("kept\n");
            // the workspace came back with the restart: what code writes now is in it
            Result after = box.run("container", "exec", name, "--user", "1000", "--", "sh", "-c", "echo back > /workspace/after-reboot.txt");
            assertThat(after.exitCode()).as(after.toString()).isZero();
            assertThat(box.workspace.resolve("after-reboot.txt")).hasContent("back\n");
            assertThat(box.run("kill", name).exitCode()).isZero();
        }
    }

    /** `coi shell --tmux=false` (the original's flag): the tool on the terminal itself; its exit ends the session and is coi's. */
    @Test
    void withoutTmuxTheToolRunsOnTheTerminalAndItsExitEndsTheSession() throws Exception {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            String w = tmux.start(box.commandLine("shell --tmux=false"));
            tmux.await(w, "fake-ai> ", UP);
            tmux.type(w, "hello without tmux");
            tmux.await(w, "echo: hello without tmux", UP);
            String name = box.container(1);
            Result servers = box.run("container", "exec", name, "--", "sh", "-c", "ps -eo comm= | grep -c '^tmux' || true");
            assertThat(servers.out().trim()).as("no tmux in the container: " + servers).isEqualTo("0");
            Path session = box.sessionDirs().getFirst();
            assertThat(Files.readString(session.resolve("metadata.json"))).contains("\"status\" : \"running\"");

            // the tool's exit code is coi's
            tmux.type(w, "quit 3");
            tmux.await(w, "COI-EXIT=3", UP);
            assertThat(tmux.capture(w)).contains("session ended: container " + name + " removed").doesNotContain("code@");
            assertThat(incus.instanceExists(name)).as("the ephemeral container is removed").isFalse();
            assertThat(Files.readString(session.resolve("metadata.json"))).contains("\"status\" : \"ended\"");
            assertThat(Files.readString(session.resolve("state/history"))).isEqualTo("hello without tmux\n");

            Result detached = box.run("shell", "--tmux=false", "--detach");
            assertThat(detached.exitCode()).as(detached.toString()).isEqualTo(2);
            assertThat(detached.err()).contains("--tmux=false runs the tool on this terminal, so it cannot start detached");
            Result noTerminal = box.run("shell", "--tmux=false");
            assertThat(noTerminal.exitCode()).as(noTerminal.toString()).isEqualTo(2);
            assertThat(noTerminal.err()).contains("runs the tool on this terminal: run it interactively");
            assertThat(box.sessionDirs()).as("nothing was started without a terminal").hasSize(1);

            // a running persistent container is someone's session: refused before anything changes it
            Result kept = box.run("shell", "--detach", "--persistent");
            assertThat(kept.exitCode()).as(kept.toString()).isZero();
            Path running = box.sessionDirs().stream().filter(d -> !d.equals(session)).findFirst().orElseThrow();
            String join = tmux.start(box.commandLine("shell --tmux=false --persistent"));
            tmux.await(join, "COI-EXIT=1", UP);
            assertThat(tmux.capture(join)).contains(name + " is running (a session uses it)", "`coi attach " + name + "`");
            assertThat(Files.readString(running.resolve("metadata.json"))).as("the refusal leaves its session running")
                    .contains("\"status\" : \"running\"");
            assertThat(incus.instance(name).running()).isTrue();
            assertThat(box.run("kill", name).exitCode()).isZero();

            // the original's `coi shell --debug`: bash where the tool would run
            String debug = tmux.start(box.commandLine("shell --debug --tmux=false"));
            tmux.await(debug, "code@", UP);
            tmux.type(debug, "echo \"in $(ps -o comm= -p $$) as $(id -un)\"; exit 5");
            tmux.await(debug, "COI-EXIT=5", UP);
            assertThat(tmux.capture(debug)).contains("in bash as code").doesNotContain("fake-ai ready");
        }
    }

    /**
     * The other ends of a session without tmux, persistent: a poweroff inside while the tool runs (the terminal ends
     * with the container), and a SIGTERM to coi itself (a closed terminal, a `kill`), whose shutdown hook stops the
     * container in the background. Either way the container is stopped and kept, the session ended and its state saved.
     */
    @Test
    void withoutTmuxAPoweroffInsideOrASigtermToCoiEndsTheSessionAndKeepsItsState() throws Exception {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            String name = box.container(1);
            String w = tmux.start(box.commandLine("shell --tmux=false --persistent"));
            tmux.await(w, "fake-ai> ", UP);
            tmux.type(w, "before the poweroff");
            tmux.await(w, "echo: before the poweroff", UP);
            Files.writeString(box.workspace.resolve("kept.txt"), "kept\n");
            box.run("container", "exec", name, "--", "poweroff");
            tmux.await(w, "COI-EXIT=", UP);
            // coi's exit is the tool's, which the shutdown ended by a signal (SIGHUP, or SIGTERM)
            assertThat(tmux.capture(w)).contains("session ended: container " + name + " stopped (persistent)")
                    .containsPattern("COI-EXIT=(129|143)\\b");
            assertThat(incus.instance(name).running()).as("the persistent container is kept, stopped").isFalse();
            Path first = box.sessionDirs().getFirst();
            assertThat(Files.readString(first.resolve("metadata.json"))).contains("\"status\" : \"ended\"");
            assertThat(Files.readString(first.resolve("state/history"))).isEqualTo("before the poweroff\n");

            String again = tmux.start(box.commandLine("shell --tmux=false --persistent --resume"));
            tmux.await(again, "resume-flag-seen", UP);
            tmux.await(again, "fake-ai> ", UP);
            tmux.type(again, "before the signal");
            tmux.await(again, "echo: before the signal", UP);
            long shellPid = coiShell(box);
            ProcessHandle.of(shellPid).orElseThrow().destroy();
            // 128 + SIGTERM: the JVM's exit once its shutdown hooks have run
            tmux.await(again, "COI-EXIT=143", UP);
            coi.testing.Await.until(() -> !incus.instance(name).running(), 60, () -> name + " still runs after coi's SIGTERM");
            assertThat(incus.instanceExists(name)).as("the persistent container is kept").isTrue();
            assertThat(Files.readString(first.resolve("metadata.json"))).contains("\"status\" : \"ended\"");
            assertThat(Files.readString(first.resolve("state/history"))).isEqualTo("before the poweroff\nbefore the signal\n");
            assertThat(Files.readString(box.workspace.resolve("kept.txt"))).isEqualTo("kept\n");
            assertThat(box.run("kill", "--force", name).exitCode()).isZero();
        }
    }

    /** The pid of the `coi shell` JVM of {@code box}'s home (the one process whose command line runs coi.Main shell). */
    private static long coiShell(Sandbox box) throws Exception {
        List<Long> found = HostProcesses.all().stream()
                .filter(p -> p.cmdline().contains("coi.Main shell") && p.hasEnv("HOME", box.home.toString()))
                .map(HostProcesses.Proc::pid).toList();
        assertThat(found).as("one coi shell of this sandbox").hasSize(1);
        return found.getFirst();
    }

    @Test
    void detachThenAttachKeepsTheToolsScreen() {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux()) {
            String w = tmux.start(box.commandLine("shell"));
            tmux.await(w, "fake-ai> ", UP);
            tmux.type(w, "remember me");
            tmux.await(w, "echo: remember me", UP);
            tmux.send(w, "C-b", "d");
            tmux.await(w, "detached from " + box.container(1), UP);
            tmux.await(w, "COI-EXIT=0", UP);

            String back = tmux.start(box.commandLine("attach"));
            tmux.await(back, "echo: remember me", UP);
            tmux.type(back, "still here");
            tmux.await(back, "echo: still here", UP);
            tmux.send(back, "C-b", "d");
            tmux.await(back, "COI-EXIT=0", UP);
        }
    }

    @Test
    void exitInBashKeepsTheContainerRunning() {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            String w = bashAfterTheTool(box, tmux);
            tmux.type(w, "exit");
            tmux.await(w, "COI-EXIT=0", UP);
            assertThat(tmux.capture(w)).contains("is still running");
            assertThat(incus.instance(box.container(1)).running()).isTrue();
            Result attach = box.run("attach");
            assertThat(attach.exitCode()).isEqualTo(1);
            assertThat(attach.err()).contains("no tmux session", "--bash");
        }
    }

    @Test
    void detachedSessionPoweredOffFromInsideIsSavedAndRemovedWithNoCoiAttached() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Result start = box.run("shell", "--detach");
            assertThat(start.exitCode()).as(start.toString()).isZero();
            assertThat(start.out()).contains("started " + box.container(1));
            Path metadata = box.sessionDirs().getFirst().resolve("metadata.json");
            assertThat(Files.readString(metadata)).contains("\"status\" : \"running\"");

            Result off = box.run("container", "exec", box.container(1), "--", "poweroff");
            assertThat(off.exitCode()).as(off.toString()).isIn(0, 255, -1);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && (incus.instanceExists(box.container(1))
                    || !Files.readString(metadata).contains("\"status\" : \"ended\""))) {
                Thread.sleep(250);
            }
            assertThat(incus.instanceExists(box.container(1))).isFalse();
            assertThat(Files.readString(metadata)).as("the watcher saved the session").contains("\"status\" : \"ended\"");
            // by its stop event, or (a poweroff before the background process listened: CI-A of 2026-12-08) by its catch-up sweep
            assertThat(Files.readString(box.home.resolve(".coi/watcher.log"))).contains("ended " + box.container(1));
            assertThat(coi.network.RootFence.of().fenced()).as("the watcher removed its network rules").doesNotContain(box.container(1));
            Result list = box.run("list", "--format", "json");
            assertThat(list.out()).doesNotContain(box.container(1));
        }
    }

    @Test
    void twoSlotsRunSideBySideWithIsolatedHomesAndSessions() {
        try (Sandbox box = new Sandbox()) {
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            assertThat(box.run("container", "exec", box.container(1), "--", "sh", "-c", "echo one > /home/code/mine").exitCode()).isZero();
            Result other = box.run("container", "exec", box.container(2), "--", "ls", "/home/code/mine");
            assertThat(other.exitCode()).as("slot 2 does not see slot 1's home").isNotZero();
            assertThat(box.sessionDirs()).hasSize(2);
            Result list = box.run("list");
            assertThat(list.out()).contains(box.container(1), box.container(2));
            Result attach = box.run("attach");
            assertThat(attach.exitCode()).as("two sessions: attach lists them instead of guessing").isEqualTo(1);
            assertThat(attach.out()).contains(box.container(1), box.container(2));
        }
    }

    @Test
    void persistentContainerIsReusedWithWhatWasInstalled() {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            assertThat(box.run("shell", "--persistent", "--detach").exitCode()).isZero();
            assertThat(box.run("container", "exec", box.container(1), "--", "sh", "-c", "echo tool > /opt/installed").exitCode()).isZero();
            assertThat(box.run("container", "stop", box.container(1), "--force").exitCode()).isZero();
            assertThat(incus.instance(box.container(1)).status()).isEqualTo("Stopped");

            Result dry = box.run("shell", "--persistent", "--dry-run");
            assertThat(dry.out()).as(dry.toString()).contains("container   " + box.container(1), "(resumed)");
            assertThat(incus.instance(box.container(1)).status()).as("--dry-run changes nothing").isEqualTo("Stopped");

            Result again = box.run("shell", "--persistent", "--detach");
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.out()).contains("starting persistent container " + box.container(1));
            assertThat(box.run("container", "exec", box.container(1), "--", "cat", "/opt/installed").out()).isEqualTo("tool\n");
            assertThat(box.sessionDirs()).as("the persistent container keeps its session").hasSize(1);
            assertThat(box.run("shutdown", box.container(1)).exitCode()).isZero();
            assertThat(incus.instanceExists(box.container(1))).isFalse();
        }
    }

    @Test
    void tmuxSendAndCaptureAutomateARunningSession() throws Exception {
        try (Sandbox box = new Sandbox()) {
            assertThat(box.run("shell", "--detach").exitCode()).isZero();
            Result list = box.run("tmux", "list", "--format", "json");
            assertThat(list.out()).contains("\"container\" : \"" + box.container(1) + "\"", "\"session\" : \"coi-" + box.container(1) + "\"");
            assertThat(box.run("tmux", "send", box.container(1), "typed by automation").exitCode()).isZero();
            String screen = "";
            for (int i = 0; i < 50 && !screen.contains("echo: typed by automation"); i++) {
                Thread.sleep(100);
                screen = box.run("tmux", "capture", box.container(1)).out();
            }
            assertThat(screen).contains("fake-ai> typed by automation", "echo: typed by automation");
            Result missing = box.run("tmux", "capture", "coitest-nothing-1");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.err()).contains("not found");

            // root inside puts a tmux of its own first in the PATH, one that floods: coi reads a bounded part, then says so
            assertThat(box.run("container", "exec", box.container(1), "--", "sh", "-c",
                    "printf '#!/bin/sh\\nexec yes flood\\n' > /usr/local/bin/tmux && chmod 755 /usr/local/bin/tmux").exitCode()).isZero();
            Result flooded = box.run("tmux", "capture", box.container(1));
            assertThat(flooded.exitCode()).as(flooded.toString()).isEqualTo(1);
            assertThat(flooded.err()).startsWith("coi: tmux in " + box.container(1)).contains("wrote more than " + TmuxControl.OUTPUT_MAX + " bytes")
                    .doesNotContain("flood\nflood").doesNotContain("\tat ").doesNotContain("Exception");
            // the list leaves that container out, says so, and still lists the others (none here)
            Result listed = box.run("tmux", "list");
            assertThat(listed.exitCode()).as(listed.toString()).isZero();
            assertThat(listed.out()).isEqualTo("no tmux sessions\n");
            assertThat(listed.err()).startsWith("coi: warning: tmux in " + box.container(1)).contains("wrote more than")
                    .doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void limitDurationStopsTheSessionAndSavesIt() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Result start = box.run("shell", "--detach", "--limit-duration", "3s");
            assertThat(start.exitCode()).as(start.toString()).isZero();
            Path metadata = box.sessionDirs().getFirst().resolve("metadata.json");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && incus.instanceExists(box.container(1))) Thread.sleep(500);
            assertThat(incus.instanceExists(box.container(1))).as("stopped and removed after its duration").isFalse();
            while (System.nanoTime() < deadline && !Files.readString(metadata).contains("\"ended\"")) Thread.sleep(200);
            assertThat(Files.readString(metadata)).contains("\"status\" : \"ended\"");
            assertThat(Files.readString(box.home.resolve(".coi/watcher.log"))).contains("duration limit PT3S is up");
        }
    }

    /** A `coi shell` on a window of {@code tmux} whose tool was quit: the window is at code's bash prompt in tmux. */
    private static String bashAfterTheTool(Sandbox box, HostTmux tmux) {
        String w = tmux.start(box.commandLine("shell"));
        tmux.await(w, "fake-ai> ", UP);
        tmux.type(w, "quit");
        tmux.await(w, "code@", UP);
        return w;
    }
}
