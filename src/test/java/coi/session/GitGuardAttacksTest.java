package coi.session;

import static coi.session.GitTesting.git;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attacks two reviewers found on the {@link GitGuard}'s first versions (scripts in
 * resources/coi/session/gitguard-attacks, each the agent's steps inside a window), run twice: once
 * without a check, where host git must run the agent's command (the attack works), and once with
 * the check that closes the window, after which the same git command must not.
 */
class GitGuardAttacksTest {
    @TempDir
    Path tmp;

    /** One run of an attack in {@code home}: the user's repository, the window, the agent's steps, the check if asked. */
    private boolean hostRunsIt(String attack, Path home, boolean check) throws Exception {
        Path root = home.resolve(".coi"), main = Files.createDirectories(home.resolve("main"));
        git(home, main, "init", "-q");
        Files.writeString(main.resolve("README"), "hello\n");
        git(home, main, "add", "README");
        git(home, main, "commit", "-qm", "first");
        Path ws = main;
        switch (attack) {
            case "C" -> {
                git(home, main, "worktree", "add", "-q", "-b", "wt", home.resolve("wt").toString());
                ws = home.resolve("wt");
            }
            case "F" -> git(home, main, "worktree", "add", "-q", "-b", "wt2", home.resolve("wt2").toString());
            case "L" -> git(home, main, "config", "extensions.worktreeConfig", "true");
            case "N" -> {
                Path up = Files.createDirectories(home.resolve("upN"));
                git(home, up, "init", "-q");
                git(home, up, "commit", "-q", "--allow-empty", "-m", "u");
                git(home, main, "submodule", "add", "-q", up.toString(), "sub");
                git(home, main, "commit", "-qm", "sub");
                git(home, main.resolve("sub"), "config", "core.hooksPath", ".husky");
                Thread.sleep(1_100); // the user's, before the window (opened a second early)
            }
            default -> { }
        }
        Path mark = home.resolve("ran");
        String folder = Placeholders.hold(root, ws);
        try {
            GitGuard.launched(root, ws, folder, List.of());
            agent(attack, ws, home, mark);
        } finally {
            Placeholders.release(root, ws);
        }
        Files.deleteIfExists(mark);
        if (check) {
            List<GitGuard.Quarantined> moved = GitGuard.check(root, ws, List::of);
            assertThat(moved).as("what the check says").isNotEmpty();
        }
        Path where = switch (attack) {
            case "B" -> ws.resolve("sub");
            case "D", "G", "O", "P", "R", "S", "T1", "T3" -> ws.resolve("proj");
            case "F" -> home.resolve("wt2");
            default -> ws;
        };
        if (attack.equals("N")) GitTesting.run(home, ws.resolve("sub"), Map.of(), "commit", "-q", "--allow-empty", "-m", "x");
        else if (attack.equals("T1")) GitTesting.run(home, where, Map.of(), "branch", "x");
        else if (attack.startsWith("J")) GitTesting.run(home, where, Map.of(), "submodule", "update", "--init");
        else GitTesting.run(home, where, Map.of(), "status", "--short");
        return Files.exists(mark);
    }

    /** The agent's steps: the attack's script, with git as the agent's (inside, it would be the container's). */
    private static void agent(String attack, Path ws, Path home, Path mark) throws IOException, InterruptedException {
        Path script = Files.createTempFile(home, attack, ".sh");
        try (InputStream in = GitGuardAttacksTest.class.getResourceAsStream("gitguard-attacks/" + attack + ".sh")) {
            Files.write(script, in.readAllBytes());
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "-e", script.toString()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        pb.environment().putAll(Map.of("HOME", home.toString(), "WS", ws.toString(), "MARK", mark.toString(), "GIT_CONFIG_NOSYSTEM", "1",
                "GIT_CONFIG_GLOBAL", "/dev/null", "GIT_AUTHOR_NAME", "t", "GIT_COMMITTER_NAME", "t", "GIT_AUTHOR_EMAIL", "t@t",
                "GIT_COMMITTER_EMAIL", "t@t"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("the agent's steps of %s: %s", attack, out).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "B", "C", "D", "D2", "F", "G", "J", "J2", "L", "N", "O", "P", "R", "S", "T1", "T3", "T5", "T7"})
    void hostGitRunsTheAgentsCommandWithoutACheckAndNotAfterIt(String attack) throws Exception {
        assertThat(hostRunsIt(attack, Files.createDirectories(tmp.resolve("unchecked")), false)).as("the attack works").isTrue();
        assertThat(hostRunsIt(attack, Files.createDirectories(tmp.resolve("checked")), true)).as("after the check").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"M", "T6"})
    void aGitlinkOrTopLevelFolderWhoseNameIsNotUtf8CannotBeLookedAtAndIsSaid(String attack) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("m"));
        Path root = home.resolve(".coi"), ws = Files.createDirectories(home.resolve("main"));
        git(home, ws, "init", "-q");
        git(home, ws, "commit", "-q", "--allow-empty", "-m", "first");
        GitGuard.launched(root, ws, Placeholders.hold(root, ws), List.of());
        try {
            agent(attack, ws, home, home.resolve("ran"));
        } finally {
            Placeholders.release(root, ws);
        }
        assertThat(GitGuard.check(root, ws, List::of)).anySatisfy(q -> {
            assertThat(q.outcome()).isEqualTo(GitGuard.Quarantined.Outcome.NOT_MOVED);
            assertThat(q.describe()).contains("not moved", "whose name is not UTF-8", "coi cannot look at it");
        });
        assertThat(GitGuard.read(GitGuard.recordFile(root, Placeholders.key(Placeholders.folderIdentity(ws)))).orElseThrow().open())
                .as("the window stays open").isTrue();
    }
}
