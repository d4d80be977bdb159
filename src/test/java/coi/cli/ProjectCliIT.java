package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.testing.CoiProcess;
import coi.testing.Sandbox;
import coi.testing.TestImages;
import coi.testing.TestIncus;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `COI_INCUS_PROJECT` and `[incus] project` choose the Incus project of every command, end to
 * end: a second project (images shared with the default one, its own default profile) that the
 * test makes and removes, where sessions, containers, files, snapshots, health and cleaning
 * happen, while the default project sees none of it.
 */
@Tag("incus")
class ProjectCliIT {
    private static final String PROJECT = Sandbox.PREFIX + "proj";

    @Test
    void everyCommandSeesAndActsInTheChosenProjectOnly() throws Exception {
        String image = TestImages.fakeTool();
        String base = TestIncus.baseImage();
        sh("sh", "-c", "incus project delete " + PROJECT + " 2>/dev/null || true");
        sh("incus", "project", "create", PROJECT, "-c", "features.images=false", "-c", "features.profiles=true");
        try (Sandbox box = new Sandbox()) {
            box.with("COI_INCUS_PROJECT", PROJECT);

            // the project's own default profile has no devices yet: health looks there, not in the default project
            CoiProcess.Result bare = box.run("health");
            assertThat(bare.exitCode()).as(bare.toString()).isEqualTo(2);
            assertThat(bare.out()).contains("the default profile has no root disk");
            sh("sh", "-c", "incus profile show default | incus profile edit default --project " + PROJECT);
            CoiProcess.Result health = box.run("health", "--verbose");
            assertThat(health.out()).as(health.toString()).contains("ok   storage").contains("ok   network").contains("image '" + image + "' present");

            CoiProcess.Result shell = box.run("shell", "--detach");
            assertThat(shell.exitCode()).as(shell.toString()).isZero();
            String session = box.container(1);
            assertThat(instances(PROJECT)).contains(session);
            assertThat(instances("default")).doesNotContain(session);

            assertThat(box.run("list").out()).contains(session);
            assertThat(inDefault(box).run("list").out()).doesNotContain(session);
            assertThat(box.run("container", "exists", session).exitCode()).isZero();
            assertThat(inDefault(box).run("container", "exists", session).exitCode()).isEqualTo(1);
            assertThat(box.run("container", "running", session).exitCode()).isZero();
            CoiProcess.Result exec = box.run("container", "exec", session, "--", "test", "-d", "/workspace");
            assertThat(exec.exitCode()).as(exec.toString()).isZero();
            CoiProcess.Result tmux = box.run("tmux", "list");
            assertThat(tmux.out()).as(tmux.toString()).contains(session);

            Path sent = Files.writeString(box.root.resolve("sent.txt"), "through the project\n");
            Path back = box.root.resolve("back.txt");
            CoiProcess.Result push = box.run("file", "push", sent.toString(), session + ":/tmp/sent.txt");
            assertThat(push.exitCode()).as(push.toString()).isZero();
            CoiProcess.Result pull = box.run("file", "pull", session + ":/tmp/sent.txt", back.toString());
            assertThat(pull.exitCode()).as(pull.toString()).isZero();
            assertThat(back).hasContent("through the project");

            CoiProcess.Result snap = box.run("snapshot", "create", session, "before");
            assertThat(snap.exitCode()).as(snap.toString()).isZero();
            assertThat(box.run("snapshot", "list", session).out()).contains("before");
            assertThat(box.run("image", "exists", image).exitCode()).as("images shared with the default project").isZero();

            CoiProcess.Result shutdown = box.run("shutdown", session, "--timeout", "30");
            assertThat(shutdown.out()).as(shutdown.toString()).contains("Shutdown " + session);
            assertThat(instances(PROJECT)).doesNotContain(session);

            CoiProcess.Result run = box.run("run", "--persistent", "--", "echo", "ran in the project");
            assertThat(run.out()).as(run.toString()).contains("ran in the project");
            assertThat(instances(PROJECT)).contains(session);
            assertThat(instances("default")).doesNotContain(session);
            assertThat(inDefault(box).run("kill", session).exitCode()).as("the default project has no such container").isNotZero();
            CoiProcess.Result kill = box.run("kill", session);
            assertThat(kill.out()).as(kill.toString()).contains("Killed " + session);
            assertThat(instances(PROJECT)).doesNotContain(session);

            // the same through the user's config file, the variable unset (empty counts as unset)
            Files.createDirectories(box.home.resolve(".config/coi"));
            Files.writeString(box.home.resolve(".config/coi/config.toml"), "[incus]\nproject = \"" + PROJECT + "\"\n");
            String launched = box.container(9);
            CoiProcess.Result launch = unset(box).run("container", "launch", base, launched);
            assertThat(launch.exitCode()).as(launch.toString()).isZero();
            assertThat(instances(PROJECT)).contains(launched);
            assertThat(instances("default")).doesNotContain(launched);
            assertThat(unset(box).run("container", "stop", launched, "--force").exitCode()).isZero();
            CoiProcess.Result clean = unset(box).env("COI_CONTAINER_PREFIX", launched).run("clean", "--force");
            assertThat(clean.exitCode()).as(clean.toString()).isZero();
            assertThat(instances(PROJECT)).doesNotContain(launched);
        } finally {
            for (String name : instances(PROJECT)) sh("incus", "delete", "--force", "--project", PROJECT, name);
            sh("incus", "project", "delete", PROJECT);
        }
    }

    /** This sandbox's coi, told to use the default project. */
    private static CoiProcess inDefault(Sandbox box) {
        return box.coi().env("COI_INCUS_PROJECT", "default");
    }

    /** This sandbox's coi without COI_INCUS_PROJECT: only the config files choose. */
    private static CoiProcess unset(Sandbox box) {
        return box.coi().env("COI_INCUS_PROJECT", "");
    }

    private static List<String> instances(String project) throws Exception {
        String out = sh("incus", "list", "--project", project, "--format", "csv", "--columns", "n");
        return Arrays.stream(out.split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Runs a command, fails the test on a non-zero exit; returns its output. */
    private static String sh(String... argv) throws Exception {
        // no stdin: `incus project create` would read the project's YAML from it
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", argv), out).isZero();
        return out;
    }
}
