package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.CoiException;
import coi.UsageException;
import coi.config.Config;
import coi.health.QuotaGroups;
import coi.incus.FakeDaemon;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The launcher and the session services against a stateful fake Incus on a real unix socket,
 * with an in-memory nft: what a launch makes, and that a failure or an interrupt after any
 * step takes all of it back, in reverse order.
 */
class LaunchTest extends FakeIncusSessions {
    /** Records each step's apply and undo, in order. */
    static Launcher recorded(Launcher launcher, List<String> log) {
        return launcher.around(step -> Launcher.step(step.name(), launch -> {
            Launcher.Undo undo = step.apply(launch);
            log.add("apply " + step.name());
            return () -> {
                log.add("undo " + step.name());
                undo.undo();
            };
        }));
    }

    static final LaunchSteps.Replanner NO_RACES = new LaunchSteps.Replanner() {
        @Override
        public Optional<SessionPlan> nextSlot(SessionPlan lost) {
            return Optional.empty();
        }

        @Override
        public SessionPlan otherAddress(SessionPlan lost) {
            throw new AssertionError("no address race expected");
        }
    };

    void assertNothingLeft(SessionPlan plan) {
        assertThat(daemon.instanceNames()).as("containers").isEmpty();
        assertThat(nft.fenced).as("network rules").isEmpty();
        assertThat(store.dir(plan.tool(), plan.sessionId())).as("session folder").doesNotExist();
    }

    static List<String> undosExpected(List<String> log) {
        List<String> undos = new ArrayList<>(log.stream().map(l -> l.replace("apply ", "undo ")).toList());
        Collections.reverse(undos);
        return undos;
    }

    @Test
    void aFailureAfterAnyStepUndoesEveryStepDoneInReverseAndLeavesNothing() throws Exception {
        Config config = config("");
        SessionPlan plan = sessions.planShell(shell(config, 1));
        List<String> names = sessions.steps().shell(NO_RACES).names();
        // the fence, the view and the sweep are made beside create, the metadata written beside tmux
        assertThat(names).containsExactly("image", "storage", "quotas", "tool-state", "home-work", "create", "home-before-start", "start", "release-view",
                "monitor", "home", "tmux");
        for (String after : names) {
            List<String> log = new ArrayList<>();
            Launcher launcher = recorded(sessions.steps().shell(NO_RACES), log).insertAfter(after, Launcher.step("boom", launch -> {
                throw new CoiException("boom after " + after);
            }));
            assertThatThrownBy(() -> launcher.launch(plan)).hasMessage("boom after " + after);
            List<String> applied = log.stream().filter(l -> l.startsWith("apply ")).toList();
            assertThat(applied).as("ran up to " + after).hasSize(names.indexOf(after) + 1);
            assertThat(log.subList(applied.size(), log.size())).as("undone after " + after).isEqualTo(undosExpected(applied));
            assertNothingLeft(plan);
        }
        // the last round ran every step for real: the container was made, fenced, started and had its tmux
        assertThat(daemon.actions()).contains("create " + plan.container(), "start " + plan.container(), "stop " + plan.container());
        assertThat(daemon.execs()).anySatisfy(e -> assertThat(e.command()).contains("tmux", "new-session"));
    }

    @Test
    void aDaemonErrorInAStepUndoesTheStepsBeforeIt() throws Exception {
        SessionPlan plan = sessions.planShell(shell(config(""), 1));
        daemon.failNext("start", plan.container(), 500, "Failed to start device \"eth0\"");
        List<String> log = new ArrayList<>();
        assertThatThrownBy(() -> recorded(sessions.steps().shell(NO_RACES), log).launch(plan)).hasMessageContaining("eth0");
        assertThat(log).containsExactly("apply image", "apply storage", "apply quotas", "apply tool-state", "apply home-work",
                "apply create", "apply home-before-start", "undo home-before-start", "undo create", "undo home-work", "undo tool-state",
                "undo quotas", "undo storage", "undo image");
        assertNothingLeft(plan);
    }

