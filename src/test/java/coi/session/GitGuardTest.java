package coi.session;

import static coi.session.GitTesting.git;
import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nested repositories of a workspace, written by host git standing in for the agent (what the
 * guard sees is files and their change times, whoever wrote them), then looked at as coi does; the
 * attacks are shown to work first: host `git status` runs the agent's command before the check, and
 * not after.
 */
class GitGuardTest {
    @TempDir
    Path home;
    private Path ws, marker, evil;

    private Path root() {
        return home.resolve(".coi");
    }

    private static final Supplier<List<Model.Instance>> NONE_LEFT = List::of;

    /** The user's repository with one commit; a command that leaves a marker when anything runs it. */
    @BeforeEach
    void repository() throws Exception {
        ws = Files.createDirectories(home.resolve("ws"));
        git(home, ws, "init", "-q");
        Files.writeString(ws.resolve("README"), "hello\n");
        git(home, ws, "add", "README");
        git(home, ws, "commit", "-qm", "first");
        marker = home.resolve("ran");
        evil = home.resolve("evil.sh");
        Files.writeString(evil, "#!/bin/sh\necho \"$0 $*\" >> " + marker + "\n");
        Files.setPosixFilePermissions(evil, PosixFilePermissions.fromString("rwx------"));
    }

    @AfterEach
    void release() throws Exception {
        Placeholders.release(root(), ws);
    }

    /** A launch in this workspace: holds it and opens its window; {@link #ended} lets go as the launching process's exit does. */
    private void launch() {
        String folder = Placeholders.hold(root(), ws);
        GitGuard.launched(root(), ws, folder, List.of());
    }

    private void ended() throws Exception {
        Placeholders.release(root(), ws);
    }

    /** A repository the agent makes and commits as a gitlink: `git init DIR`, a commit there, `git add DIR`. */
    private Path gitlinkRepository(String rel) throws Exception {
        Path inner = oneCommit(ws.resolve(rel), "inner");
        git(home, ws, "add", rel);
        git(home, ws, "commit", "-qm", "add " + rel);
        return inner;
    }

    /** `git status` in the workspace on the host, as the user would run it; whether it ran the marker command. */
    private boolean statusRunsIt() throws Exception {
        Files.deleteIfExists(marker);
        GitTesting.run(home, ws, Map.of(), "status", "--short");
        return Files.exists(marker);
    }

    @Test
    void aGitlinkRepositoryWhoseConfigRunsACommandIsMovedAsideAndGitStatusRunsNothing() throws Exception {
        launch();
        Path inner = gitlinkRepository("src/vendor/inner");
        git(home, inner, "config", "core.fsmonitor", evil.toString());
        Files.writeString(inner.resolve("f"), "changed\n");
        assertThat(statusRunsIt()).as("the attack works before the check").isTrue();

        List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(moved).extracting(GitGuard.Quarantined::path).containsExactly(inner.resolve(".git/config"));
        assertThat(moved.getFirst().why()).contains("core.fsmonitor");
        assertThat(inner.resolve(".git/config.coi-quarantined")).content().contains("fsmonitor");
        assertThat(statusRunsIt()).isFalse();
        assertThat(GitTesting.run(home, inner, Map.of(), "log", "--oneline").output()).as("the repository still works").contains("inner");
    }

