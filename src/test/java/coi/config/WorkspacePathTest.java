package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent can put where coi reads workspace config: only a plain, small file is read. */
class WorkspacePathTest {
    @TempDir
    Path workspace;

    @Test
    void aPlainFileIsRead() throws Exception {
        Files.writeString(workspace.resolve(".coi.toml"), "[pool]\nsize = 1\n");
        assertThat(WorkspacePath.read(workspace, ".coi.toml")).hasValueSatisfying(b -> assertThat(new String(b)).contains("size = 1"));
        assertThat(WorkspacePath.read(workspace, "missing.toml")).isEmpty();
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = workspace.resolve(".coi.toml");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // opening a FIFO blocks until a writer comes: the read must end by itself
        var read = CompletableFuture.supplyAsync(() -> {
            try {
                WorkspacePath.read(workspace, ".coi.toml");
                return "read";
            } catch (ConfigException e) {
                return e.getMessage();
            }
        });
        assertThat(read.get(10, TimeUnit.SECONDS)).contains(fifo + " is not a plain file but a FIFO").contains("replace it with a file");
    }

    @Test
    void aFifoPutThereAfterTheWalkIsRefusedWithoutBlocking() throws Exception {
        Path file = Files.writeString(workspace.resolve(".coi.toml"), "[pool]\nsize = 1\n");
        // the agent's moment: the walk saw a plain file, the open finds a FIFO no one ever writes
        Runnable swap = () -> {
            try {
                Files.delete(file);
                assertThat(new ProcessBuilder("mkfifo", file.toString()).start().waitFor()).isZero();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> WorkspacePath.read(workspace, ".coi.toml", swap))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + " is not a plain file but a FIFO")
                .hasMessageContaining("replace it with a file, or remove it"));
    }

    @Test
    void aLinkPutThereAfterTheWalkIsNotFollowed() throws Exception {
        Path secret = Files.writeString(workspace.resolve("secret"), "token = 1\n");
        Path file = Files.writeString(workspace.resolve(".coi.toml"), "[pool]\nsize = 1\n");
        Runnable swap = () -> {
            try {
                Files.delete(file);
                Files.createSymbolicLink(file, secret);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertThatThrownBy(() -> WorkspacePath.read(workspace, ".coi.toml", swap)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + " is a symbolic link").hasMessageNotContaining(secret.toString());
    }

    @Test
    void aFileRemovedAfterTheWalkIsAbsent() throws Exception {
        Path file = Files.writeString(workspace.resolve(".coi.toml"), "[pool]\nsize = 1\n");
        assertThat(WorkspacePath.read(workspace, ".coi.toml", () -> file.toFile().delete())).isEmpty();
    }

    @Test
    void aDeviceIsRefused() throws Exception {
        Path device = workspace.resolve(".coi.toml");
        // a character device like /dev/null (1:3) where the config was: needs root to make
        int made = new ProcessBuilder("mknod", device.toString(), "c", "1", "3").start().waitFor();
        // where the suite runs as root (CI) it must run; only another user cannot make the device
        if ("root".equals(System.getProperty("user.name"))) assertThat(made).as("mknod as root").isZero();
        else assumeTrue(made == 0, "mknod needs root");
        assertThatThrownBy(() -> WorkspacePath.read(workspace, ".coi.toml")).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).satisfiesAnyOf(
                        m -> assertThat(m).contains(device + " is not a plain file but a device"),
                        // a temporary folder on a nodev file system: the open is refused before the device is reached
                        m -> assertThat(m).contains("cannot read " + device + ": Permission denied")));
    }

    @Test
    void aFolderIsRefused() throws Exception {
        Files.createDirectory(workspace.resolve(".coi.toml"));
        assertThatThrownBy(() -> WorkspacePath.read(workspace, ".coi.toml")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a plain file but a folder");
    }

    @Test
    void aFileOverOneMibIsRefusedUnread() throws Exception {
        Path big = workspace.resolve(".coi.toml");
        Files.write(big, new byte[WorkspacePath.MAX_BYTES]);
        assertThat(WorkspacePath.read(workspace, ".coi.toml")).hasValueSatisfying(b -> assertThat(b).hasSize(WorkspacePath.MAX_BYTES));
        Files.write(big, new byte[WorkspacePath.MAX_BYTES + 1]);
        assertThatThrownBy(() -> WorkspacePath.read(workspace, ".coi.toml")).isInstanceOf(ConfigException.class)
                .hasMessageContaining(big + " is larger than 1 MiB");
    }
}