    /**
     * Incus takes a container this launch just created for running when the monitor process of an earlier one of the same
     * name still answers (CI: one `coi run --monitor` after another whose container the monitor killed): its start is tried
     * again, and the launch goes on with one start done.
     */
    @Test
    void aStartRefusedAsAlreadyRunningOfAContainerJustCreatedIsTriedAgain() throws Exception {
        SessionPlan plan = sessions.planShell(shell(config(""), 1));
        daemon.failNext("start", plan.container(), 400, LaunchSteps.STALE_RUNNING);
        try (Launcher.Launched launched = sessions.steps().shell(NO_RACES).launch(plan)) {
            launched.keep();
        }
        assertThat(daemon.status(plan.container())).isEqualTo("Running");
        assertThat(daemon.actions()).containsOnlyOnce("start " + plan.container());
    }

    @Test
    void anInterruptBetweenAnyTwoStepsLeavesNothing() throws Exception {
        SessionPlan plan = sessions.planShell(shell(config(""), 1));
        List<String> names = sessions.steps().shell(NO_RACES).names();
        for (String after : names.subList(0, names.size() - 1)) {
            List<Launcher.Launched> launched = new ArrayList<>();
            List<Thread> hooks = new ArrayList<>();
            Launcher launcher = sessions.steps().shell(NO_RACES).insertAfter(after, Launcher.step("ctrl-c", launch -> {
                // as the JVM runs the shutdown hook on SIGINT: on its own thread, while the launch goes on
                Thread hook = Thread.ofPlatform().start(launched.getFirst()::interrupt);
                hooks.add(hook);
                while (!launched.getFirst().interrupted()) Thread.onSpinWait();
                return Launcher.Undo.NOTHING;
            }));
            launched.add(launcher.prepare(plan));
            assertThatThrownBy(launched.getFirst()::run).as("after " + after).isInstanceOf(Launcher.Interrupted.class);
            hooks.getFirst().join(10_000);
            assertNothingLeft(plan);
            assertThat(launched.getFirst().done()).isEmpty();
        }
    }

    @Test
    void aShellSessionRunsItsToolInTmuxAsTheConfiguredCodeUser() throws Exception {
        SessionPlan plan = sessions.shell(shell(config("[incus]\ncode_uid = 1001\n"), null)).plan();
        assertThat(daemon.config(plan.container())).containsEntry(Labels.CODE_UID, "1001").containsEntry("raw.idmap", "uid 0 1001\ngid 0 1001");
        assertThat(daemon.status(plan.container())).isEqualTo("Running");
        assertThat(nft.fenced).containsExactly(plan.container());
        assertThat(store.find("fake", plan.sessionId())).get().extracting(SessionMetadata::status).isEqualTo("running");
        var tmux = daemon.execs().stream().filter(e -> e.command().contains("tmux")).toList();
        assertThat(tmux).isNotEmpty().allSatisfy(e -> {
            assertThat(e.user()).isEqualTo(1001);
            assertThat(e.group()).isEqualTo(1001);
        });
        // nothing is mounted below the home but its own folders: the tmux exec makes it, as code, and root runs nothing
        assertThat(String.join(" ", tmux.getFirst().command())).startsWith("sh -c").contains("mkdir -m 0700 \"$tmux\"");
        assertThat(daemon.execs()).noneSatisfy(e -> assertThat(e.user()).isZero());

        // later commands find the container and use its code user too
        new TmuxControl(incus, PREFIX).send(plan.container(), "hello");
        assertThat(daemon.execs().getLast().command()).startsWith("tmux", "send-keys");
        assertThat(daemon.execs().getLast().user()).isEqualTo(1001);
        assertThat(printed.toString()).contains("started " + plan.container());
    }

    @Test
    void aHomeTheTmuxExecCannotMakeIsMadeByRootThenTmuxStartsAgain() throws Exception {
        daemon.exitNext("sh", CodeHome.NEEDS_ROOT);
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        assertThat(daemon.status(plan.container())).isEqualTo("Running");
        List<String> execs = daemon.execs().stream().map(e -> e.user() + " " + e.command().getFirst()).toList();
        // the fake's file API answers that every folder is there, root's: root hands them to code
        assertThat(execs).containsExactly("1000 sh", "0 sh", "1000 tmux");
    }

