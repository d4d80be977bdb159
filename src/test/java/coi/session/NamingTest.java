package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.UsageException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NamingTest {
    @Test
    void containerNameIsPrefixFirst8HexOfSha256OfTheAbsolutePathAndSlot() {
        // the expected hash is computed independently, by sha256sum
        Workspace ws = new Workspace(Path.of("/home/user/project"));
        assertThat(ws.hash()).isEqualTo(sha256Prefix("/home/user/project"));
        assertThat(ContainerName.of("coi-", ws, 3).value()).isEqualTo("coi-" + ws.hash() + "-3");
        assertThat(ContainerName.of("coi-", ws, 3).tmuxSession()).isEqualTo("coi-coi-" + ws.hash() + "-3");
    }

    @Test
    void pathIsNormalizedButSymlinksAreNotResolved(@TempDir Path tmp) throws Exception {
        Path real = java.nio.file.Files.createDirectory(tmp.resolve("real"));
        Path link = java.nio.file.Files.createSymbolicLink(tmp.resolve("link"), real);
        assertThat(new Workspace(link).hash()).isNotEqualTo(new Workspace(real).hash());
        assertThat(new Workspace(tmp.resolve("real/../real/.")).hash()).isEqualTo(new Workspace(real).hash());
    }

    @Test
    void slotsAreOneToTen() {
        Workspace ws = new Workspace(Path.of("/p"));
        assertThatThrownBy(() -> ContainerName.of("coi-", ws, 0)).isInstanceOf(UsageException.class).hasMessageContaining("1 to 10");
        assertThatThrownBy(() -> ContainerName.of("coi-", ws, 11)).isInstanceOf(UsageException.class);
        assertThat(ContainerName.of("coi-", ws, 10).slot()).isEqualTo(10);
    }

    @Test
    void parsesOnlyItsOwnNames() {
        assertThat(ContainerName.parse("coi-", "coi-1a2b3c4d-7")).contains(new ContainerName("coi-", "1a2b3c4d", 7));
        assertThat(ContainerName.parse("coi-", "coi-1a2b3c4d-11")).isEmpty();
        assertThat(ContainerName.parse("coi-", "coi-build-1234")).isEmpty();
        assertThat(ContainerName.parse("dev-", "dev-1a2b3c4d-1")).isPresent();
    }

    @Test
    void missingWorkspaceIsAUsageError(@TempDir Path tmp) {
        assertThatThrownBy(() -> Workspace.of(tmp.resolve("nope"))).isInstanceOf(UsageException.class)
                .hasMessageContaining("does not exist").hasMessageContaining("--workspace");
    }

    private static String sha256Prefix(String s) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "printf %s \"$0\" | sha256sum", s).start();
            return new String(p.getInputStream().readAllBytes()).substring(0, 8);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
