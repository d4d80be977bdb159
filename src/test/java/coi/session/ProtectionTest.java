package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.config.ConfigException;
import coi.config.ProtectedPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtectionTest {
    @TempDir
    Path ws;

    @Test
    void existingPathsAreReadOnlyAndTheirFoldersPinned() throws Exception {
        Files.createDirectories(ws.resolve(".git/hooks"));
        Files.writeString(ws.resolve(".git/config"), "[core]\n");
        Files.createDirectories(ws.resolve(".git/info"));

        Protection p = Protection.of(ws, List.of(".git/hooks", ".git/config", ".git/info"), true, true);

        assertThat(p.readOnly()).containsExactly(".git/hooks", ".git/config", ".git/info");
        assertThat(p.pinned()).containsExactly(".git");
    }

    @Test
    void aMissingPathGetsAPlaceholderTheAgentCannotReplace() throws Exception {
        Files.createDirectories(ws.resolve(".claude"));

        Protection p = Protection.of(ws, List.of(".vscode", ".claude/settings.json", ".codex/config.toml", ".mcp.json"), true, true);

        // the first missing component stands for what is below it
        assertThat(p.readOnly()).containsExactly(".vscode", ".claude/settings.json", ".codex", ".mcp.json");
        assertThat(p.pinned()).containsExactly(".claude");
        assertThat(ws.resolve(".vscode")).isEmptyDirectory();
        assertThat(ws.resolve(".codex")).isEmptyDirectory();
        assertThat(ws.resolve(".claude/settings.json")).hasContent("{}");
        assertThat(ws.resolve(".mcp.json")).hasContent("{}");
    }

    @Test
    void aLinkPutWhereAPlaceholderGoesIsNotWrittenThrough() throws Exception {
        Path victim = Files.writeString(ws.getParent().resolve(ws.getFileName() + "-victim"), "keys");
        try {
            // the agent's moment, between coi's look and its create: a link to a file of the host user
            Runnable plant = () -> {
                try {
                    Files.createSymbolicLink(ws.resolve("settings.json"), victim);
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            };
            assertThatThrownBy(() -> Protection.placeholder(ws, "settings.json", true, plant)).isInstanceOf(coi.CoiException.class)
                    .hasMessageContaining(ws.resolve("settings.json") + " appeared while coi made the placeholder");
            assertThat(victim).hasContent("keys");
        } finally {
            Files.deleteIfExists(victim);
        }
    }

    @Test
    void aFifoPutWhereAPlaceholderGoesIsNotOpened() throws Exception {
        Runnable plant = () -> {
            try {
                assertThat(new ProcessBuilder("mkfifo", ws.resolve("settings.json").toString()).start().waitFor()).isZero();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        // an open of the FIFO for writing would wait for a reader that never comes
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () ->
                assertThatThrownBy(() -> Protection.placeholder(ws, "settings.json", true, plant)).isInstanceOf(coi.CoiException.class)
                        .hasMessageContaining("appeared while coi made the placeholder"));
    }

    @Test
    void aDryRunCreatesNothing() {
        Protection p = Protection.of(ws, List.of(".husky", ".claude/settings.json"), false, true);

        assertThat(p.readOnly()).containsExactly(".husky", ".claude");
        assertThat(ws).isEmptyDirectory();
    }

    @Test
    void aGitFileOfAWorktreeIsProtectedItself() throws Exception {
        Files.writeString(ws.resolve(".git"), "gitdir: /home/u/repo/.git/worktrees/x\n");

        Protection p = Protection.of(ws, ProtectedPaths.DEFAULTS, false, true);

        assertThat(p.readOnly()).contains(".git").doesNotContain(".git/hooks", ".git/config");
    }

    @Test
    void plantedLinksAreRefusedByName() throws Exception {
        Files.createSymbolicLink(ws.resolve(".vscode"), Path.of("/etc"));
        assertThatThrownBy(() -> Protection.of(ws, List.of(".vscode"), true, true)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(ws.resolve(".vscode") + " is a symbolic link");

        Files.delete(ws.resolve(".vscode"));
        Path hostFolder = Files.createDirectories(ws.getParent().resolve(ws.getFileName() + "-host/.git"));
        Files.createSymbolicLink(ws.resolve(".git"), hostFolder);
        assertThatThrownBy(() -> Protection.of(ws, List.of(".git/hooks"), true, true))
                .hasMessageStartingWith(ws.resolve(".git") + " is a symbolic link");
        assertThat(hostFolder).isEmptyDirectory();
    }
}