    @Test
    void aToolMissingFromTheImageIsOneLineAndLeavesNothing() throws Exception {
        daemon.exitNext("sh", CodeHome.TOOL_MISSING);
        Sessions.ShellRequest request = shell(config(""), 1);
        SessionPlan plan = sessions.planShell(request);
        assertThatThrownBy(() -> sessions.shell(request)).isInstanceOf(CoiException.class)
                .hasMessageStartingWith("fake is not in image 'coi' (no `fake-ai` on its PATH)");
        assertNothingLeft(plan);
    }

    @Test
    void theRulesGoInWhileTheContainerIsCreatedAndGoWhenTheStartFails() throws Exception {
        SessionPlan plan = sessions.planShell(shell(config(""), 1));
        daemon.failNext("create", plan.container(), 500, "disk full");
        assertThatThrownBy(() -> sessions.steps().shell(NO_RACES).launch(plan)).hasMessageContaining("disk full");
        assertNothingLeft(plan);
        daemon.failNext("start", plan.container(), 500, "Failed to start device \"eth0\"");
        List<String> seen = new ArrayList<>();
        Launcher launcher = sessions.steps().shell(NO_RACES).insertAfter(LaunchSteps.CREATE, Launcher.step("look", launch -> {
            seen.addAll(nft.fenced);
            return Launcher.Undo.NOTHING;
        }));
        assertThatThrownBy(() -> launcher.launch(plan)).hasMessageContaining("eth0");
        assertThat(seen).as("fenced once create is done").containsExactly(plan.container());
        assertNothingLeft(plan);
    }

    @Test
    void aLaunchThatFindsItsNameTakenLeavesTheOtherContainersRulesAlone() throws Exception {
        SessionPlan plan = sessions.planShell(shell(config(""), 1));
        try (Launcher.Launched first = sessions.steps().shell(NO_RACES).launch(plan)) {
            first.keep();
        }
        assertThat(nft.installed).containsExactly(plan.container());
        // another coi planned the same slot before the first one's container existed: its create fails
        assertThatThrownBy(() -> sessions.steps().shell(NO_RACES).launch(plan)).isInstanceOf(coi.incus.IncusException.AlreadyExists.class);
        assertThat(nft.installed).as("the first container's rules were neither replaced nor removed").containsExactly(plan.container());
        assertThat(nft.fenced).containsExactly(plan.container());
        assertThat(daemon.status(plan.container())).isEqualTo("Running");
    }

    /** CI's rare "no network at a session's start": dnsmasq held the pinned address for a MAC an earlier test made up. */
    @Test
    void aRunWhosePinnedAddressTheDhcpServerGivesAnotherClientMovesToAnotherAddressLeavingNothingOfTheFirstTry() throws Exception {
        var req = new Sessions.RunRequest(ws, config(""), null, List.of("true"), false, null, false);
        String first = sessions.planRun(req).devices().get("eth0").get("ipv4.address");
        daemon.dhcpHolds(first);
        var err = new ByteArrayOutputStream();
        assertThat(sessions.run(req, null, new ByteArrayOutputStream(), err)).as(err.toString()).isZero();
        // had the second try pinned the same address, it too would have been given another, and so on until the launch gave up
        assertThat(daemon.actions().stream().filter(a -> a.startsWith("create ")).toList()).as("one move").hasSize(2);
        assertThat(nft.installed).as("rules for each try").hasSize(2);
        assertThat(daemon.execs().stream().filter(e -> e.command().equals(List.of("bash", "-c", "true")))).as("the command, once").hasSize(1);
        assertThat(daemon.instanceNames()).isEmpty();
        assertThat(nft.fenced).isEmpty();
        assertThat(err.toString()).doesNotContain("warning");
    }

    @Test
    void anAddressInTheLocalDhcpServersLeaseFileIsNotPinned() throws Exception {
        var req = new Sessions.RunRequest(ws, config(""), null, List.of("true"), false, null, false);
        String first = sessions.planRun(req).devices().get("eth0").get("ipv4.address");
        // where Incus keeps it beside its socket; Incus's leases answer leaves out a client it does not know
        Path leases = Files.createDirectories(dir.resolve("networks").resolve(FakeDaemon.BRIDGE)).resolve("dnsmasq.leases");
        Files.writeString(leases, "1796656585 00:16:3e:12:34:57 " + first + " coi ff:d5:7b:18:2d:00:02:00:00:ab:11:a4:35\n");
        assertThat(sessions.planRun(req).devices().get("eth0").get("ipv4.address")).isNotEqualTo(first);
        Files.delete(leases);
        assertThat(sessions.planRun(req).devices().get("eth0").get("ipv4.address")).as("free again").isEqualTo(first);
    }

