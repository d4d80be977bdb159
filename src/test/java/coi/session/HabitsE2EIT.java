package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Habits from the original, end to end with bin/coi: persistent `run` reuse, mount sources checked at plan time, shell progress. */
@Tag("incus")
class HabitsE2EIT {

    @Test
    void persistentRunReusesItsContainerAndStartsItWhenStopped() {
        try (Sandbox box = new Sandbox()) {
            Result first = box.run("run", "--persistent", "--slot", "3", "--", "sh", "-c", "echo kept > /home/code/marker");
            assertThat(first.exitCode()).as(first.toString()).isZero();
            Result again = box.run("run", "--persistent", "--slot", "3", "--", "cat", "/home/code/marker");
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.out()).as("the same container, not 'slot 3 is in use'").contains("kept\n", "kept persistent container " + box.container(3));

            assertThat(box.run("container", "stop", box.container(3), "--force").exitCode()).isZero();
            Result stopped = box.run("run", "--persistent", "--slot", "3", "--", "cat", "/home/code/marker");
            assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
            assertThat(stopped.out()).contains("starting persistent container " + box.container(3), "kept\n");
        }
    }

    @Test
    void aMountSourceThatDoesNotExistFailsThePlanNamingThePath() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path missing = box.root.resolve("no such dir");
            Result flag = box.run("run", "--dry-run", "--mount", missing + ":/data", "--", "true");
            assertThat(flag.exitCode()).as(flag.toString()).isEqualTo(2);
            assertThat(flag.err()).contains("mount source " + missing + " does not exist", "--mount", "[[mounts]]");

            Path config = box.home.resolve(".config/coi/config.toml");
            Files.createDirectories(config.getParent());
            Files.writeString(config, "[[mounts]]\nhost = \"" + missing + "\"\ncontainer = \"/data\"\n");
            Result fromFile = box.run("shell", "--dry-run");
            assertThat(fromFile.exitCode()).as(fromFile.toString()).isEqualTo(2);
            assertThat(fromFile.err()).contains("mount source " + missing + " does not exist");
            assertThat(box.run("container", "exists", box.container(1)).exitCode()).as("nothing was created").isEqualTo(1);
        }
    }

    @Test
    void shellSaysWhatItIsDoingUntilItAttaches() {
        try (Sandbox box = new Sandbox()) {
            Result start = box.run("shell", "--detach");
            assertThat(start.exitCode()).as(start.toString()).isZero();
            assertThat(start.out()).startsWith("Starting session...\n").contains("Setting up session ", "started " + box.container(1));
        }
    }

    @Test
    void anAllowlistWithoutEntriesFailsTheDryRunExactlyAsTheRealRun() {
        try (Sandbox box = new Sandbox().with("COI_NETWORK", "allowlist")) {
            Result dry = box.run("shell", "--dry-run", "--format", "json");
            Result real = box.run("shell", "--detach");
            assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(2);
            assertThat(real.exitCode()).as(real.toString()).isEqualTo(2);
            assertThat(dry.err()).contains("network mode allowlist needs at least one entry in allowed_domains").isEqualTo(real.err());
            assertThat(box.run("container", "exists", box.container(1)).exitCode()).as("nothing was created").isEqualTo(1);
        }
    }
}
