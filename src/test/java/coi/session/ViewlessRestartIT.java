package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.testing.Await;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A session container restarted behind coi's back (`sudo reboot` as code inside) with protected
 * paths (the default; this runs as root, so the workspace comes through a locked view) would come
 * back on the view's empty folder: the supervisor stops it, says why in its log, `coi info` and the
 * session's metadata, and `coi shell` starts it again with its workspace. (A container without
 * protected paths restarts with its workspace: `MonitorAttacksIT#aContainerRebootedFromInside…`.)
 */
@Tag("incus")
class ViewlessRestartIT {
    @Test
    void aRebootInsideStopsTheSessionWhichComesBackWithItsWorkspace() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Files.writeString(box.workspace.resolve("hello.txt"), "from the host\n");
            Result started = box.run("shell", "--detach", "--persistent");
            assertThat(started.exitCode()).as(started.toString()).isZero();
            String name = box.container(1);
            assertThat(cat(incus, name, "/workspace/hello.txt")).isEqualTo("from the host\n");

            long t0 = System.nanoTime();
            as(incus, name, "setsid -f bash -c 'sleep 1; sudo reboot' >/dev/null 2>&1");
            // a reboot passes through Stopped itself: the supervisor's line first
            Path log = box.home.resolve(".coi/watcher.log");
            Await.until(() -> read(log).contains("stopping " + name + ": it started again without coi"), 45,
                    () -> name + " was not stopped after its reboot: " + box.diagnostics());
            Await.until(() -> incus.findInstance(name).map(i -> "Stopped".equals(i.status())).orElse(false), 15,
                    () -> name + " still runs: " + box.diagnostics());
            System.out.printf("reboot inside to the supervisor's stop: %.1f s%n", (System.nanoTime() - t0) / 1e9);
            Result info = box.run("info");
            assertThat(info.exitCode()).as(info.toString()).isZero();
            assertThat(info.out()).contains("stopped_by").contains(Supervisor.RESTARTED_WITHOUT_VIEW).contains("ended");
            assertThat(box.workspace).isDirectoryContaining(p -> p.getFileName().toString().equals("hello.txt"));

            Result again = box.run("shell", "--detach", "--persistent");
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(cat(incus, name, "/workspace/hello.txt")).as("the workspace, through a fresh view").isEqualTo("from the host\n");
            // coi's own start is no restart behind its back: the supervisor leaves it running
            Thread.sleep(6000);
            assertThat(incus.instance(name).running()).as(box.diagnostics()).isTrue();
        }
    }

    private static String cat(IncusClient incus, String container, String file) {
        var r = incus.execCapture(container, new ExecRequest(List.of("cat", file), Map.of("HOME", "/home/code"), 1000, 1000, "/"));
        return r.out();
    }

    private static void as(IncusClient incus, String container, String script) {
        var r = incus.execCapture(container, new ExecRequest(List.of("bash", "-c", script), Map.of("HOME", "/home/code"), 1000, 1000, "/workspace"));
        if (r.exitCode() != 0) fail("`" + script + "` in " + container + " failed: " + r.exitCode() + " " + r.err());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
