package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.testing.CoiProcess;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestImages;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `[incus] code_uid = 1001` in an image whose `code` is uid 1001 (made by this test from the
 * fake-tool image and removed afterwards): files the session writes belong to the invoking host
 * user, and the command, tmux and the tool all run as 1001.
 */
@Tag("incus")
class CodeUidE2EIT {
    static final String IMAGE = Sandbox.PREFIX + "uid1001";

    @Test
    void aCodeUserWithUid1001IsWhatEveryExecTmuxAndFileWriteUses() throws Exception {
        try (IncusClient incus = TestIncus.client()) {
            buildImage();
            try (Sandbox box = new Sandbox().with("COI_IMAGE", IMAGE)) {
                Path config = Files.createDirectories(box.home.resolve(".config/coi")).resolve("config.toml");
                Files.writeString(config, "[incus]\ncode_uid = 1001\n");
                int me = (Integer) Files.getAttribute(box.workspace, "unix:uid");

                Result run = box.run("run", "id -u; id -g; echo made > made.txt; stat -c %u made.txt");
                assertThat(run.exitCode()).as(run.toString()).isZero();
                assertThat(run.out()).isEqualTo("1001\n1001\n1001\n");
                assertThat((Integer) Files.getAttribute(box.workspace.resolve("made.txt"), "unix:uid"))
                        .as("what code wrote belongs to the invoking host user").isEqualTo(me);

                // an ephemeral run's removal ends after coi returns (Reaper): the shell should get slot 1 again
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline && incus.instanceExists(box.container(1))) Thread.sleep(100);
                Result shell = box.run("shell", "--detach");
                assertThat(shell.exitCode()).as(shell.toString()).isZero();
                String container = box.container(1);
                assertThat(incus.instance(container).configValue(Labels.CODE_UID)).isEqualTo("1001");
                List<String> processes = Arrays.asList(incus.execCapture(container, ExecRequest.of("ps", "-eo", "uid=,args="))
                        .out().split("\n"));
                assertThat(processes).as("tmux's server and the tool run as 1001").anySatisfy(p -> assertThat(p.trim()).startsWith("1001")
                        .contains("tmux")).anySatisfy(p -> assertThat(p.trim()).startsWith("1001").contains("fake-ai"));
                assertThat(processes).as("nothing runs as the image's former code uid").noneMatch(p -> p.trim().startsWith("1000 "));

                Result send = box.run("tmux", "send", container, "echo typed-as-$(id -u)");
                assertThat(send.exitCode()).as("coi tmux talks to code's tmux server: " + send).isZero();
                Result attachable = box.run("tmux", "list");
                assertThat(attachable.out()).contains(container);
                // the state dir and the workspace, both mounted, as the tool writes them
                Result files = box.run("container", "exec", container, "--", "stat", "-c", "%u", "/home/code/.tmux");
                assertThat(files.out().trim()).isEqualTo("1001");
                assertThat(box.run("shutdown", container).exitCode()).isZero();
            }
        } finally {
            deleteImage();
        }
    }

    /** The fake-tool image with `code` moved to uid/gid 1001, as an image built for another uid has it. */
    private static void buildImage() throws Exception {
        Path script = Files.createTempFile("coitest-uid1001", ".sh");
        try {
            Files.writeString(script, "set -e\ngroupmod -g 1001 code\nusermod -u 1001 -g 1001 code\nchown -R 1001:1001 /home/code\n");
            Result r = new CoiProcess().run("build", "custom", IMAGE, "--base", TestImages.fakeTool(), "--script", script.toString(), "--force");
            assertThat(r.exitCode()).as("building " + IMAGE + ": " + r).isZero();
        } finally {
            Files.delete(script);
        }
    }

    private static void deleteImage() {
        try (IncusClient incus = TestIncus.client()) {
            incus.images().stream().filter(i -> i.aliases() != null && i.aliases().stream().anyMatch(a -> a.name().startsWith(IMAGE)))
                    .forEach(i -> incus.deleteImage(i.fingerprint()));
        }
    }
}
