package coi.monitor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Ends every process of a container through its cgroup, from the host, before Incus is asked to
 * stop it. Under a fork bomb an Incus stop took 18-60 s here: incusd and LXC must fork on a host
 * the bomb has slowed to a crawl. One write to cgroup v2's {@code cgroup.kill} (v2 hosts, and the
 * {@code unified} mount of v1-hybrid ones) ends them all in a fraction of a second, and the kernel
 * applies it atomically against fork, so a bomb cannot outrun it. Kernels without it (before 5.14,
 * pure v1): freeze through the v1 freezer, SIGKILL every process, thaw so the kills take effect.
 */
public final class CgroupKill {
    private final Path cgroups;

    public CgroupKill(Path cgroups) {
        this.cgroups = cgroups;
    }

    public static CgroupKill local() {
        return new CgroupKill(Path.of("/sys/fs/cgroup"));
    }

    /** Kills every process of the payload cgroup; false when there is no such cgroup (the container is gone already). */
    public boolean kill(String payload) {
        for (Path v2 : List.of(cgroups.resolve(payload), cgroups.resolve("unified").resolve(payload))) {
            if (Files.isRegularFile(v2.resolve("cgroup.kill"))) {
                write(v2.resolve("cgroup.kill"), "1");
                return true;
            }
        }
        Path freezer = cgroups.resolve("freezer").resolve(payload);
        if (!Files.isRegularFile(freezer.resolve("freezer.state"))) return false;
        write(freezer.resolve("freezer.state"), "FROZEN");
        killAll(freezer);
        write(freezer.resolve("freezer.state"), "THAWED");
        return true;
    }

    private static void killAll(Path cgroup) {
        try {
            for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
                if (!line.isBlank()) ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException gone) {
            return;
        }
        try (DirectoryStream<Path> subs = Files.newDirectoryStream(cgroup, Files::isDirectory)) {
            for (Path sub : subs) killAll(sub);
        } catch (IOException | java.nio.file.DirectoryIteratorException gone) {
            // removed while walking
        }
    }

    private static void write(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException e) {
            throw new ObservationException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