    @Test
    void anEphemeralRunIsRemovedWithItsRulesWhenTheCommandEnds() throws Exception {
        Config config = config("[incus]\ncode_uid = 1001\n");
        var req = new Sessions.RunRequest(ws, config, null, List.of("echo hi"), false, null, false);
        int code = sessions.run(req, null, new ByteArrayOutputStream(), new ByteArrayOutputStream());
        assertThat(code).isZero();
        var command = daemon.execs().stream().filter(e -> e.command().equals(List.of("bash", "-c", "echo hi"))).toList();
        assertThat(command).singleElement().satisfies(e -> assertThat(e.user()).isEqualTo(1001));
        assertThat(daemon.instanceNames()).isEmpty();
        assertThat(nft.fenced).isEmpty();
    }

    /** `coi shell --debug`, the original's: a login shell in tmux where the tool would run, and no look for the tool. */
    @Test
    void debugStartsALoginShellInTheToolsPlace() throws Exception {
        var bash = new Sessions.ShellRequest(ws, config(""), null, null, false, false, null, false, true, true);
        SessionPlan plan = sessions.shell(bash).plan();
        assertThat(plan.toolCommand()).isEmpty();
        List<String> tmux = daemon.execs().stream().map(e -> String.join(" ", e.command())).filter(c -> c.contains("tmux new-session")).toList();
        assertThat(tmux).singleElement().satisfies(c -> assertThat(c).endsWith(" bash -lc exec bash -l"));
    }

    @Test
    void aSlotTakenMeanwhileMovesTheLaunchToTheNextSlotLeavingNothingOfTheFirstTry() throws Exception {
        String one = ContainerName.of(PREFIX, ws, 1).value(), two = ContainerName.of(PREFIX, ws, 2).value();
        daemon.failNext("create", one, 409, "Instance \"" + one + "\" already exists");
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        assertThat(plan.container()).isEqualTo(two);
        assertThat(plan.slot()).isEqualTo(2);
        assertThat(daemon.instanceNames()).containsExactly(two);
        assertThat(nft.fenced).containsExactly(two);
        assertThat(store.find("fake", plan.sessionId())).get().extracting(SessionMetadata::slot).isEqualTo(2);
    }

    @Test
    void anAllowlistWithoutEntriesFailsTheDryRunWithTheRealRunsMessageAndMakesNothing() throws Exception {
        Config config = config("[network]\nmode = \"allowlist\"\n");
        Sessions.ShellRequest dry = new Sessions.ShellRequest(ws, config, null, null, false, true, null, false);
        String expected = "network mode allowlist needs at least one entry in allowed_domains: set [network] allowed_domains,"
                + " or pick another --network mode";
        assertThatThrownBy(() -> sessions.planShell(dry)).isInstanceOf(UsageException.class).hasMessage(expected);
        assertThatThrownBy(() -> sessions.shell(shell(config, null))).isInstanceOf(UsageException.class).hasMessage(expected);
        var run = new Sessions.RunRequest(ws, config, null, List.of("true"), true, null, false);
        assertThatThrownBy(() -> sessions.planRun(run)).isInstanceOf(UsageException.class).hasMessage(expected);
        assertThat(daemon.actions()).isEmpty();
    }

    @Test
    void aMonitoredShellRefusesToReuseAPersistentContainerMadeWithoutTheMonitor() throws Exception {
        String name = ContainerName.of(PREFIX, ws, 1).value();
        daemon.existing(name, "Stopped", Map.of(Labels.WORKSPACE, ws.path().toString(), Labels.PERSISTENT, "true",
                Labels.KIND, "shell", Labels.SESSION, "sid-1", Labels.TOOL, "fake", Labels.NETWORK, "open"), false);
        Config monitored = config("[defaults]\npersistent = true\n[monitoring]\nenabled = true\n");
        Sessions.ShellRequest dry = new Sessions.ShellRequest(ws, monitored, null, null, false, true, null, false);
        assertThatThrownBy(() -> sessions.planShell(dry)).isInstanceOf(CoiException.class)
                .hasMessage(name + " was created without --monitor and is not watched: `coi shutdown " + name
                        + "` and start again to get a monitored container");
        assertThat(daemon.actions()).isEmpty();
    }

