package coi.session;

import static coi.session.GitTesting.git;
import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.Model;
import coi.testing.Await;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent, in a real container, as code and as root, writes git settings into the nested
 * repositories of the user's workspace that would run its command on the host at the user's next
 * `git status` there (see {@link GitGuard}): coi moves them aside at the session's end and says so,
 * and `git status` on the host then runs nothing. Each attack is shown to work on a copy of the
 * workspace the guard never looked at.
 */
@Tag("incus")
class GitGuardE2EIT {
    /** What the agent's command does on the host: leaves a file in the workspace (git runs it in the submodule's worktree). */
    private static final String PWNED = "coi-pwned";

    /** The user's repository with a submodule, made on the host before any session. */
    private static void repositoryWithASubmodule(Sandbox box) throws Exception {
        Path upstream = Files.createDirectories(box.root.resolve("upstream"));
        git(box.home, upstream, "init", "-q");
        Files.writeString(upstream.resolve("lib.c"), "int lib;\n");
        git(box.home, upstream, "add", "lib.c");
        git(box.home, upstream, "commit", "-qm", "lib");
        git(box.home, box.workspace, "init", "-q");
        Files.writeString(box.workspace.resolve("main.c"), "int main;\n");
        git(box.home, box.workspace, "add", "main.c");
        git(box.home, box.workspace, "submodule", "add", "-q", upstream.toString(), "sub");
        git(box.home, box.workspace, "commit", "-qm", "first");
    }

    /** Host `git status` in {@code ws} after touching the submodule's file: whether the agent's command ran. */
    private static boolean statusRunsIt(Sandbox box, Path ws) throws Exception {
        Files.deleteIfExists(ws.resolve(PWNED));
        Files.writeString(ws.resolve("sub/lib.c"), "int lib2;\n");
        GitTesting.run(box.home, ws, Map.of(), "status", "--short");
        boolean ran = Files.exists(ws.resolve(PWNED));
        GitTesting.run(box.home, ws.resolve("sub"), Map.of(), "checkout", "-q", "lib.c");
        Files.deleteIfExists(ws.resolve(PWNED));
        return ran;
    }

    /** A copy of the workspace as the agent left it, which no check of coi's looks at. */
    private static Path untouchedCopy(Sandbox box) throws Exception {
        Path copy = box.root.resolve("copy");
        Process cp = new ProcessBuilder("cp", "-a", box.workspace.toString(), copy.toString()).inheritIO().start();
        assertThat(cp.waitFor()).isZero();
        return copy;
    }

    @Test
    void whatTheAgentWroteInASubmodulesConfigIsMovedAsideAtTheEndOfItsRunAndGitStatusRunsNothing() throws Exception {
        try (Sandbox box = new Sandbox()) {
            repositoryWithASubmodule(box);
            // as code, inside: its command as the submodule's fsmonitor, which git runs at `git status` on the host
            Result r = box.run("run", "--", "sh", "-c", "printf '[core]\\n\\tfsmonitor = touch ../" + PWNED + " #\\n'"
                    + " >> .git/modules/sub/config && echo written");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("written\n");
            assertThat(r.err()).contains("coi: warning: moved " + box.workspace.resolve(".git/modules/sub/config")
                    + " to config.coi-quarantined: it sets core.fsmonitor");

            assertThat(box.workspace.resolve(".git/modules/sub/config.coi-quarantined")).content().contains("fsmonitor");
            assertThat(statusRunsIt(box, box.workspace)).isFalse();
            Path copy = untouchedCopy(box);
            Files.move(copy.resolve(".git/modules/sub/config.coi-quarantined"), copy.resolve(".git/modules/sub/config"));
            assertThat(statusRunsIt(box, copy)).as("what was moved aside runs at `git status` when put back").isTrue();
            assertThat(GitTesting.run(box.home, box.workspace, Map.of(), "submodule", "status").output()).as("the submodule still works")
                    .contains("sub");
        }
    }

    @Test
    void hooksRootWroteAndARepositoryCodeMadeInATopLevelFolderAreMovedAsideWhileTheSessionRunsAndItsWindowClosesAfter() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            repositoryWithASubmodule(box);
            Result start = box.run("shell", "--detach");
            assertThat(start.exitCode()).as(start.toString()).isZero();
            String container = box.container(1);
            // as root: a hook in the submodule's git folder; as code: a copy of it as the repository of a top-level folder,
            // which an editor opens by itself (and runs `git status` in), with an fsmonitor of its own
            Model.ExecResult asRoot = incus.execCapture(container, ExecRequest.of("sh", "-c",
                    "printf '#!/bin/sh\\ntouch ../" + PWNED + "\\n' > .git/modules/sub/hooks/post-index-change"
                            + " && chmod +x .git/modules/sub/hooks/post-index-change && echo ok").in("/workspace"));
            assertThat(asRoot.out()).as(asRoot.err()).isEqualTo("ok\n");
            Model.ExecResult asCode = incus.execCapture(container, ExecRequest.of("sh", "-c",
                    "mkdir tool && cp -a .git/modules/sub tool/.git && printf '[core]\\n\\tbare = false\\n\\tworktree = ..\\n"
                            + "\\tfsmonitor = touch " + PWNED + " #\\n' >> tool/.git/config && echo ok").as(1000, 1000).in("/workspace"));
            assertThat(asCode.out()).as(asCode.err()).isEqualTo("ok\n");
            Path copy = untouchedCopy(box);
            assertThat(statusRunsIt(box, copy)).as("the hook runs at `git status` where coi did not look").isTrue();
            GitTesting.run(box.home, copy.resolve("tool"), Map.of(), "status", "--short");
            assertThat(copy.resolve("tool/" + PWNED)).as("the fsmonitor runs at `git status` where coi did not look").exists();

