package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestImages;
import java.nio.file.Files;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The last piece of the ordinary workload (see {@link MonitorAttacksIT}): Docker building an image
 * inside a monitored session, in the full `coi` image (Docker's daemon runs in the container, which
 * sessions allow with security.nesting). The build needs no registry: FROM scratch.
 */
@Tag("incus")
class MonitorDockerIT {
    @Test
    void dockerBuildingAnImageIsNeitherFrozenNorKilledAndLogsNothingAboveWarning() throws Exception {
        try (Sandbox box = new Sandbox().with("COI_IMAGE", TestImages.fullCoi())) {
            Files.writeString(box.workspace.resolve("Dockerfile"), "FROM scratch\nCOPY hello.txt /\n");
            Files.writeString(box.workspace.resolve("hello.txt"), "hello\n");
            Result r = box.run("run", "--monitor", String.join("\n",
                    "set -e",
                    "for i in $(seq 1 60); do sudo docker info >/dev/null 2>&1 && break; sleep 1; done",
                    "sudo docker build -q -t coitest-built . >/dev/null",
                    "sudo docker image ls coitest-built --format 'built {{.Repository}} {{.Size}}'"));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("built coitest-built");
            assertThat(MonitorFixtures.audit(box)).as("monitoring ran").anyMatch(e -> e.title().equals("monitoring started"));
            assertThat(MonitorFixtures.audit(box)).as("nothing above warning").allMatch(e -> e.level().compareTo(Level.WARNING) <= 0);
            assertThat(MonitorFixtures.audit(box)).noneMatch(e -> e.action() == Action.KILLED || e.action() == Action.PAUSED);
        }
    }
}