    @Test
    void aStoppedPersistentContainerIsPlannedAsItWasCreatedAndStartedFenceFirst() throws Exception {
        String name = ContainerName.of(PREFIX, ws, 1).value();
        daemon.existing(name, "Stopped", Map.of(Labels.WORKSPACE, ws.path().toString(), Labels.PERSISTENT, "true",
                Labels.KIND, "shell", Labels.SESSION, "sid-1", Labels.TOOL, "fake", Labels.NETWORK, "open",
                Labels.CODE_UID, "1001"), false);
        Config persistent = config("[defaults]\npersistent = true\n");
        SessionPlan plan = sessions.planShell(new Sessions.ShellRequest(ws, persistent, null, null, false, true, null, false));
        assertThat(plan.disposition()).isEqualTo(SessionPlan.Disposition.START_EXISTING);
        assertThat(plan.container()).isEqualTo(name);
        assertThat(plan.fenced()).as("created open, so open now, whatever the config says").isFalse();
        assertThat(plan.code()).isEqualTo(new CodeUser(1001, 1001));

        sessions.shell(shell(persistent, null));
        assertThat(daemon.actions()).startsWith("start " + name);
        assertThat(daemon.execs()).filteredOn(e -> e.command().getFirst().equals("tmux"))
                .allSatisfy(e -> assertThat(e.user()).isEqualTo(1001));
    }

    /** This machine's kernel as QuotaGroups reads it: pool default's btrfs on loop1, its quota groups inconsistent. */
    private QuotaGroups inconsistentQuotas(boolean asRoot, List<List<String>> ran) throws Exception {
        Path kernel = Files.createDirectories(dir.resolve("kernel"));
        Files.createDirectories(kernel.resolve("proc/self"));
        Files.writeString(kernel.resolve("proc/self/mountinfo"),
                "48 26 0:42 / /var/lib/incus/storage-pools/default rw,relatime - btrfs /dev/loop1 rw,subvolid=5,subvol=/\n");
        Files.createDirectories(kernel.resolve("sys/fs/btrfs/c4e74c1b/devices"));
        Files.writeString(kernel.resolve("sys/fs/btrfs/c4e74c1b/devices/loop1"), "");
        Files.createDirectories(kernel.resolve("sys/fs/btrfs/c4e74c1b/qgroups"));
        Files.writeString(kernel.resolve("sys/fs/btrfs/c4e74c1b/qgroups/inconsistent"), "1\n");
        return new QuotaGroups(kernel, asRoot, argv -> {
            ran.add(argv);
            return new QuotaGroups.Output(0, "");
        });
    }

