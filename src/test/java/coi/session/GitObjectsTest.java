package coi.session;

import static coi.session.GitTesting.git;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects read by a git of coi's own, as the agent's repository holds them (written here by host git). */
class GitObjectsTest {
    @TempDir
    Path home;

    private Path repository() throws Exception {
        Path ws = Files.createDirectories(home.resolve("ws"));
        git(home, ws, "init", "-q");
        Files.writeString(ws.resolve(".gitmodules"), "[submodule \"s\"]\n\tpath = s\n\turl = /srv/evil.git\n");
        Files.writeString(ws.resolve("f"), "f\n");
        git(home, ws, "add", ".gitmodules", "f");
        git(home, ws, "commit", "-qm", "one");
        return ws;
    }

    @Test
    void headAndItsGitmodulesAreReadWithoutTheRepositorysConfig() throws Exception {
        Path ws = repository();
        Path gitDir = ws.resolve(".git");
        // a config git would run a command for, if it read it: never read here
        Files.writeString(gitDir.resolve("config"), "[core]\n\tfsmonitor = touch " + home.resolve("ran") + "\n\tpager = touch " + home.resolve("ran") + "\n");
        String head = GitObjects.head(gitDir, gitDir);
        assertThat(head).isEqualTo(git(home, ws, "-c", "core.fsmonitor=", "rev-parse", "HEAD").strip());
        assertThat(GitObjects.file(gitDir.resolve("objects"), head, ".gitmodules", 1 << 20))
                .isInstanceOfSatisfying(GitObjects.Blob.Content.class, c -> assertThat(new String(c.bytes())).contains("url = /srv/evil.git"));
        String blob = git(home, ws, "-c", "core.fsmonitor=", "rev-parse", ":.gitmodules").strip();
        assertThat(GitObjects.blob(gitDir.resolve("objects"), blob, 1 << 20)).isInstanceOf(GitObjects.Blob.Content.class);
        assertThat(GitObjects.blob(gitDir.resolve("objects"), blob, 10)).isInstanceOf(GitObjects.Blob.TooLarge.class);
        assertThat(home.resolve("ran")).doesNotExist();

        // packed: the ref read from packed-refs
        git(home, ws, "-c", "core.fsmonitor=", "pack-refs", "--all");
        assertThat(GitObjects.head(gitDir, gitDir)).isEqualTo(head);
    }

    @Test
    void aPathTheCommitHoldsNotIsSettledButACommitNotThereYetIsAskedAgain() throws Exception {
        Path ws = repository();
        Path objects = ws.resolve(".git/objects");
        String head = git(home, ws, "rev-parse", "HEAD").strip();
        assertThat(GitObjects.file(objects, head, "nothing-here", 1 << 20)).isEqualTo(new GitObjects.Blob.None(true));

        // a commit the agent names before it writes it
        Path other = Files.createDirectories(home.resolve("other"));
        git(home, other, "init", "-q");
        Files.writeString(other.resolve(".gitmodules"), "[submodule \"t\"]\n\tpath = t\n\turl = /srv/later.git\n");
        git(home, other, "add", ".gitmodules");
        git(home, other, "commit", "-qm", "later");
        String later = git(home, other, "rev-parse", "HEAD").strip();
        assertThat(GitObjects.file(objects, later, ".gitmodules", 1 << 20)).isEqualTo(new GitObjects.Blob.None(false));
        git(home, other, "push", "-q", ws.toString(), "HEAD:refs/heads/later");
        assertThat(GitObjects.file(objects, later, ".gitmodules", 1 << 20)).as("read once it is there").isInstanceOf(GitObjects.Blob.Content.class);
    }

    @Test
    void anObjectFileMadeAFifoStopsTheReadInTime() throws Exception {
        Path ws = repository();
        String blob = git(home, ws, "rev-parse", ":.gitmodules").strip();
        Path loose = ws.resolve(".git/objects").resolve(blob.substring(0, 2)).resolve(blob.substring(2));
        Files.delete(loose);
        assertThat(new ProcessBuilder("mkfifo", loose.toString()).start().waitFor()).isZero();
        Duration before = GitObjects.timeout;
        GitObjects.timeout = Duration.ofSeconds(1);
        try {
            // without the stop, git would wait for a writer for good: the test fails instead of hanging
            GitObjects.Blob read = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> GitObjects.blob(ws.resolve(".git/objects"), blob, 1 << 20));
            assertThat(read).isEqualTo(new GitObjects.Blob.None(false));
        } finally {
            GitObjects.timeout = before;
        }
    }
}
