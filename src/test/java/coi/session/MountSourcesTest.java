package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.CoiException;
import coi.UsageException;
import coi.config.Config;
import coi.config.ConfigLoader;
import coi.config.Overrides;
import coi.incus.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mount or storage source inside the workspace is the agent's to relink: one reached through a link there is refused. */
class MountSourcesTest {
    @TempDir
    Path dir;
    Path ws, home;

    @BeforeEach
    void tree() throws Exception {
        ws = Files.createDirectories(dir.resolve("project"));
        home = Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(ws.resolve("cache"));
        Files.createDirectories(ws.resolve("sub/real"));
        // what the agent plants: a link out of the workspace, and one within it
        Files.createSymbolicLink(ws.resolve("out"), home);
        Files.createSymbolicLink(ws.resolve("within"), ws.resolve("sub"));
    }

    private Config config(String mount, String storage) {
        return ConfigLoader.load(List.of(), Map.of(), dir, new Overrides(null, null, null, null, null, Map.of(),
                mount == null ? List.of() : List.of(mount + ":/data"), storage, null, null, null));
    }

    @Test
    void aSourceInsideTheWorkspaceReachedThroughALinkIsRefused() throws Exception {
        assertThat(MountSources.throughLink(ws.resolve("cache"), ws)).isEmpty();
        assertThat(MountSources.throughLink(ws.resolve("out"), ws)).contains(home);
        assertThat(MountSources.throughLink(ws.resolve("out/deeper"), ws)).as("not there yet: judged by what is").contains(home);
        assertThat(MountSources.throughLink(ws.resolve("within/real"), ws)).as("a link within the workspace too").isPresent();
        assertThat(MountSources.throughLink(home, ws)).as("outside the workspace: the user's own").isEmpty();
        assertThat(MountSources.throughLink(dir.resolve("project/../home"), ws)).isEmpty();

        MountSources.require(config(ws.resolve("cache").toString(), null), new Workspace(ws));
        assertThatThrownBy(() -> MountSources.require(config(ws.resolve("out").toString(), null), new Workspace(ws)))
                .isInstanceOf(UsageException.class)
                .hasMessage("mount source " + ws.resolve("out") + " is inside the workspace and reached through a link there (it leads to "
                        + home.toRealPath() + "): the agent can write the workspace, so coi does not follow a link it may have made:"
                        + " give the folder's own path in the --mount flag or [[mounts]] entry");
        assertThatThrownBy(() -> MountSources.require(config(null, ws.resolve("out/keep").toString()), new Workspace(ws)))
                .isInstanceOf(UsageException.class).hasMessageStartingWith("storage folder " + ws.resolve("out/keep") + " is inside the workspace");
    }

    /** A persistent container's extra folder relinked by the agent while it ran: its next start is refused. */
    @Test
    void aPersistentContainersFolderRelinkedMeanwhileStopsItsStart() throws Exception {
        Map<String, Map<String, String>> devices = Map.of(
                "workspace", Map.of("type", "disk", "source", ws.toString(), "path", "/workspace"),
                "mount-1", Map.of("type", "disk", "source", ws.resolve("cache").toString(), "path", "/data"),
                "eth0", Map.of("type", "nic"));
        Model.Instance before = new Model.Instance("coi-x-1", "Stopped", "container", false, null, null, Map.of(), Map.of(), devices, devices,
                List.of(), null);
        MountSources.requireUnchanged(before, ws);
        Files.delete(ws.resolve("cache"));
        Files.createSymbolicLink(ws.resolve("cache"), home);
        assertThatThrownBy(() -> MountSources.requireUnchanged(before, ws)).isInstanceOf(CoiException.class)
                .hasMessageContaining("coi-x-1's folder " + ws.resolve("cache") + " (device mount-1) is inside the workspace and reached through a link")
                .hasMessageContaining("`coi shutdown coi-x-1`");
    }
}
