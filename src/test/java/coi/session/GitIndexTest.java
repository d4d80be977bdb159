package coi.session;

import static coi.session.GitTesting.git;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The gitlinks read from indexes git wrote, against `git ls-files --stage`, in each index version. */
class GitIndexTest {
    @TempDir
    Path home;

    /** A repository with files and gitlinks at several depths and with long names (which version 4 compresses). */
    private Path repository() throws Exception {
        Path ws = Files.createDirectories(home.resolve("ws"));
        git(home, ws, "init", "-q");
        List<String> links = List.of("inner", "lib/vendored/inner-two", "lib/vendored/inner-three-with-a-much-longer-name", "zz/ü");
        for (int i = 0; i < 40; i++) {
            Path f = ws.resolve("lib/vendored/file-" + i + ".txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, "file " + i + "\n");
        }
        for (String link : links) {
            Path sub = Files.createDirectories(ws.resolve(link));
            git(home, sub, "init", "-q");
            Files.writeString(sub.resolve("x"), link);
            git(home, sub, "add", "x");
            git(home, sub, "commit", "-qm", "x");
            git(home, ws, "add", link);
        }
        Files.writeString(ws.resolve(".gitmodules"), "[submodule \"inner\"]\n\tpath = inner\n\turl = https://git.example.invalid/inner\n");
        git(home, ws, "add", "-A");
        return ws;
    }

    private List<String> gitlinksByGit(Path ws) throws Exception {
        List<String> links = new ArrayList<>();
        for (String line : git(home, ws, "-c", "core.quotepath=off", "ls-files", "--stage").split("\n")) {
            if (line.startsWith("160000 ")) links.add(line.substring(line.indexOf('\t') + 1));
        }
        return links;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void theGitlinksAreThoseGitLists(int version) throws Exception {
        Path ws = repository();
        git(home, ws, "update-index", "--index-version", String.valueOf(version));
        if (version >= 3) git(home, ws, "update-index", "--skip-worktree", "lib/vendored/file-3.txt"); // an extended entry
        GitIndex.Read read = GitIndex.read(Files.readAllBytes(ws.resolve(".git/index")), 20);
        assertThat(read).isNotNull();
        assertThat(read.gitlinks()).hasSize(4).containsExactlyInAnyOrderElementsOf(gitlinksByGit(ws));
        assertThat(read.sharedIndex()).isNull();
        // the .gitmodules git reads where the worktree has none
        assertThat(read.gitmodules()).isEqualTo(git(home, ws, "rev-parse", ":.gitmodules").strip());
    }

    @Test
    void aSplitIndexNamesItsSharedIndexWhereTheOtherEntriesAre() throws Exception {
        Path ws = repository();
        git(home, ws, "update-index", "--split-index");
        Path another = Files.createDirectories(ws.resolve("later"));
        git(home, another, "init", "-q");
        Files.writeString(another.resolve("y"), "y");
        git(home, another, "add", "y");
        git(home, another, "commit", "-qm", "y");
        git(home, ws, "add", "later");
        GitIndex.Read split = GitIndex.read(Files.readAllBytes(ws.resolve(".git/index")), 20);
        assertThat(split).isNotNull();
        assertThat(split.sharedIndex()).matches("[0-9a-f]{40}");
        GitIndex.Read shared = GitIndex.read(Files.readAllBytes(ws.resolve(".git/sharedindex." + split.sharedIndex())), 20);
        assertThat(shared).isNotNull();
        List<String> both = new ArrayList<>(split.gitlinks());
        both.addAll(shared.gitlinks());
        assertThat(both).containsAll(gitlinksByGit(ws));
    }

    @Test
    void anIndexWithMoreGitlinksThanTheLookGoesByIsNotRead() throws Exception {
        Path ws = Files.createDirectories(home.resolve("many"));
        git(home, ws, "init", "-q");
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i <= 10_000; i++) entries.append("160000 ").append("a".repeat(40)).append(" 0\tlink-").append(i).append('\n');
        Process p = new ProcessBuilder("git", "update-index", "--index-info").directory(ws.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().write(entries.toString().getBytes());
        p.getOutputStream().close();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        java.nio.ByteBuffer index = java.nio.ByteBuffer.wrap(Files.readAllBytes(ws.resolve(".git/index")));
        assertThat(GitIndex.read(index, 20, 10_000)).as("10,001 gitlinks, 10,000 at most").isNull();
        assertThat(GitIndex.read(index, 20, 10_001).gitlinks()).hasSize(10_001);
    }

    @Test
    void whatIsNotAnIndexReadExactlyIsNull() throws Exception {
        Path ws = repository();
        byte[] index = Files.readAllBytes(ws.resolve(".git/index"));
        assertThat(GitIndex.read(new byte[0], 20)).isNull();
        assertThat(GitIndex.read("not an index at all, but long enough".getBytes(), 20)).isNull();
        assertThat(GitIndex.read(Arrays.copyOf(index, index.length / 2), 20)).as("cut short").isNull();
        byte[] version = index.clone();
        version[7] = 9;
        assertThat(GitIndex.read(version, 20)).as("an unknown version").isNull();
        byte[] more = index.clone();
        more[11] += 1;
        assertThat(GitIndex.read(more, 20)).as("more entries named than there are").isNull();
    }
}