            // a repository of the user's mounted into the running session by hand, writable: root gives it an fsmonitor (the
            // mount is shifted: the host's root owns the files, as root inside)
            Path extra = Files.createDirectories(box.root.resolve("extra"));
            git(box.home, extra, "init", "-q");
            Result mount = box.run("container", "mount", container, "extra", extra.toString(), "/extra");
            assertThat(mount.exitCode()).as(mount.toString()).isZero();
            Model.ExecResult intoExtra = incus.execCapture(container, ExecRequest.of("sh", "-c",
                    "printf '[core]\\n\\tfsmonitor = touch " + PWNED + " #\\n' >> /extra/.git/config && echo ok"));
            assertThat(intoExtra.out()).as(intoExtra.err()).isEqualTo("ok\n");

            // while the session runs: `coi clean` checks at once, the background process within seconds (whichever comes first
            // moves them and says so)
            // (a folder the background process is looking at as `coi clean` comes is left to it: its line may come a moment later;
            // CI once read the log just before it)
            Result clean = box.run("clean", "--force");
            List<String> moves = List.of("moved " + box.workspace.resolve(".git/modules/sub/hooks") + " to hooks.coi-quarantined",
                    "moved " + box.workspace.resolve("tool/.git/config") + " to config.coi-quarantined: it sets core.fsmonitor",
                    "moved " + extra.resolve(".git/config") + " to config.coi-quarantined: it sets core.fsmonitor");
            Await.until(() -> moves.stream().allMatch(said(clean, box)::contains), 30, () -> "not all moved aside:\n" + said(clean, box));
            assertThat(statusRunsIt(box, box.workspace)).isFalse();
            GitTesting.run(box.home, box.workspace.resolve("tool"), Map.of(), "status", "--short");
            assertThat(box.workspace.resolve("tool/" + PWNED)).doesNotExist();
            assertThat(record(box)).as("the session runs: its window is open").contains("\topen");