    @Test
    void aSubmodulesGitFolderTheAgentChangedIsMovedAsideButTheUsersOwnSettingsStay() throws Exception {
        // the user's submodules, before any session: one with a hooks path of the user's own
        Path upstream = Files.createDirectories(home.resolve("upstream"));
        git(home, upstream, "init", "-q");
        Files.writeString(upstream.resolve("u"), "u\n");
        git(home, upstream, "add", "u");
        git(home, upstream, "commit", "-qm", "u");
        git(home, ws, "submodule", "add", "-q", upstream.toString(), "sub");
        git(home, ws, "submodule", "add", "-q", upstream.toString(), "mine");
        git(home, ws, "commit", "-qm", "submodules");
        git(home, ws.resolve("mine"), "config", "core.hooksPath", ".my-hooks");
        Thread.sleep(1_100); // the window is widened by 1 s before the launch: the user's last change lies before that

        launch();
        Path config = ws.resolve(".git/modules/sub/config");
        Files.writeString(config, Files.readString(config) + "[core]\n\tfsmonitor = " + evil + "\n");
        Path hook = ws.resolve(".git/modules/sub/hooks/post-checkout");
        Files.writeString(hook, "#!/bin/sh\ntouch " + marker + "\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(ws.resolve("sub/u"), "changed\n");
        assertThat(statusRunsIt()).as("the attack works before the check").isTrue();

        List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(moved).extracting(GitGuard.Quarantined::path)
                .containsExactlyInAnyOrder(config, ws.resolve(".git/modules/sub/hooks"));
        assertThat(statusRunsIt()).isFalse();
        assertThat(ws.resolve(".git/modules/mine/config")).as("the user's own, from before the session").content().contains("hooksPath");
    }

    @Test
    void aConfigWrittenInOneSessionAndPointedAtInALaterOneIsStillTheAgents() throws Exception {
        // session one: a git folder under a name no look takes for one, then the session ends and its window closes
        launch();
        Path inner = gitlinkRepository("inner");
        git(home, inner, "config", "core.fsmonitor", evil.toString());
        Path stash = Files.createDirectories(ws.resolve("data"));
        Files.move(inner.resolve(".git"), stash.resolve("blob"));
        Files.move(stash.resolve("blob/HEAD"), stash.resolve("blob/HEAD.off")); // without a HEAD no git folder to git
        git(home, ws, "rm", "-q", "--cached", "inner");
        git(home, ws, "commit", "-qm", "no inner");
        ended();
        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).isEmpty();
        assertThat(GitGuard.read(GitGuard.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(ws)))).orElseThrow().open())
                .as("the window closed").isFalse();
        Thread.sleep(1_100);

        // session two: its HEAD back, a pointer to it, and the gitlink back
        launch();
        Files.move(stash.resolve("blob/HEAD.off"), stash.resolve("blob/HEAD"));
        Files.writeString(inner.resolve(".git"), "gitdir: ../data/blob\n");
        git(home, ws, "add", "inner");
        git(home, ws, "commit", "-qm", "inner again");
        Files.writeString(inner.resolve("f"), "changed\n");
        assertThat(statusRunsIt()).as("the attack works before the check").isTrue();

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path)
                .containsExactly(ws.resolve("data/blob/config"));
        assertThat(statusRunsIt()).isFalse();
    }

    @Test
    void aPlainRepositoryOfTheAgentsStaysAsItIs() throws Exception {
        launch();
        Path inner = gitlinkRepository("tools/inner");
        git(home, inner, "remote", "add", "origin", "https://example.invalid/x.git");
        git(home, inner, "config", "user.name", "agent");
        // and a submodule it adds the way git does (its git folder in .git/modules, a worktree named back)
        git(home, ws, "submodule", "add", "-q", inner.toString(), "vendored");
        git(home, ws, "commit", "-qm", "vendored");
        // from a host, as an agent's would be (a remote on this machine is not plain: see the tests of pushurl and .gitmodules)
        git(home, ws.resolve("vendored"), "remote", "set-url", "origin", "https://example.invalid/x.git");
        git(home, ws, "config", "-f", ".gitmodules", "submodule.vendored.url", "https://example.invalid/x.git");

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).isEmpty();
        assertThat(ws.resolve(".git/modules/vendored/config")).content().contains("worktree");
        assertThat(inner.resolve(".git/config")).exists();
        assertThat(inner.resolve(".git/hooks")).isDirectory();
    }

    @Test
    void aRepositoryInATopLevelFolderWhichEditorsOpenByThemselvesIsLookedAtTooGitlinkOrNot() throws Exception {
        launch();
        Path tool = Files.createDirectories(ws.resolve("tool"));
        git(home, tool, "init", "-q");
        git(home, tool, "config", "diff.x.textconv", evil.toString());
        Path deep = Files.createDirectories(ws.resolve("a/b/c"));
        git(home, deep, "init", "-q");
        git(home, deep, "config", "core.pager", evil.toString());

        assertThat(GitGuard.check(root(), ws, () -> List.of(instanceIn(ws)))).as("while a container is left: the quick look")
                .extracting(GitGuard.Quarantined::path).containsExactly(tool.resolve(".git/config"));
        ended();
        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).as("the look that closes the window: everywhere")
                .extracting(GitGuard.Quarantined::path).containsExactly(deep.resolve(".git/config"));
    }

    @Test
    void linksInPlaceOfAGitFolderItsConfigOrItsHooksAreMovedAside() throws Exception {
        launch();
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Path linked = Files.createDirectories(ws.resolve("linked"));
        Files.createSymbolicLink(linked.resolve(".git"), elsewhere);
        Path inner = gitlinkRepository("inner");
        Files.move(inner.resolve(".git/config"), ws.resolve("cfg"));
        Files.createSymbolicLink(inner.resolve(".git/config"), Path.of("../../cfg"));
        Path hooks = inner.resolve(".git/hooks");
        Files.walk(hooks).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Files.createSymbolicLink(hooks, elsewhere);

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path)
                .containsExactlyInAnyOrder(linked.resolve(".git"), inner.resolve(".git/config"), hooks);
        assertThat(elsewhere).exists();
        assertThat(ws.resolve("cfg")).exists();
    }

    @Test
    void theWindowStaysOpenWhileAContainerOfTheWorkspaceIsLeftOrALaunchHoldsItAndWhatTheUserChangesAfterIsTheirs() throws Exception {
        launch();
        Path record = GitGuard.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(ws)));
        GitGuard.check(root(), ws, NONE_LEFT);
        assertThat(GitGuard.read(record).orElseThrow().open()).as("this process still holds the folder").isTrue();
        ended();
        GitGuard.check(root(), ws, () -> List.of(instanceIn(ws)));
        assertThat(GitGuard.read(record).orElseThrow().open()).as("a container of it is left").isTrue();
        GitGuard.check(root(), ws, () -> { throw new IllegalStateException("the daemon is down"); });
        assertThat(GitGuard.read(record).orElseThrow().open()).as("the daemon cannot be asked").isTrue();
        GitGuard.check(root(), ws, () -> List.of(stopped(instanceIn(ws))));
        assertThat(GitGuard.read(record).orElseThrow().open()).as("only a stopped one").isFalse();
        Thread.sleep(1_100);

        Path inner = gitlinkRepository("inner");
        git(home, inner, "config", "core.hooksPath", ".hooks");
        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).as("no window open: nothing looked at").isEmpty();
        Thread.sleep(1_100);
        launch();
        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).as("the user's, from between sessions").isEmpty();
        assertThat(inner.resolve(".git/config")).content().contains("hooksPath");
    }

    /**
     * A container of the workspace started without a launch (`incus start` by hand, `coi container start`, Incus after a
     * reboot) opens no window, and an agent's service left in it runs: the container's last start (Incus's
     * last_used_at) joins the windows over it, so what was written from then on is the agent's. Found while it runs,
     * and found after it stopped again, when a later launch's window is open. The same write with no such start is the
     * user's (as {@link #theWindowStaysOpenWhileAContainerOfTheWorkspaceIsLeftOrALaunchHoldsItAndWhatTheUserChangesAfterIsTheirs}).
     */
    @Test
    void aStartWithoutALaunchIsFoundByItsLastStartAndWhatWasWrittenSinceIsTheAgents() throws Exception {
        launch();
        ended();
        Path record = GitGuard.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(ws)));
        Model.Instance container = instanceIn(ws);
        GitGuard.check(root(), ws, () -> List.of(stopped(container)));
        assertThat(GitGuard.read(record).orElseThrow().open()).isFalse();
        Thread.sleep(1_100);

        // started by hand while no session runs: its agent writes, the container still runs at the check
        Model.Instance running = lastStarted(container, Instant.now());
        Path inner = gitlinkRepository("inner");
        git(home, inner, "config", "core.fsmonitor", evil.toString());
        assertThat(GitGuard.check(root(), ws, () -> List.of(stopped(container)))).as("no start seen: the user's").isEmpty();
        assertThat(GitGuard.check(root(), ws, () -> List.of(running))).extracting(GitGuard.Quarantined::path)
                .containsExactly(inner.resolve(".git/config"));
        assertThat(GitGuard.read(record).orElseThrow().open()).as("its container runs").isTrue();
        GitGuard.check(root(), ws, () -> List.of(stopped(running)));
        assertThat(GitGuard.read(record).orElseThrow().open()).as("stopped again").isFalse();
        Thread.sleep(1_100);

        // started and stopped by hand with no check between; the next launch starts the same container again (its last
        // start is then that launch's): the launch joins the windows over the start it listed
        Model.Instance byHand = stopped(lastStarted(container, Instant.now()));
        Path other = gitlinkRepository("other");
        git(home, other, "config", "core.hooksPath", ".hooks");
        Thread.sleep(1_100);
        GitGuard.launched(root(), ws, Placeholders.hold(root(), ws), List.of(), List.of(byHand));
        Model.Instance relaunched = lastStarted(container, Instant.now());
        assertThat(GitGuard.check(root(), ws, () -> List.of(relaunched))).extracting(GitGuard.Quarantined::path)
                .containsExactly(other.resolve(".git/config"));
        assertThat(inner.resolve(".git/config")).as("moved at the first check").doesNotExist();
    }

    /**
     * Starts the launch did not list (a container in another project, or of another workspace that mounts this folder): a
     * check of the open window joins one made before it; a check of a closed record joins one between two closed windows
     * and looks at once, the record staying closed. A pool member's start before its claim is no session's; one after it is.
     */
    @Test
    void startsNoLaunchListedAreJoinedByChecksOfOpenAndOfClosedWindows() throws Exception {
        Path record = GitGuard.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(ws)));
        Model.Instance container = instanceIn(ws);
        launch();
        ended();
        GitGuard.check(root(), ws, NONE_LEFT);
        Thread.sleep(1_100);

        // before an open window
        Model.Instance first = stopped(lastStarted(container, Instant.now()));
        Path inner = gitlinkRepository("inner");
        git(home, inner, "config", "core.fsmonitor", evil.toString());
        Thread.sleep(1_100);
        launch();
        assertThat(GitGuard.check(root(), ws, () -> List.of(first))).extracting(GitGuard.Quarantined::path).containsExactly(inner.resolve(".git/config"));
        ended();
        GitGuard.check(root(), ws, () -> List.of(first));
        assertThat(GitGuard.read(record).orElseThrow().open()).isFalse();
        Thread.sleep(1_100);

        // between two closed windows, the second opened and closed without it
        Model.Instance second = stopped(lastStarted(container, Instant.now()));
        Path other = gitlinkRepository("other");
        git(home, other, "config", "core.hooksPath", ".hooks");
        Thread.sleep(1_100);
        launch();
        ended();
        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).as("not listed: the user's, for now").isEmpty();
        assertThat(GitGuard.check(root(), ws, () -> List.of(second))).extracting(GitGuard.Quarantined::path)
                .containsExactly(other.resolve(".git/config"));
        assertThat(GitGuard.read(record).orElseThrow().open()).as("what the user wrote since is theirs").isFalse();
        Thread.sleep(1_100);

        // a claimed pool member: started before its claim, then again by hand after it
        Instant claim = Instant.now();
        Map<String, String> labels = new java.util.HashMap<>(container.config());
        labels.putAll(Map.of(coi.pool.Pool.STATE, coi.pool.Pool.CLAIMED, coi.pool.Pool.CLAIMED_AT, claim.toString()));
        Model.Instance member = new Model.Instance("coi-pool-0000000a", "Stopped", "container", true, null, null, labels, labels, Map.of(),
                Map.of(), List.of(), null);
        Path third = gitlinkRepository("third");
        git(home, third, "config", "core.hooksPath", ".hooks");
        assertThat(GitGuard.check(root(), ws, () -> List.of(lastStarted(member, claim.minusSeconds(60))))).as("made and started before the claim").isEmpty();
        assertThat(GitGuard.check(root(), ws, () -> List.of(lastStarted(member, Instant.now())))).extracting(GitGuard.Quarantined::path)
                .containsExactly(third.resolve(".git/config"));
    }

    private static Model.Instance lastStarted(Model.Instance i, Instant at) {
        return new Model.Instance(i.name(), "Running", i.type(), i.ephemeral(), i.createdAt(), at.toString(), i.config(), i.expandedConfig(),
                i.devices(), i.expandedDevices(), i.profiles(), i.state());
    }

    /**
     * `--mount`: a folder mounted writable beside the workspace is checked with it, and nothing of its own git folder
     * is read-only there: the agent's config and hook go, the user's own fsmonitor (set before the session) stays.
     */
    @Test
    void aFolderMountedWritableIsCheckedWithTheWorkspaceItsOwnGitFolderLookedAtAsTheAgents() throws Exception {
        Path other = userRepository("other"), users = userRepository("users");
        git(home, users, "config", "core.fsmonitor", evil.toString());
        Thread.sleep(1_100);
        String folder = Placeholders.hold(root(), ws);
        GitGuard.launched(root(), ws, folder, List.of(other, users, evil));
        try {
            git(home, other, "config", "core.fsmonitor", evil.toString());
            Path hook = other.resolve(".git/hooks/post-index-change");
            Files.writeString(hook, "#!/bin/sh\ntouch " + marker + "\n");
            Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
            assertThat(statusRunsIt(other)).as("the attack works before the check").isTrue();

            List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, NONE_LEFT);

            assertThat(moved).extracting(GitGuard.Quarantined::path).containsExactlyInAnyOrder(other.resolve(".git/config"), other.resolve(".git/hooks"));
            assertThat(statusRunsIt(other)).isFalse();
            assertThat(users.resolve(".git/config")).as("the user's own, from before the session").content().contains("fsmonitor");
            Path record = GitGuard.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(other)));
            assertThat(GitGuard.read(record).orElseThrow().mounted()).isTrue();
            assertThat(GitGuard.read(GitGuard.recordFile(root(), Placeholders.key(folder))).orElseThrow().with())
                    .as("a file mounted writable is no folder to check").containsExactly(other, users);
        } finally {
            Placeholders.release(root(), other);
            Placeholders.release(root(), users);
        }
    }

    /** A mounted folder's window stays open while a coi container mounts it, or a folder above it, writable. */
    @Test
    void aMountedFoldersWindowStaysOpenWhileAContainerMountsItWritable() throws Exception {
        Path other = userRepository("other");
        GitGuard.launched(root(), ws, Placeholders.hold(root(), ws), List.of(other));
        ended();
        Placeholders.release(root(), other);
        Path record = GitGuard.recordFile(root(), Placeholders.key(Placeholders.folderIdentity(other)));
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Map<String, String> above = Map.of("type", "disk", "source", home.toString(), "path", "/data");
        GitGuard.checkAll(root(), () -> List.of(withDisk(instanceIn(elsewhere), above)));
        assertThat(GitGuard.read(record).orElseThrow().open()).as("a folder above it mounted writable").isTrue();
        Map<String, String> readOnly = Map.of("type", "disk", "source", other.toString(), "path", "/other", "readonly", "true");
        GitGuard.check(root(), ws, () -> List.of(withDisk(instanceIn(elsewhere), readOnly)));
        assertThat(GitGuard.read(record).orElseThrow().open()).as("mounted read-only only").isFalse();
    }

    /** A repository the agent makes two levels down in a mounted folder is found by the check at the session's end. */
    @Test
    void aRepositoryDeepInAMountedFolderIsFoundByTheCheckAtTheSessionsEnd() throws Exception {
        Path other = Files.createDirectories(home.resolve("other"));
        GitGuard.launched(root(), ws, Placeholders.hold(root(), ws), List.of(other));
        Path deep = Files.createDirectories(other.resolve("src/group/proj"));
        git(home, deep, "init", "-q");
        Files.writeString(deep.resolve("f"), "f\n");
        git(home, deep, "add", "f");
        git(home, deep, "config", "core.fsmonitor", evil.toString());
        assertThat(statusRunsIt(deep)).as("the attack works before the check").isTrue();
        ended();
        Placeholders.release(root(), other);

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path).containsExactly(deep.resolve(".git/config"));
        assertThat(statusRunsIt(deep)).isFalse();
    }

    /** A folder above the workspace mounted writable makes the workspace's own .git writable through it: judged by time too. */
    @Test
    void aMountAboveTheWorkspaceMakesItsOwnConfigTheAgentsToWrite() throws Exception {
        GitGuard.launched(root(), ws, Placeholders.hold(root(), ws), List.of(home));
        try {
            git(home, ws, "config", "core.fsmonitor", evil.toString());
            assertThat(statusRunsIt(ws)).as("the attack works before the check").isTrue();
            assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path).contains(ws.resolve(".git/config"));
            assertThat(statusRunsIt(ws)).isFalse();
        } finally {
            Placeholders.release(root(), home);
        }
    }

    /** The top of a mounted folder made a git folder itself (HEAD, objects, refs and a config): git takes it for one. */
    @Test
    void theTopOfAMountedFolderMadeAGitFolderItselfIsLookedAt() throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        Files.writeString(data.resolve("f"), "f\n");
        GitGuard.launched(root(), ws, Placeholders.hold(root(), ws), List.of(data));
        try {
            Files.createDirectories(data.resolve("objects"));
            Files.createDirectories(data.resolve("refs/heads"));
            Files.writeString(data.resolve("HEAD"), "ref: refs/heads/main\n");
            Files.writeString(data.resolve("config"), "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n\tfsmonitor = "
                    + evil + "\n");
            Files.deleteIfExists(marker);
            GitTesting.run(home, data, Map.of(), "status", "--short");
            assertThat(marker).as("the attack works before the check").exists();

            assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path).containsExactly(data.resolve("config"));
            Files.deleteIfExists(marker);
            GitTesting.run(home, data, Map.of(), "status", "--short");
            assertThat(marker).doesNotExist();
        } finally {
            Placeholders.release(root(), data);
        }
    }

    /** A home folder mounted writable: the user's own git config there, which every repository reads, judged by time too. */
    @Test
    void aMountedHomesGitConfigTheAgentChangedIsMovedAside() throws Exception {
        Path mounted = Files.createDirectories(home.resolve("mounted-home"));
        Path gitconfig = Files.writeString(mounted.resolve(".gitconfig"), "[user]\n\tname = u\n");
        Path xdg = Files.createDirectories(mounted.resolve(".config/git"));
        Files.writeString(xdg.resolve("config"), "[user]\n\temail = u@example.com\n");
        Thread.sleep(1_100);
        GitGuard.launched(root(), ws, Placeholders.hold(root(), ws), List.of(mounted));
        try {
            Files.writeString(gitconfig, "[user]\n\tname = u\n[core]\n\tfsmonitor = " + evil + "\n");
            assertThat(GitTesting.run(mounted, ws, Map.of(), "config", "core.fsmonitor").output()).as("git reads it as the global config")
                    .contains(evil.toString());
            assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path).containsExactly(gitconfig);
            assertThat(xdg.resolve("config")).as("the user's, from before the session").exists();
        } finally {
            Placeholders.release(root(), mounted);
        }
    }

    /**
     * A push to a repository on this machine runs that repository's hooks as the user: the agent points a nested
     * repository's pushurl at a bare repository it made with a pre-receive hook (in its state folder, outside the
     * workspace). The config is moved aside (so is one with any remote on this machine: git reads a path in more ways
     * than coi could follow); one that names a remote on another host stays (nothing is sent there).
     */
    @Test
    void aRemoteTheAgentPointedAtARepositoryOnThisMachineIsMovedAsideAndAPushRunsNothing() throws Exception {
        launch();
        Path pushing = gitlinkRepository("pushing");
        Path other = gitlinkRepository("other");
        Path bare = agentsBareRepository();
        git(home, pushing, "remote", "add", "origin", "https://git.example.invalid/u/pushing.git");
        git(home, pushing, "config", "remote.origin.pushurl", bare.toString());
        git(home, other, "remote", "add", "origin", "https://git.example.invalid/u/other.git");
        git(home, other, "config", "branch.main.remote", "origin");
        ended();
        Files.deleteIfExists(marker);
        GitTesting.run(home, pushing, Map.of(), "push", "-q", "origin", "HEAD:main");
        assertThat(marker).as("the attack works before the check").exists();

        List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(moved).extracting(GitGuard.Quarantined::path).containsExactly(pushing.resolve(".git/config"));
        assertThat(moved.getFirst().why()).contains("remote.origin.pushurl (a repository on this machine: a push there runs its hooks)");
        Files.deleteIfExists(marker);
        GitTesting.run(home, pushing, Map.of(), "push", "-q", "origin", "HEAD:main");
        assertThat(marker).doesNotExist();
        assertThat(other.resolve(".git/config")).as("a remote on another host is a plain setting").content().contains("git.example.invalid");
    }

    /**
     * The agent points a submodule's URL in {@code .gitmodules} (a worktree file, the agent's to write) at a bare
     * repository it made with a pre-receive hook. The user's later `git submodule sync` copies it into the submodule's
     * remote as the user's own (no later look can tell), and a push there runs the agent's hook. Shown on a copy of the
     * workspace; in the workspace, the check moves the agent's .gitmodules aside, and the same commands run nothing.
     */
    @Test
    void aSubmoduleUrlTheAgentPointedAtARepositoryOnThisMachineIsMovedAsideAndSyncThenPushRunsNothing() throws Exception {
        Path upstream = usersSubmodule();
        Thread.sleep(1_100); // the window is widened by 1 s before the launch: the user's last change lies before that

        launch();
        Path bare = agentsBareRepository();
        git(home, ws, "config", "-f", ".gitmodules", "submodule.sub.url", bare.toString());
        // staged too: where the worktree has no .gitmodules, git reads the index's (then HEAD's)
        git(home, ws, "add", ".gitmodules");
        ended();
        Path copy = home.resolve("copy");
        assertThat(new ProcessBuilder("cp", "-a", ws.toString(), copy.toString()).inheritIO().start().waitFor()).isZero();
        assertThat(syncThenPushRunsIt(copy)).as("the attack works before the check").isTrue();

        List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(moved).extracting(GitGuard.Quarantined::path).containsExactly(ws.resolve(".gitmodules"));
        assertThat(moved.getFirst().why()).contains("submodule.sub.url (a repository on this machine)", "git submodule sync");
        assertNeutralised(upstream);
    }

    /**
     * The .gitmodules of a linked worktree (its git folder in .git/worktrees, with no config of its own) and of a
     * submodule whose config the agent stripped of core.worktree (git still finds the worktree through the submodule's
     * .git file) are judged too.
     */
    @Test
    void theGitmodulesOfALinkedWorktreeAndOfASubmoduleWithoutCoreWorktreeAreJudgedToo() throws Exception {
        Path upstream = usersSubmodule();
        git(home, ws, "worktree", "add", "-q", "wt");
        git(home, upstream, "submodule", "add", "-q", userRepository("nested").toString(), "nested");
        git(home, upstream, "commit", "-qm", "nested");
        git(home, ws.resolve("sub"), "pull", "-q", "--no-rebase", "origin", "HEAD");
        git(home, ws.resolve("sub"), "submodule", "update", "-q", "--init");
        Thread.sleep(1_100); // the window is widened by 1 s before the launch: the user's last change lies before that

        launch();
        Path bare = agentsBareRepository();
        git(home, ws.resolve("wt"), "config", "-f", ".gitmodules", "submodule.sub.url", bare.toString());
        git(home, ws.resolve("sub"), "config", "-f", ".gitmodules", "submodule.nested.url", bare.toString());
        git(home, ws.resolve(".git/modules/sub"), "config", "--unset", "core.worktree");
        ended();

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path)
                .contains(ws.resolve("wt/.gitmodules"), ws.resolve("sub/.gitmodules"));
        assertThat(ws.resolve("wt/.gitmodules")).isEmptyFile();
        assertThat(ws.resolve("sub/.gitmodules")).isEmptyFile();
    }

    /** A relative submodule URL resolved as git resolves it, compared with what `git submodule sync` writes for it. */
    @Test
    void aRelativeSubmoduleUrlIsResolvedAsGitResolvesIt() throws Exception {
        usersSubmodule();
        for (String remote : List.of("https://git.example.invalid/u/p/", "git@git.example.invalid:u/p.git", "ssh://git@git.example.invalid/u/r.git",
                "git.example.invalid:p", "/srv/git/p.git", "up/p")) {
            git(home, ws, "config", "remote.origin.url", remote);
            for (String url : List.of("../x.git", "./x.git", "../../../localhost/srv/evil.git", "../../../../../../srv/evil.git", "./../x/")) {
                Files.writeString(ws.resolve(".gitmodules"), "[submodule \"sub\"]\n\tpath = sub\n\turl = " + url + "\n");
                GitTesting.Result sync = GitTesting.run(home, ws, Map.of(), "submodule", "sync", "-q");
                String resolved = GitGuard.Scan.relativeUrl(remote, url);
                if (resolved == null) {
                    assertThat(sync.output()).as(remote + " + " + url).contains("cannot strip one component off url");
                    continue;
                }
                assertThat(sync.output()).as(remote + " + " + url).isEmpty();
                // a relative remote is taken relative to the superproject's folder (git adds the way up from the submodule)
                String written = git(home, ws, "config", "submodule.sub.url").strip();
                assertThat(written).as(remote + " + " + url).isEqualTo(resolved);
            }
        }
        // climbing out of an ssh remote's path into its host (the second review's finding): to this machine
        assertThat(GitGuard.Scan.Transport.of(GitGuard.Scan.relativeUrl("ssh://git@git.example.invalid/u/r.git", "../../../localhost/srv/evil.git")))
                .isEqualTo(GitGuard.Scan.Transport.HERE);
    }

    /**
     * Where the worktree has no .gitmodules, git reads the index's, else HEAD's: the agent commits one with its URL, then
     * hides the worktree's (skip-worktree, so `git status` shows nothing) or unstages it too (HEAD's is read). Each is read
     * from the repository's objects and covered by an empty .gitmodules in the worktree, which git then reads.
     */
    @Test
    void aGitmodulesOnlyInTheIndexIsCoveredByAnEmptyOneAndSyncThenPushRunsNothing() throws Exception {
        hiddenGitmodulesIsCovered(true);
    }

    @Test
    void aGitmodulesOnlyInHeadIsCoveredByAnEmptyOneAndSyncThenPushRunsNothing() throws Exception {
        hiddenGitmodulesIsCovered(false);
    }

    private void hiddenGitmodulesIsCovered(boolean indexed) throws Exception {
        Path upstream = usersSubmodule();
        Thread.sleep(1_100); // the window is widened by 1 s before the launch: the user's last change lies before that

        launch();
        git(home, ws, "config", "-f", ".gitmodules", "submodule.sub.url", agentsBareRepository().toString());
        git(home, ws, "commit", "-qam", "tidy");
        if (indexed) {
            git(home, ws, "update-index", "--skip-worktree", ".gitmodules");
        } else {
            git(home, ws, "rm", "-q", "--cached", ".gitmodules");
        }
        Files.delete(ws.resolve(".gitmodules"));
        ended();
        Path copy = home.resolve("copy");
        assertThat(new ProcessBuilder("cp", "-a", ws.toString(), copy.toString()).inheritIO().start().waitFor()).isZero();
        assertThat(syncThenPushRunsIt(copy)).as("the attack works before the check").isTrue();

        List<GitGuard.Quarantined> covered = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(covered).extracting(GitGuard.Quarantined::outcome, GitGuard.Quarantined::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(GitGuard.Quarantined.Outcome.COVERED, ws.resolve(".gitmodules")));
        assertThat(covered.getFirst().why()).contains(indexed ? "git reads the index's" : "git reads HEAD's, which sets submodule.sub.url");
        assertNeutralised(upstream);
    }

    /**
     * The agent rewrites the object file of the user's committed .gitmodules in place (git does not check a loose
     * object's digest as it reads it) and removes the worktree's, leaving the index as it was: git reads the agent's
     * bytes. coi does not read the index's: an empty .gitmodules goes in the worktree.
     */
    @Test
    void aGitmodulesObjectRewrittenInPlaceIsNeverTrustedAnEmptyOneCoversIt() throws Exception {
        Path upstream = userRepository("upstream");
        git(home, ws, "submodule", "add", "-q", upstream.toString(), "sub");
        git(home, ws, "config", "-f", ".gitmodules", "submodule.sub.url", "https://git.example.invalid/u/up.git");
        git(home, ws, "commit", "-qam", "submodule");
        git(home, ws, "submodule", "sync", "-q");
        Thread.sleep(1_100); // the window is widened by 1 s before the launch: the user's last change lies before that

        launch();
        String blob = git(home, ws, "rev-parse", ":.gitmodules").strip();
        Path object = ws.resolve(".git/objects").resolve(blob.substring(0, 2)).resolve(blob.substring(2));
        Path other = Files.createDirectories(home.resolve("other"));
        git(home, other, "init", "-q");
        String evil = "[submodule \"sub\"]\n\tpath = sub\n\turl = " + agentsBareRepository() + "\n";
        Files.writeString(other.resolve("m"), evil);
        String evilBlob = git(home, other, "hash-object", "-w", "m").strip();
        object.toFile().setWritable(true);
        Files.copy(other.resolve(".git/objects").resolve(evilBlob.substring(0, 2)).resolve(evilBlob.substring(2)), object,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.delete(ws.resolve(".gitmodules"));
        ended();
        assertThat(git(home, ws, "cat-file", "-p", blob)).as("git reads the agent's bytes").contains("evil.git");
        Path copy = home.resolve("copy");
        assertThat(new ProcessBuilder("cp", "-a", ws.toString(), copy.toString()).inheritIO().start().waitFor()).isZero();
        assertThat(syncThenPushRunsIt(copy)).as("the attack works before the check").isTrue();

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::outcome, GitGuard.Quarantined::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(GitGuard.Quarantined.Outcome.COVERED, ws.resolve(".gitmodules")));
        assertThat(syncThenPushRunsIt(ws)).isFalse();
    }

    /**
     * HEAD's .gitmodules read by git from an object file the agent made a FIFO would hold the look for good: git is
     * stopped when the look's time for it is spent, and what it could not read is covered.
     */
    @Test
    void headsGitmodulesThatGitCannotReadInTimeIsCovered() throws Exception {
        launch();
        gitlinkRepository("nested");
        git(home, ws, "rm", "-q", "--cached", "README");
        String commit = git(home, ws, "rev-parse", "HEAD").strip();
        Path object = ws.resolve(".git/objects").resolve(commit.substring(0, 2)).resolve(commit.substring(2));
        Files.delete(object);
        assertThat(new ProcessBuilder("mkfifo", object.toString()).start().waitFor()).isZero();
        ended();
        java.time.Duration before = GitGuard.gitReadBudget;
        GitGuard.gitReadBudget = java.time.Duration.ofSeconds(1);
        try {
            // without the stop, git would wait for a writer for good: the test fails instead of hanging
            List<GitGuard.Quarantined> covered = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> GitGuard.check(root(), ws, NONE_LEFT));
            assertThat(covered).extracting(GitGuard.Quarantined::outcome, GitGuard.Quarantined::path)
                    .contains(org.assertj.core.groups.Tuple.tuple(GitGuard.Quarantined.Outcome.COVERED, ws.resolve(".gitmodules")));
            assertThat(covered).filteredOn(q -> q.outcome() == GitGuard.Quarantined.Outcome.COVERED).first()
                    .extracting(GitGuard.Quarantined::why).asString().contains("did not read (git gave no answer in time)");
        } finally {
            GitGuard.gitReadBudget = before;
            Files.delete(object);
        }
    }

    /**
     * HEAD's .gitmodules that git may read but coi's git cannot (a commit not here, which a promisor remote would fetch
     * or an object of another format; a git folder whose commondir git follows through a link) is covered unread.
     */
    @Test
    void headsGitmodulesThatCoiCannotReadAsGitWouldIsCovered() throws Exception {
        launch();
        gitlinkRepository("nested");
        Path other = gitlinkRepository("other");
        Files.writeString(other.resolve(".git/commondir"), ".\n");
        String branch = git(home, ws, "branch", "--show-current").strip();
        Files.writeString(ws.resolve(".git/refs/heads/" + branch), "1234567890123456789012345678901234567890\n");
        ended();

        List<GitGuard.Quarantined> covered = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(covered).filteredOn(q -> q.outcome() == GitGuard.Quarantined.Outcome.COVERED)
                .extracting(GitGuard.Quarantined::path, q -> q.why().replaceFirst(".*did not read \\(([^)]*)\\).*", "$1"))
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(ws.resolve(".gitmodules"), "git found no HEAD"));
        assertThat(GitObjects.headFile(other.resolve(".git"), ".gitmodules", 1 << 20, java.time.Duration.ofSeconds(10)))
                .isEqualTo(new GitObjects.Blob.Failed("a git folder with a commondir"));
    }

    /** The agent's own embedded repository (a gitlink, no .gitmodules anywhere): nothing to cover, HEAD holds none. */
    @Test
    void anEmbeddedRepositoryOfTheAgentsWithoutGitmodulesGetsNoEmptyOne() throws Exception {
        launch();
        gitlinkRepository("vendor/clone");
        ended();
        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).isEmpty();
        assertThat(ws.resolve(".gitmodules")).doesNotExist();
    }

    /** The user's submodule sub, from a repository of theirs outside the workspace (returned), committed before any session. */
    private Path usersSubmodule() throws Exception {
        Path upstream = userRepository("upstream");
        git(home, ws, "submodule", "add", "-q", upstream.toString(), "sub");
        git(home, ws, "commit", "-qm", "submodule");
        return upstream;
    }

    /** After the check: an empty .gitmodules in the workspace, sync then push runs nothing, and sub still pushes to {@code upstream}. */
    private void assertNeutralised(Path upstream) throws Exception {
        assertThat(ws.resolve(".gitmodules")).as("an empty one in its place").isEmptyFile();
        assertThat(syncThenPushRunsIt(ws)).isFalse();
        assertThat(git(home, ws.resolve("sub"), "config", "remote.origin.url").strip()).isEqualTo(upstream.toString());
    }

    /** `git submodule sync` in {@code workspace}, then a commit pushed from its submodule sub: whether that ran the agent's hook. */
    private boolean syncThenPushRunsIt(Path workspace) throws Exception {
        Files.deleteIfExists(marker);
        GitTesting.run(home, workspace, Map.of(), "submodule", "sync");
        Files.writeString(workspace.resolve("sub/new"), "new\n");
        git(home, workspace.resolve("sub"), "add", "new");
        git(home, workspace.resolve("sub"), "commit", "-qm", "new");
        GitTesting.run(home, workspace.resolve("sub"), Map.of(), "push", "-q", "origin", "HEAD:refs/heads/pushed");
        return Files.exists(marker);
    }

    /**
     * A relative submodule URL leads where the superproject's default remote does: to this machine when it has none (or
     * one here), elsewhere when its remotes are on another host. The agent's .gitmodules goes aside only in the first case,
     * and never for a URL of another host.
     */
    @Test
    void aRelativeSubmoduleUrlCountsAsThisMachineUnlessTheSuperprojectsRemotesAreElsewhere() throws Exception {
        launch();
        Path remote = gitlinkRepository("remote");
        git(home, remote, "remote", "add", "origin", "https://git.example.invalid/u/remote.git");
        Path local = gitlinkRepository("local");
        Path hosted = gitlinkRepository("hosted");
        // no origin: the branch checked out follows upstream (git resolves against it, not against its own folder)
        Path upstreamed = gitlinkRepository("upstreamed");
        git(home, upstreamed, "remote", "add", "upstream", "https://git.example.invalid/u/upstreamed.git");
        git(home, upstreamed, "config", "branch." + git(home, upstreamed, "branch", "--show-current").strip() + ".remote", "upstream");
        git(home, upstreamed, "config", "-f", ".gitmodules", "submodule.x.url", "../x.git");
        git(home, remote, "config", "-f", ".gitmodules", "submodule.x.url", "../x.git");
        git(home, local, "config", "-f", ".gitmodules", "submodule.x.url", "../x.git");
        git(home, hosted, "config", "-f", ".gitmodules", "submodule.x.url", "https://git.example.invalid/u/x.git");
        ended();

        List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(moved).extracting(GitGuard.Quarantined::path).containsExactly(local.resolve(".gitmodules"));
        assertThat(moved.getFirst().why()).contains("submodule.x.url (relative, to a repository on this machine)");
        assertThat(remote.resolve(".gitmodules")).exists();
        assertThat(hosted.resolve(".gitmodules")).exists();
        assertThat(upstreamed.resolve(".gitmodules")).exists();
    }

    /**
     * Files git takes a remote's URL from when no config defines that remote, in {@code remotes/} and {@code branches/} of
     * a git folder: the workspace's own (not mounted read-only) and a nested one's. The agent's are moved aside.
     */
    @Test
    void theAgentsOldStyleRemoteFilesAreMovedAsideAndAPushRunsNothing() throws Exception {
        launch();
        Path nested = gitlinkRepository("nested");
        Path bare = agentsBareRepository();
        Files.writeString(Files.createDirectories(ws.resolve(".git/branches")).resolve("origin"), bare + "\n");
        Files.writeString(Files.createDirectories(nested.resolve(".git/remotes")).resolve("up"), "URL: " + bare + "\nPush: HEAD:refs/heads/n\n");
        ended();
        Files.deleteIfExists(marker);
        GitTesting.run(home, ws, Map.of(), "push", "-q", "origin", "HEAD:refs/heads/w1");
        assertThat(marker).as("the attack works before the check").exists();
        Files.deleteIfExists(marker);
        GitTesting.run(home, nested, Map.of(), "push", "-q", "up");
        assertThat(marker).as("the attack works before the check").exists();

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(q -> q.path().toString())
                .containsExactlyInAnyOrder(ws.resolve(".git/branches").toString(), nested.resolve(".git/remotes").toString());
        Files.deleteIfExists(marker);
        GitTesting.run(home, ws, Map.of(), "push", "-q", "origin", "HEAD:refs/heads/w2");
        GitTesting.run(home, nested, Map.of(), "push", "-q", "up");
        assertThat(marker).doesNotExist();
    }

    /** A rebase the agent left half done, with an exec step: the user's `git rebase --continue` would run it. */
    @Test
    void anUnfinishedRebaseOfTheAgentsIsMovedAsideAndContinuingRunsNothing() throws Exception {
        launch();
        Path nested = gitlinkRepository("nested");
        Files.writeString(nested.resolve("g"), "second\n");
        git(home, nested, "add", "g");
        git(home, nested, "commit", "-qm", "second");
        Path editor = Files.writeString(home.resolve("todo.sh"), "#!/bin/sh\nprintf 'break\\nexec " + evil + " rebase\\n' > \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        GitTesting.run(home, nested, Map.of("GIT_SEQUENCE_EDITOR", editor.toString()), "rebase", "-i", "HEAD~1");
        assertThat(nested.resolve(".git/rebase-merge")).as("stopped at its break").isDirectory();
        ended();
        // the attack, in an untouched copy: going on with the rebase runs the agent's step
        Path copy = home.resolve("copy");
        assertThat(new ProcessBuilder("cp", "-a", nested.toString(), copy.toString()).start().waitFor()).isZero();
        Files.deleteIfExists(marker);
        GitTesting.run(home, copy, Map.of(), "rebase", "--continue");
        assertThat(marker).as("the attack works before the check").exists();

        List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, NONE_LEFT);

        assertThat(moved).extracting(GitGuard.Quarantined::path).containsExactly(nested.resolve(".git/rebase-merge"));
        assertThat(moved.getFirst().why()).contains("an unfinished rebase");
        Files.deleteIfExists(marker);
        GitTesting.run(home, nested, Map.of(), "rebase", "--continue");
        assertThat(marker).doesNotExist();
    }

    /** A config whose names were not UTF-8: two of them could look the same here and differ to git. */
    @Test
    void anAgentsConfigWithANameThatIsNotUtf8IsMovedAside() throws Exception {
        launch();
        Path nested = gitlinkRepository("nested");
        byte[] config = Files.readAllBytes(nested.resolve(".git/config"));
        byte[] extra = "[remote \"e\u00ff\"]\n\turl = https://git.example.invalid/x.git\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(nested.resolve(".git/config"), java.nio.ByteBuffer.allocate(config.length + extra.length).put(config).put(extra).array());
        ended();

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).singleElement()
                .satisfies(q -> assertThat(q.why()).contains("a name or value that is not UTF-8"));
    }

    @Test
    void aRemoteOnThisMachineIsToldApartAsGitsTransportDoes() throws Exception {
        for (String here : List.of("/srv/git/x.git", "../up", ".", "./a:b", "dir/with:colon", "~/state/evil", "~u/x", "file:///srv/x",
                "file://localhost/srv/x", "FILE:///srv/x", "origin")) {
            assertThat(GitGuard.Scan.Transport.of(here)).as(here).isEqualTo(GitGuard.Scan.Transport.HERE);
        }
        for (String program : List.of("ext::sh -c evil", "fd::3", "hg::/srv/x", "evil://x", "foo+bar://h/x", "0x::foo", "9p://foo")) {
            assertThat(GitGuard.Scan.Transport.of(program)).as(program).isEqualTo(GitGuard.Scan.Transport.PROGRAM);
        }
        for (String other : List.of("https://git.example.com/x.git", "ssh://git@host/x", "git@host:x.git", "host:path/x", "git://h/x",
                "git+ssh://h/x", "ftp://h/x", "ssh://[2001:db8::1]:22/x", "[2001:db8::1]:x", "localhostx:y", "128.0.0.1:x")) {
            assertThat(GitGuard.Scan.Transport.of(other)).as(other).isEqualTo(GitGuard.Scan.Transport.ELSEWHERE);
        }
        // over ssh to this machine: its receive-pack runs the named repository's hooks here
        String self = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        for (String here : List.of("localhost:state/evil.git", "u@LOCALHOST:/x", "ssh://u@127.0.0.1:2222/x", "ssh://[::1]/x", "[::1]:x",
                "git+ssh://localhost./x", "127.1:x", self + ":x", "ssh://" + self + "/x", "0.0.0.0:x",
                // loopback as the C library reads an address (the review's finding): one number, octal, hexadecimal, mapped
                "ssh://2130706433/x", "0x7f000001:x", "0177.0.0.1:x", "0x7f.1:x", "ssh://[::ffff:127.0.0.1]/x", "ssh://[0:0:0:0:0:0:0:1]/x")) {
            assertThat(GitGuard.Scan.Transport.of(here)).as(here).isEqualTo(GitGuard.Scan.Transport.HERE);
        }
        for (String other : List.of("ssh://16909060/x", "256.0.0.1:x", "1.2.3.4.5:x", "ssh://0x7f.1.2.3.4/x", "09.0.0.1:x")) {
            assertThat(GitGuard.Scan.Transport.of(other)).as(other).isEqualTo(GitGuard.Scan.Transport.ELSEWHERE);
        }
        // an address of one of this machine's interfaces (its own network, a bridge's): here too
        java.net.InetAddress own = java.net.NetworkInterface.networkInterfaces().filter(n -> {
            try {
                return n.isUp() && !n.isLoopback();
            } catch (java.net.SocketException e) {
                return false;
            }
        }).flatMap(java.net.NetworkInterface::inetAddresses).filter(a -> a instanceof java.net.Inet4Address).findFirst().orElseThrow();
        assertThat(GitGuard.Scan.Transport.of("ssh://" + own.getHostAddress() + "/x")).isEqualTo(GitGuard.Scan.Transport.HERE);
    }

    @Test
    void aBranchsRemoteThatNamesNoRemoteIsTakenForAUrlAsGitTakesIt() {
        List<String[]> keys = List.of(new String[] {"remote.origin.url", "https://h/x.git"}, new String[] {"remote.a.b.url", "git@h:x"},
                new String[] {"branch.main.remote", "origin"}, new String[] {"branch.main.pushremote", "a.b"},
                new String[] {"branch.dev.remote", "."}, new String[] {"branch.dev.pushremote", "~/state/evil.git"},
                new String[] {"branch.x.remote", "gone"}, new String[] {"submodule.s.url", "/srv/x"},
                // a remote git ignores (its name begins with '/'), and one of a name git would not read the same way
                new String[] {"remote./home/u/evil.git.url", "git.example.invalid:x"}, new String[] {"branch.y.remote", "/home/u/evil.git"},
                new String[] {"remote.a b.url", "https://h/y"}, new String[] {"branch.z.pushremote", "a b"});
        assertThat(GitGuard.Scan.remoteRisks(keys)).containsExactly(
                "branch.dev.pushremote (a repository on this machine: a push there runs its hooks)",
                "branch.x.remote (a repository on this machine: a push there runs its hooks)",
                "submodule.s.url (a repository on this machine: a push there runs its hooks)",
                "branch.y.remote (a repository on this machine: a push there runs its hooks)",
                "branch.z.pushremote (a repository on this machine: a push there runs its hooks)");
    }

    /** A bare repository the agent made in its state folder, outside the workspace, whose pre-receive hook runs the marker command. */
    private Path agentsBareRepository() throws Exception {
        Path bare = home.resolve("state/evil.git");
        git(home, home, "init", "-q", "--bare", bare.toString());
        Files.writeString(bare.resolve("hooks/pre-receive"), "#!/bin/sh\n" + evil + " pre-receive\n");
        Files.setPosixFilePermissions(bare.resolve("hooks/pre-receive"), PosixFilePermissions.fromString("rwx------"));
        return bare;
    }

    /** A repository of the user's with one commit, outside the workspace. */
    private Path userRepository(String name) throws Exception {
        return oneCommit(home.resolve(name), "f");
    }

    /** A repository at {@code dir} with one commit: a file f holding {@code content}. */
    private Path oneCommit(Path dir, String content) throws Exception {
        Files.createDirectories(dir);
        git(home, dir, "init", "-q");
        Files.writeString(dir.resolve("f"), content + "\n");
        git(home, dir, "add", "f");
        git(home, dir, "commit", "-qm", content);
        return dir;
    }

    private boolean statusRunsIt(Path repo) throws Exception {
        Files.deleteIfExists(marker);
        Files.writeString(repo.resolve("f"), "changed " + System.nanoTime() + "\n");
        GitTesting.run(home, repo, Map.of(), "status", "--short");
        return Files.exists(marker);
    }

    private static Model.Instance withDisk(Model.Instance i, Map<String, String> disk) {
        return new Model.Instance(i.name(), i.status(), i.type(), i.ephemeral(), null, i.lastUsedAt(), i.config(), i.expandedConfig(), Map.of("data", disk),
                Map.of("data", disk), List.of(), null);
    }

    @Test
    void whatWasMovedBeforeIsNotOverwritten() throws Exception {
        launch();
        Path inner = gitlinkRepository("inner");
        Files.writeString(inner.resolve(".git/config.coi-quarantined"), "an earlier one\n");
        git(home, inner, "config", "core.fsmonitor", evil.toString());
        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(q -> q.to().getFileName().toString())
                .singleElement().asString().startsWith("config.coi-quarantined-").hasSizeGreaterThan("config.coi-quarantined-".length() + 10);
        assertThat(inner.resolve(".git/config.coi-quarantined")).content().isEqualTo("an earlier one\n");
    }

    @Test
    void hooksAndAnFsmonitorProgramTheUsersOwnConfigNamesInTheWorkspaceAreTheAgentsToWriteToo() throws Exception {
        // the user's own settings, before any session: hooks in a folder of the workspace, an fsmonitor program there
        git(home, ws, "config", "core.hooksPath", ".githooks");
        Files.createDirectories(ws.resolve(".githooks"));
        Files.writeString(ws.resolve(".githooks/README"), "the team's hooks\n");
        Path inner = gitlinkRepository("inner");
        Files.createDirectories(ws.resolve("tools"));
        Files.writeString(ws.resolve("tools/fsmon"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(ws.resolve("tools/fsmon"), PosixFilePermissions.fromString("rwx------"));
        git(home, inner, "config", "core.fsmonitor", "../tools/fsmon");
        Thread.sleep(1_100);

        launch();
        Path hook = ws.resolve(".githooks/pre-commit");
        Files.writeString(hook, "#!/bin/sh\ntouch " + marker + "\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(ws.resolve("tools/fsmon"), "#!/bin/sh\ntouch " + marker + "\n");
        Files.writeString(inner.resolve("f"), "changed\n");
        assertThat(statusRunsIt()).as("the agent's fsmonitor program runs before the check").isTrue();

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path)
                .containsExactlyInAnyOrder(ws.resolve(".githooks"), ws.resolve("tools/fsmon"));
        assertThat(statusRunsIt()).isFalse();
        Files.writeString(ws.resolve("README"), "changed\n");
        GitTesting.run(home, ws, Map.of(), "commit", "-qam", "commit");
        assertThat(marker).as("no hook ran at the commit").doesNotExist();
        assertThat(ws.resolve(".git/config")).as("the workspace's own config is the user's").content().contains("hooksPath");
    }

    @Test
    void aLookReadsAtMostSoManyConfigsAndMovesAsideTheAgentsBeyondThem() throws Exception {
        launch();
        for (int i = 0; i < 205; i++) {
            Path git = Files.createDirectories(ws.resolve(String.format("r%03d/.git", i)));
            Files.writeString(git.resolve("config"), "[core]\n\trepositoryformatversion = 0\n\tbare = false\n# " + i + "\n");
        }
        List<GitGuard.Quarantined> moved = GitGuard.check(root(), ws, () -> List.of(instanceIn(ws)));
        assertThat(moved).hasSize(5).allSatisfy(q -> assertThat(q.why()).contains("more nested repositories than coi reads in one look"));
        assertThat(GitGuard.check(root(), ws, () -> List.of(instanceIn(ws)))).as("the 200 read are known by now").isEmpty();
    }

    @Test
    void aWorkspaceLaunchedByALinkIsLookedAtThroughItsRealPathToo() throws Exception {
        Path link = Files.createSymbolicLink(home.resolve("ws-link"), ws);
        GitGuard.launched(root(), link, Placeholders.hold(root(), link), List.of());
        Path deep = Files.createDirectories(ws.resolve("a/b"));
        git(home, deep, "init", "-q");
        git(home, deep, "config", "core.sshCommand", evil.toString());
        // a pointer by the real (absolute) path to a git folder under a name no look takes for one
        Path blob = Files.createDirectories(ws.resolve("data"));
        git(home, blob, "init", "-q", "--bare", "blob");
        git(home, blob.resolve("blob"), "config", "core.fsmonitor", evil.toString());
        Files.createDirectories(ws.resolve("c"));
        Files.writeString(ws.resolve("c/.git"), "gitdir: " + blob.resolve("blob").toRealPath() + "\n");
        ended();
        assertThat(GitGuard.check(root(), link, NONE_LEFT)).extracting(GitGuard.Quarantined::path)
                .containsExactlyInAnyOrder(link.resolve("a/b/.git/config"), link.resolve("data/blob/config"));
    }

    @Test
    void aPointerOutOfTheWorkspaceTheAgentWroteIsMovedAsideAndSoIsAConfigTooLargeToRead() throws Exception {
        // the agent can write other folders of the host: its session's state folder is mounted into the container
        Path state = Files.createDirectories(home.resolve("state"));
        git(home, state, "init", "-q", "--bare", "evil");
        git(home, state.resolve("evil"), "config", "core.fsmonitor", evil.toString());
        launch();
        Path inner = gitlinkRepository("inner");
        Path pointerFolder = Files.createDirectories(ws.resolve("tool"));
        Files.writeString(pointerFolder.resolve(".git"), "gitdir: " + state.resolve("evil") + "\n");
        Files.writeString(inner.resolve(".git/config"), "# padding\n".repeat(120_000) + "[core]\n\tfsmonitor = x\n");
        long size = Files.size(inner.resolve(".git/config"));

        assertThat(GitGuard.check(root(), ws, NONE_LEFT)).extracting(GitGuard.Quarantined::path, GitGuard.Quarantined::why)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(pointerFolder.resolve(".git"), "it points git at " + state.resolve("evil").toRealPath()
                                + ", outside the workspace, where coi does not look"),
                        org.assertj.core.groups.Tuple.tuple(inner.resolve(".git/config"), "larger than any config (" + size + " bytes)"));
        assertThat(state.resolve("evil/config")).as("nothing outside the workspace is touched").exists();
    }

    @Test
    void aPointerIsReadAsGitReadsIt() {
        assertThat(GitGuard.Scan.gitPath("gitdir: ../evil \r\n".getBytes(), "gitdir: ")).isEqualTo("../evil ");
        assertThat(GitGuard.Scan.gitPath("gitdir: ../evil\0x\n".getBytes(), "gitdir: ")).isEqualTo("../evil");
        assertThat(GitGuard.Scan.gitPath("gitdir:../evil".getBytes(), "gitdir: ")).isNull();
        assertThat(GitGuard.Scan.gitPath("../../x\n".getBytes(), "")).isEqualTo("../../x");
    }

    @Test
    void gitReadsTheConfigKeysSoNoTrickOfTheSyntaxHidesOne() {
        String tricky = "[core] fsmonitor = a\n[remote \"o\"]\n\turl = x\\\n fsmonitor = b\n[Core \"X.Y\"]\n\tHooksPath\n";
        List<String[]> keys = GitGuard.GitConfig.keys(tricky.getBytes());
        assertThat(keys).extracting(k -> k[0]).containsExactly("core.fsmonitor", "remote.o.url", "core.X.Y.hookspath");
        assertThat(keys.get(1)[1]).isEqualTo("x fsmonitor = b");
        assertThat(GitGuard.GitConfig.keys("[core\n".getBytes())).as("what git cannot read").isNull();
    }

    private static Model.Instance instanceIn(Path ws) {
        Map<String, String> config = Map.of(Labels.WORKSPACE, ws.toString());
        return new Model.Instance("coi-abc-1", "Running", "container", false, null, null, config, config, Map.of(), Map.of(), List.of(), null);
    }

    /**
     * coi is not root on a user's machine: a folder the agent makes unreadable (chmod 111: git still enters it by a name
     * it knows) would hide what is below it from the look. The check, run without root's powers, makes such a folder
     * readable to its owner again and moves what it hid; a folder the user made unreadable before the session is only said.
     */
    @Test
    void aFolderTheAgentMadeUnreadableIsMadeReadableAgainAndWhatItHidIsMovedWhenCoiIsNotRoot() throws Exception {
        Path mine = Files.createDirectories(ws.resolve("private"));
        Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("--x------"));
        // and one that may be listed but not entered, with a few entries: said once, not for each of them
        Path listed = Files.createDirectories(ws.resolve("listed"));
        for (String entry : List.of("a", "b", "c")) Files.createDirectories(listed.resolve(entry));
        Files.setPosixFilePermissions(listed, PosixFilePermissions.fromString("rw-------"));
        Thread.sleep(1_100); // the user's, before the window (opened a second early)
        launch();
        // a repository as a gitlink, which git's status enters by its path, and one git is not told of
        Path linked = gitlinkRepository("hidden/proj");
        git(home, linked, "config", "core.fsmonitor", evil.toString());
        Files.writeString(linked.resolve("f"), "changed\n");
        Path loose = oneCommit(ws.resolve("deep/er/loose"), "loose");
        git(home, loose, "config", "core.fsmonitor", evil.toString());
        // a hook in a hooks folder git may search but coi could not list
        Path hook = linked.resolve(".git/hooks/post-index-change");
        Files.writeString(hook, "#!/bin/sh\n" + evil + " hook\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(linked.resolve(".git/hooks"), PosixFilePermissions.fromString("--x------"));
        // a program as a hook with execute permission only: it runs, though coi (not root) cannot open it
        Path program = Files.copy(Path.of("/bin/true"), loose.resolve(".git/hooks/post-checkout"));
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("--x--x--x"));
        Files.setPosixFilePermissions(ws.resolve("hidden"), PosixFilePermissions.fromString("--x--x--x"));
        Files.setPosixFilePermissions(ws.resolve("deep/er"), PosixFilePermissions.fromString("---------"));
        // the agent's folder that may be listed but not entered
        Path third = oneCommit(ws.resolve("shut/third"), "third");
        git(home, third, "config", "core.fsmonitor", evil.toString());
        Files.setPosixFilePermissions(ws.resolve("shut"), PosixFilePermissions.fromString("rw-------"));
        ended();
        assertThat(plainStatusRunsIt(ws)).as("the attack works for a user's git").isTrue();

        List<String> said = plainCheck();

        assertThat(said).contains("made readable again (u+rx) and looked inside: " + ws.resolve("hidden") + ": the agent had taken its read permission away",
                "made readable again (u+rx) and looked inside: " + ws.resolve("deep/er") + ": the agent had taken its read permission away");
        assertThat(said).anySatisfy(line -> assertThat(line).startsWith("moved " + linked.resolve(".git/config")).contains("core.fsmonitor"));
        assertThat(said).anySatisfy(line -> assertThat(line).startsWith("moved " + loose.resolve(".git/config")).contains("core.fsmonitor"));
        assertThat(said).contains("made readable again (u+rx) and looked inside: " + linked.resolve(".git/hooks") + ": the agent had taken its read permission away");
        assertThat(said).anySatisfy(line -> assertThat(line).startsWith("moved " + hook.getParent() + " to hooks.coi-quarantined")
                .contains("post-index-change"));
        assertThat(said).anySatisfy(line -> assertThat(line).startsWith("moved " + program.getParent() + " to hooks.coi-quarantined")
                .contains("post-checkout"));
        assertThat(said).anySatisfy(line -> assertThat(line).startsWith("not moved: " + mine).contains("a folder coi cannot read"));
        assertThat(said).contains("made readable again (u+rx) and looked inside: " + ws.resolve("shut") + ": the agent had taken its read permission away");
        assertThat(said).anySatisfy(line -> assertThat(line).startsWith("moved " + third.resolve(".git/config")).contains("core.fsmonitor"));
        assertThat(said).filteredOn(line -> line.contains(listed.toString())).as("said once").singleElement()
                .satisfies(line -> assertThat(line).startsWith("not moved: " + listed + ": a folder coi cannot read"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ws.resolve("hidden")))).isEqualTo("r-x--x--x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mine))).as("the user's own stays as it was").isEqualTo("--x------");
        assertThat(plainStatusRunsIt(ws)).isFalse();
        Files.deleteIfExists(marker);
        GitTesting.run(true, home, loose, Map.of(), "status", "--short");
        assertThat(marker).doesNotExist();
    }

    /** `git status` in {@code dir} as a user without root's powers; whether it ran the marker command. */
    private boolean plainStatusRunsIt(Path dir) throws Exception {
        Files.deleteIfExists(marker);
        GitTesting.run(true, home, dir, Map.of(), "status", "--short");
        return Files.exists(marker);
    }

    /** {@link GitGuard#check} of the workspace in a JVM without root's powers, as a user's coi; what it says, a line each. */
    private List<String> plainCheck() throws Exception {
        String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(GitTesting.withoutPowers(List.of(jvm, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PlainCheck.class.getName(), root().toString(), ws.toString())))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().toList();
    }

    /** The check as a process of its own: what it says, a line each. */
    public static final class PlainCheck {
        public static void main(String[] args) {
            for (GitGuard.Quarantined q : GitGuard.check(Path.of(args[0]), Path.of(args[1]), List::of)) System.out.println(q.describe());
        }
    }

    private static Model.Instance stopped(Model.Instance i) {
        return new Model.Instance(i.name(), "Stopped", i.type(), i.ephemeral(), null, i.lastUsedAt(), i.config(), i.expandedConfig(), Map.of(), Map.of(),
                List.of(), null);
    }
}
