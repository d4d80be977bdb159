package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
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
    void aFifoIsRefusedWithoutOpeningIt() throws Exception {
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
        assertThat(read.get(10, TimeUnit.SECONDS)).contains(fifo + " is not a plain file").contains("replace it with a file");
    }

    @Test
    void aFolderIsRefused() throws Exception {
        Files.createDirectory(workspace.resolve(".coi.toml"));
        assertThatThrownBy(() -> WorkspacePath.read(workspace, ".coi.toml")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a plain file");
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