    /** What {@code launch} printed on stderr. */
    private static String stderrOf(ThrowingRunnable launch) throws Exception {
        return coi.testing.Stderr.of(launch::run);
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * A disk size on a btrfs pool whose quota groups went inconsistent would not be enforced: as root the launch rescans
     * them (and waits) before it creates the container; otherwise it says so and what rescans them. Without a size, nothing
     * is read or run.
     */
    @Test
    void aDiskSizeOnInconsistentQuotaGroupsIsRescannedFirstAsRootAndSaidOtherwise() throws Exception {
        Config sized = config("[limits]\ndisk_size = \"600MiB\"\n");
        String mount = "/var/lib/incus/storage-pools/default";

        List<List<String>> ran = new ArrayList<>();
        sessions.steps().quotaGroups(inconsistentQuotas(true, ran));
        SessionPlan plan = sessions.planRun(new Sessions.RunRequest(ws, sized, null, List.of("true"), false, null, false));
        List<String> created = new ArrayList<>();
        String said = stderrOf(() -> assertThatThrownBy(() -> sessions.steps().run(NO_RACES).insertAfter(LaunchSteps.QUOTAS,
                Launcher.step("stop", launch -> {
                    created.addAll(daemon.actions());
                    throw new CoiException("stop here");
                })).launch(plan)).hasMessage("stop here"));
        assertThat(ran).as("rescanned before the container is made").containsExactly(List.of("btrfs", "quota", "rescan", "-w", mount));
        assertThat(created).noneMatch(a -> a.startsWith("create "));
        assertThat(said).contains("the disk size 600MiB is not enforced: the btrfs quota groups of pool default are inconsistent:"
                + " rescanning them first (btrfs quota rescan -w " + mount + ")");

        List<List<String>> notRoot = new ArrayList<>();
        sessions.steps().quotaGroups(inconsistentQuotas(false, notRoot));
        String warned = stderrOf(() -> assertThatThrownBy(() -> sessions.steps().run(NO_RACES).insertAfter(LaunchSteps.QUOTAS,
                Launcher.step("stop", launch -> {
                    throw new CoiException("stop here");
                })).launch(plan)).hasMessage("stop here"));
        assertThat(notRoot).as("a user cannot rescan").isEmpty();
        assertThat(warned).contains("coi: warning: the disk size 600MiB is not enforced: the btrfs quota groups of pool default are"
                + " inconsistent; `sudo coi health --fix` rescans them");

        List<List<String>> unsized = new ArrayList<>();
        sessions.steps().quotaGroups(inconsistentQuotas(true, unsized));
        SessionPlan plain = sessions.planRun(new Sessions.RunRequest(ws, config(""), null, List.of("true"), false, null, false));
        String quiet = stderrOf(() -> assertThatThrownBy(() -> sessions.steps().run(NO_RACES).insertAfter(LaunchSteps.QUOTAS,
                Launcher.step("stop", launch -> {
                    throw new CoiException("stop here");
                })).launch(plain)).hasMessage("stop here"));
        assertThat(unsized).isEmpty();
        assertThat(quiet).doesNotContain("quota");
    }

    @Test
    void stepsAreInsertedReplacedAndRemovedByName() {
        Launcher launcher = sessions.steps().run(NO_RACES);
        assertThat(launcher.names()).containsExactly("image", "storage", "quotas", "create", "start", "release-view", "monitor", "network");
        Launcher pooled = launcher.replace(LaunchSteps.CREATE, LaunchSteps.NETWORK, Launcher.step("claim", l -> Launcher.Undo.NOTHING));
        assertThat(pooled.names()).containsExactly("image", "storage", "quotas", "claim");
        assertThat(launcher.insertBefore(LaunchSteps.START, Launcher.step("x", l -> Launcher.Undo.NOTHING)).without(LaunchSteps.MONITOR)
                .names()).containsSubsequence("create", "x", "start").doesNotContain("monitor");
        assertThatThrownBy(() -> launcher.insertAfter("nope", Launcher.step("y", l -> Launcher.Undo.NOTHING)))
                .hasMessageContaining("no step nope");
        assertThatThrownBy(() -> launcher.insertAfter(LaunchSteps.NETWORK, Launcher.step(LaunchSteps.START, l -> Launcher.Undo.NOTHING)))
                .hasMessageContaining("unique");
    }

    @Test
    void thePoolAndTheMonitorPlugInThroughEveryLauncherTheServiceBuilds() throws Exception {
        List<String> seen = new ArrayList<>();
        sessions.adjustLaunchers(launcher -> launcher.insertBefore(LaunchSteps.IMAGE, Launcher.step("first", launch -> {
            seen.add(String.join(",", launcher.names()) + " for " + launch.plan().container());
            return Launcher.Undo.NOTHING;
        })));
        SessionPlan plan = sessions.shell(shell(config(""), null)).plan();
        int code = sessions.run(new Sessions.RunRequest(ws, config(""), 3, List.of("true"), false, null, false), null,
                new ByteArrayOutputStream(), new ByteArrayOutputStream());
        assertThat(code).isZero();
        assertThat(seen).containsExactly(
                String.join(",", sessions.steps().shell(NO_RACES).names()) + " for " + plan.container(),
                String.join(",", sessions.steps().run(NO_RACES).names()) + " for " + ContainerName.of(PREFIX, ws, 3).value());
    }
}
