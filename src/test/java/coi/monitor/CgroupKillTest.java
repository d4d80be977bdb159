package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Killing a container's processes through recorded cgroup trees: v2's cgroup.kill, else v1's freezer and a SIGKILL each. */
class CgroupKillTest {
    @TempDir Path root;

    @Test
    void cgroupV2AndTheUnifiedMountOfV1HybridHostsAreToldToKillEverything() throws IOException {
        Path unified = root.resolve("unified/lxc.payload.coi-x-1");
        write(unified.resolve("cgroup.kill"), "");
        write(root.resolve("freezer/lxc.payload.coi-x-1/freezer.state"), "THAWED\n");
        assertThat(new CgroupKill(root).kill("lxc.payload.coi-x-1")).isTrue();
        assertThat(Files.readString(unified.resolve("cgroup.kill"))).isEqualTo("1");
        assertThat(Files.readString(root.resolve("freezer/lxc.payload.coi-x-1/freezer.state"))).isEqualTo("THAWED\n");
    }

    @Test
    void withoutCgroupKillEveryProcessOfTheV1TreeGetsSigkillBetweenFreezeAndThaw() throws Exception {
        Process top = new ProcessBuilder("sleep", "60").start(), nested = new ProcessBuilder("sleep", "60").start();
        try {
            Path freezer = root.resolve("freezer/lxc.payload.coi-x-1");
            write(freezer.resolve("freezer.state"), "THAWED\n");
            write(freezer.resolve("cgroup.procs"), top.pid() + "\n");
            write(freezer.resolve("user.slice/cgroup.procs"), nested.pid() + "\n");
            assertThat(new CgroupKill(root).kill("lxc.payload.coi-x-1")).isTrue();
            assertThat(top.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(nested.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(top.exitValue()).as("killed by SIGKILL").isEqualTo(137);
            assertThat(Files.readString(freezer.resolve("freezer.state"))).as("thawed, so the kills take effect").isEqualTo("THAWED");
        } finally {
            top.destroyForcibly();
            nested.destroyForcibly();
        }
    }

    @Test
    void aContainerWithoutCgroupIsGoneAlready() {
        assertThat(new CgroupKill(root).kill("lxc.payload.gone")).isFalse();
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