            assertThat(box.run("kill", "--force", container).exitCode()).isZero();
            Await.until(() -> !record(box).contains("\topen"), 60, () -> record(box) + "\n" + box.diagnostics());
        }
    }

    /**
     * `--mount`: a repository of the user's mounted writable beside the workspace; code writes an fsmonitor into its config
     * and a hook into its git folder (nothing of a mounted folder's own git folder is read-only): both go at the run's end.
     */
    @Test
    void whatTheAgentWroteInTheGitFolderOfAFolderMountedBesideTheWorkspaceIsMovedAsideAtTheEndOfItsRun() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path other = Files.createDirectories(box.root.resolve("other"));
            git(box.home, other, "init", "-q");
            Files.writeString(other.resolve("lib.c"), "int lib;\n");
            git(box.home, other, "add", "lib.c");
            git(box.home, other, "commit", "-qm", "lib");
            Result r = box.run("run", "--mount", other + ":/other", "--", "sh", "-c",
                    "printf '[core]\\n\\tfsmonitor = touch " + PWNED + " #\\n' >> /other/.git/config"
                            + " && printf '#!/bin/sh\\ntouch " + PWNED + "\\n' > /other/.git/hooks/post-index-change"
                            + " && chmod +x /other/.git/hooks/post-index-change && echo written");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("written\n");
            assertThat(r.err()).contains("coi: warning: moved " + other.resolve(".git/config") + " to config.coi-quarantined: it sets core.fsmonitor",
                    "coi: warning: moved " + other.resolve(".git/hooks") + " to hooks.coi-quarantined");

            Files.writeString(other.resolve("lib.c"), "int lib2;\n");
            GitTesting.run(box.home, other, Map.of(), "status", "--short");
            assertThat(other.resolve(PWNED)).as("nothing ran at `git status`").doesNotExist();
            Path copy = box.root.resolve("other-copy");
            Process cp = new ProcessBuilder("cp", "-a", other.toString(), copy.toString()).inheritIO().start();
            assertThat(cp.waitFor()).isZero();
            Files.move(copy.resolve(".git/config.coi-quarantined"), copy.resolve(".git/config"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            GitTesting.run(box.home, copy, Map.of(), "status", "--short");
            assertThat(copy.resolve(PWNED)).as("what was moved aside runs at `git status` when put back").exists();
        }
    }

    /**
     * A persistent container made with `--mount`, stopped, its windows closed, then run again without `--mount`: it starts
     * with the folder still mounted, so the launch opens the folder's window from the container's devices.
     */
    @Test
    void aPersistentContainerStartedAgainWithoutItsMountStillHasTheMountedFolderChecked() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Path other = Files.createDirectories(box.root.resolve("other"));
            git(box.home, other, "init", "-q");
            Result first = box.run("run", "--persistent", "--mount", other + ":/other", "--", "true");
            assertThat(first.exitCode()).as(first.toString()).isZero();
            String container = box.container(1);
            incus.stop(container, 30, true);
            // as the background process does once it sees the container stopped (`coi clean` would remove it)
            GitGuard.checkAll(box.home.resolve(".coi"), incus::instancesOfAllProjects);
            assertThat(recordOf(box, other)).as("no container left running: the folder's window closed").doesNotContain("\topen");

            Result again = box.run("run", "--persistent", "--", "sh", "-c",
                    "printf '[core]\\n\\tfsmonitor = touch " + PWNED + " #\\n' >> /other/.git/config && echo written");
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.out()).contains("written\n");
            assertThat(again.err()).contains("coi: warning: moved " + other.resolve(".git/config") + " to config.coi-quarantined: it sets core.fsmonitor");
        }
    }

    /**
     * A persistent container started by hand (`incus start`) while no session runs opens no window, and a service the
     * agent left in it writes an fsmonitor into the submodule's config, as code. The next `coi run --persistent` starts the
     * same container again (its last start is then that run's): the launch joins the windows over the start it listed,
     * and the run's end moves the config aside (or the background process does first, seeing the start). No protected
     * paths here: with a locked view, a start by hand gets an empty /workspace ({@link ViewlessStart}).
     */
    @Test
    void whatTheAgentWroteInAContainerStartedByHandIsMovedAsideByTheNextSession() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Path config = Files.writeString(box.root.resolve("unprotected.toml"), "[security]\nprotected_paths = []\n");
            box.with("COI_CONFIG", config.toString());
            repositoryWithASubmodule(box);
            Thread.sleep(1_100); // a window opens a second before its launch: the user's last change lies before that
            Result first = box.run("run", "--persistent", "--", "true");
            assertThat(first.exitCode()).as(first.toString()).isZero();
            assertThat(first.err()).as("nothing of the user's is moved").doesNotContain("moved");
            String container = box.container(1);
            incus.stop(container, 30, true);
            GitGuard.checkAll(box.home.resolve(".coi"), incus::instancesOfAllProjects);
            assertThat(record(box)).as("no container left running: the window closed").doesNotContain("\topen");
            Thread.sleep(1_100); // a window closes a second after the check that closes it

            incus.start(container);
            Model.ExecResult asCode = incus.execCapture(container, ExecRequest.of("sh", "-c",
                    "printf '[core]\\n\\tfsmonitor = touch ../" + PWNED + " #\\n' >> .git/modules/sub/config && echo written")
                    .as(1000, 1000).in("/workspace"));
            assertThat(asCode.out()).as(asCode.err()).isEqualTo("written\n");
            incus.stop(container, 30, true);

            Result again = box.run("run", "--persistent", "--", "true");
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.err() + watcherLog(box)).contains("moved " + box.workspace.resolve(".git/modules/sub/config")
                    + " to config.coi-quarantined: it sets core.fsmonitor");
            assertThat(statusRunsIt(box, box.workspace)).isFalse();
            Path copy = untouchedCopy(box);
            Files.move(copy.resolve(".git/modules/sub/config.coi-quarantined"), copy.resolve(".git/modules/sub/config"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(statusRunsIt(box, copy)).as("what was moved aside runs at `git status` when put back").isTrue();
        }
    }

    /** The sandbox's record of the folder {@code folder}'s windows. */
    private static String recordOf(Sandbox box, Path folder) throws IOException {
        try (Stream<Path> files = Files.list(box.home.resolve(".coi/gitguard"))) {
            for (Path f : files.toList()) {
                String text = Files.readString(f);
                if (text.contains("\nworkspace\t" + folder.toRealPath() + "\n")) return text;
            }
        }
        throw new AssertionError("no record of " + folder);
    }

    /** What `coi clean` said, then what the background process logged. */
    private static String said(Result clean, Sandbox box) {
        try {
            return clean.out() + watcherLog(box);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String watcherLog(Sandbox box) throws IOException {
        Path log = box.home.resolve(".coi/watcher.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The sandbox's record of its workspace's windows. */
    private static String record(Sandbox box) {
        try (Stream<Path> files = Files.list(box.home.resolve(".coi/gitguard"))) {
            List<String> all = new java.util.ArrayList<>();
            for (Path f : files.toList()) {
                String text = Files.readString(f);
                if (text.contains("\nworkspace\t" + box.workspace + "\n")) all.add(text);
            }
            assertThat(all).hasSize(1);
            return all.getFirst();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
