package coi.session;

import static coi.session.WatcherFixtures.log;
import static coi.session.WatcherFixtures.read;
import static coi.session.WatcherFixtures.rssKiB;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.monitor.Action;
import coi.monitor.AuditEvent;
import coi.monitor.AuditLog;
import coi.monitor.Level;
import coi.monitor.Threat;
import coi.session.WatcherFixtures.Own;
import coi.testing.Await;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.assertj.core.api.ThrowingConsumer;
import org.junit.jupiter.api.Test;

/**
 * A monitored session watched by the native waiter (NativeWatch, src/main/c/monitor*.c) once the
 * supervisor has nothing else to do: the background process stays a few MiB, attacks from inside are
 * found by the waiter and answered by the supervisor it starts, as the supervisor's own monitor would.
 * No traffic leaves the containers: the threats are told by command lines (a /dev/tcp redirection that
 * never runs, a search for tokens that reads only its own stdin).
 */
@Tag("incus")
class NativeMonitorIT {
    private static final Pattern WATCHING_WAITER = Pattern.compile("waiter: waiting \\(pid (\\d+)\\) for Incus events naming \\S+, monitoring ");
    /** A hand-over comes at the first check (every 5 s) after the quiet period; on a loaded machine the JVM starts slowly. */
    private static final int HANDOVER_SECONDS = 45;
    /**
     * The supervisor's quiet period before it hands over shortened from {@link Waiter#QUIET} to 2 s: the tests here are
     * about what the waiter does once it has the containers, and each hand-over would otherwise wait 10 s of a JVM's idling.
     */
    private static final String QUICK_HAND_OVER = "-D" + Supervisor.QUIET_PROPERTY + "=PT2S";

    private static Own own(String mark) {
        Own own = new Own(mark);
        own.box.with("JAVA_TOOL_OPTIONS", QUICK_HAND_OVER);
        return own;
    }

    @Test
    void aCriticalThreatFoundByTheWaiterIsKilledAtOnceAndRecordedByTheSupervisorItStarts() throws Exception {
        try (Own own = own("n"); IncusClient incus = TestIncus.client()) {
            Sandbox box = own.box;
            Files.writeString(box.workspace.resolve(".coi-keep"), "kept\n");
            String name = monitoredSession(own);
            long waiter = pids(box).getFirst();
            try {
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + waiter + "/exe")).toString()).endsWith("/coi-waiter");
                // idle a moment with its looks running: what bench/background reports, bounded here
                Thread.sleep(3000);
                long rssKiB = rssKiB(waiter);
                System.out.println("waiter resident while it monitors one session: " + rssKiB + " KiB");
                assertThat(rssKiB).as("the waiter's resident size while it monitors, KiB").isLessThan(8192);
                assertThat(log(box)).contains("it watches " + name);

                Instant attack = Instant.now();
                // never connects (it sleeps first), but its command line is a /dev/tcp redirection: critical, killed; started by a
                // subshell that ignores SIGHUP and execs it, not by nohup, whose own command line names the path too (CI of
                // 3a7f8e1 saw nohup killed first, as d1c4e3a did for the zombie-leader attack below)
                box.run("container", "exec", name, "--user", "1000", "--", "bash", "-c",
                        "(trap '' HUP; exec bash -c 'sleep 300; exec 3<>/dev/tcp/127.0.0.1/9') >/dev/null 2>&1 &");
                Path metadata = box.sessionDirs().getFirst().resolve("metadata.json");
                Await.until(() -> read(metadata).contains("monitor: reverse shell"), 60,
                        () -> "not stopped by the monitor:\n" + read(metadata) + "\n" + log(box));
                System.out.printf("stopped %.1f s after the attack started%n", Duration.between(attack, Instant.now()).toMillis() / 1000.0);
                assertThat(log(box)).contains("waiter: woken (the monitor found").contains("the waiter killed the processes of " + name);
                List<AuditEvent> killed = audit(box, name).stream().filter(e -> e.action() == Action.KILLED).toList();
                assertThat(killed).as("one kill recorded, by the supervisor the waiter started").singleElement().satisfies(e -> {
                    assertThat(e.level()).isEqualTo(Level.CRITICAL);
                    assertThat(e.category()).isEqualTo(Threat.REVERSE_SHELL);
                    // read at its exec, its exe may still be incus's attach helper (memfd:liblxc): argv[0] names it then; read
                    // between the helper's move into the container's cgroup and its exec of bash, it is incusd's own forkexec,
                    // whose command line holds the command it is about to run (CI once saw that one killed first)
                    assertThat(e.title()).isIn("reverse shell: bash redirecting to /dev/tcp or /dev/udp",
                            "reverse shell: incusd redirecting to /dev/tcp or /dev/udp");
                    // the launching shell's command line names it too: either may be the one killed for
                    assertThat(String.join(" ", e.evidence().process().cmdline())).contains("exec 3<>/dev/tcp/127.0.0.1/9");
                    assertThat(e.evidence().process().uid()).isEqualTo(1000);
                });
                awaitStopped(incus, name, box);
                assertThat(Files.readString(box.workspace.resolve(".coi-keep"))).isEqualTo("kept\n");
            } finally {
                pids(box).forEach(WatcherFixtures::end);
            }
        }
    }

    /**
     * The gap at a wake: the waiter execs the supervisor's JVM, and nothing watched until its first look, 1-3 s later
     * on an idle machine. The waiter's bridge (a child it forks first) watches meanwhile. Here the supervisor holds its
     * first look back until the test says (a loaded machine's start, through its test property); a reverse shell
     * started in that time is killed by the bridge before the supervisor looks, and recorded by the supervisor once it does.
     */
    @Test
    void whileTheSupervisorStartsTheWaitersBridgeWatchesAndKills() throws Exception {
        try (Own own = own("b"); IncusClient incus = TestIncus.client()) {
            Path look = own.box.home.resolve("first-look");
            Sandbox box = own.box.with("JAVA_TOOL_OPTIONS", QUICK_HAND_OVER + " -D" + Supervisor.FIRST_LOOK_HOLD_PROPERTY + "=" + look);
            Files.writeString(box.workspace.resolve(".coi-keep"), "kept\n");
            String name = monitoredSession(own);
            try {
                // what a `--monitor` launch does to have the supervisor at once
                Watcher.poke(box.home.resolve(".coi"));
                Await.until(() -> log(box).contains("watches until this supervisor's first look"), 30, () -> "no supervisor under a bridge:\n" + log(box));
                assertThat(log(box)).containsPattern("bridge \\(pid \\d+\\) watches the monitored containers until the supervisor's first look");
                Instant attack = Instant.now();
                box.run("container", "exec", name, "--user", "1000", "--", "bash", "-c",
                        "(trap '' HUP; exec bash -c 'sleep 300; exec 3<>/dev/tcp/127.0.0.1/9') >/dev/null 2>&1 &");
                awaitStopped(incus, name, box);
                String atTheStop = log(box);
                System.out.printf("stopped by the bridge %.1f s after the attack started%n", Duration.between(attack, Instant.now()).toMillis() / 1000.0);
                assertThat(atTheStop).as("killed by the bridge, before the supervisor's first look").contains("bridge: the monitor found")
                        .doesNotContain("ended: this supervisor watches");
                Files.writeString(look, "");
                // recorded once the supervisor looks, from the bridge's line in the threats file
                Path metadata = box.sessionDirs().getFirst().resolve("metadata.json");
                Await.until(() -> read(metadata).contains("monitor: reverse shell"), 60, () -> "not recorded:\n" + read(metadata) + "\n" + log(box));
                assertThat(log(box)).contains("bridge: its pipe was closed (the supervisor looks now").contains("ended: this supervisor watches")
                        .contains("the waiter killed the processes of " + name);
                // reaped by the supervisor, not left a zombie of it
                var bridge = Pattern.compile("the waiter's bridge \\(pid (\\d+)\\) ended").matcher(log(box));
                assertThat(bridge.find()).as(log(box)).isTrue();
                assertThat(Path.of("/proc/" + bridge.group(1))).as("the bridge, reaped").doesNotExist();
                assertThat(audit(box, name).stream().filter(e -> e.action() == Action.KILLED).toList()).singleElement().satisfies(e -> {
                    assertThat(e.level()).isEqualTo(Level.CRITICAL);
                    assertThat(e.category()).isEqualTo(Threat.REVERSE_SHELL);
                    assertThat(String.join(" ", e.evidence().process().cmdline())).contains("exec 3<>/dev/tcp/127.0.0.1/9");
                });
                assertThat(Files.readString(box.workspace.resolve(".coi-keep"))).isEqualTo("kept\n");
            } finally {
                pids(box).forEach(WatcherFixtures::end);
            }
        }
    }

    /**
     * A reverse shell whose main thread ends (pthread_exit) while another runs on (src/test/c/attack-zombie-leader.c,
     * built static here, run as root inside): its /proc/PID shows an empty command line and no exe, which read as a
     * process exiting. The waiter reads it through its live thread, kills it at once, and the supervisor records it.
     */
    @Test
    void aReverseShellWhoseMainThreadEndedIsSeenThroughItsLiveThreadAndKilled() throws Exception {
        // the path made by printf: this shell's own command line does not name it; a subshell that ignores SIGHUP execs it
        // (nohup's own command line would name the path, and CI once saw nohup killed first)
        killedByTheWaiter("attack-zombie-leader", "/root/attack-zombie-leader",
                (box, name) -> "cd /root; (trap '' HUP; exec ./attack-zombie-leader \"$(printf /dev/%s/127.0.0.1/9 tcp)\") >/dev/null 2>&1 &", e -> {
                    assertThat(e.title()).isEqualTo("reverse shell: attack-zombie-leader redirecting to /dev/tcp or /dev/udp");
                    assertThat(e.evidence().process().exe()).isEqualTo("/root/attack-zombie-leader");
                    assertThat(e.evidence().process().cmdline()).containsExactly("./attack-zombie-leader", "/dev/tcp/127.0.0.1/9");
                });
    }

    /**
     * A reverse shell whose connection is in a descriptor table of one thread's own (src/test/c/attack-private-fds.c,
     * run as root inside under the name python3), to the container's own address: the process's /proc/PID/fd shows
     * none of it. The waiter reads the thread's table as an entry of its own, kills the container at once, and the
     * supervisor records it.
     */
    @Test
    void aReverseShellWhoseSocketIsInAThreadsOwnDescriptorTableIsKilled() throws Exception {
        String[] address = new String[1];
        killedByTheWaiter("attack-private-fds", "/root/python3", (box, name) -> {
            Result where = box.run("container", "exec", name, "--", "bash", "-c",
                    "for i in $(seq 100); do a=$(hostname -I | cut -d' ' -f1); [ -n \"$a\" ] && echo $a && exit; sleep 0.2; done; exit 1");
            assertThat(where.exitCode()).as(where.toString()).isZero();
            address[0] = where.out().trim();
            return "cd /root; nohup ./python3 " + address[0] + " 7000 >/root/private.log 2>&1 &";
        }, e -> {
            assertThat(e.title()).isEqualTo("reverse shell: python3 with its stdin on a connection to " + address[0] + ":7000");
            assertThat(e.evidence().process().exe()).isEqualTo("/root/python3");
            assertThat(e.evidence().process().pid()).isNotEqualTo(e.evidence().process().ppid());
        });
    }

    /** What starts an attack in a monitored session's container: the script run there as root. */
    private interface Attack {
        String script(Sandbox box, String container) throws Exception;
    }

    /**
     * A monitored session whose container gets src/test/c/{@code program}.c as {@code into} and runs the attack's
     * script: the waiter must kill it (one KILLED audit event, which {@code killed} checks) and the container stop.
     */
    private static void killedByTheWaiter(String program, String into, Attack attack, ThrowingConsumer<AuditEvent> killed) throws Exception {
        try (Own own = own("n"); IncusClient incus = TestIncus.client()) {
            Sandbox box = own.box;
            String name = monitoredSession(own);
            try {
                pushAttack(program, name, into);
                Result started = box.run("container", "exec", name, "--", "bash", "-c", attack.script(box, name));
                // the monitor may kill the container before this exec has returned (137)
                assertThat(started.exitCode()).as(started.toString()).isIn(0, 137);
                Path metadata = box.sessionDirs().getFirst().resolve("metadata.json");
                Await.until(() -> read(metadata).contains("monitor: reverse shell"), 60,
                        () -> "not stopped by the monitor:\n" + started + "\n" + read(metadata) + "\n" + log(box));
                assertThat(audit(box, name).stream().filter(e -> e.action() == Action.KILLED).toList()).singleElement().satisfies(killed);
                awaitStopped(incus, name, box);
            } finally {
                pids(box).forEach(WatcherFixtures::end);
            }
        }
    }

    /** Waits for the container to stop or go: one read of its status (exists, then read, raced an ephemeral one's delete). */
    private static void awaitStopped(IncusClient incus, String name, Sandbox box) throws InterruptedException {
        Await.until(() -> !incus.instanceStatus(name).map("Running"::equals).orElse(false), 30, () -> "still running:\n" + log(box));
    }

    /** src/test/c/{@code program}.c built static here and pushed into the container as {@code into}, mode 0755. */
    private static void pushAttack(String program, String container, String into) throws Exception {
        Path bin = Files.createTempDirectory("coitest-" + program);
        Path built = bin.resolve(program);
        try {
            Process gcc = new ProcessBuilder("gcc", "-O2", "-static", "-pthread", "-o", built.toString(),
                    Path.of(System.getProperty("coi.home", ".")).resolve("src/test/c/" + program + ".c").toString()).inheritIO().start();
            assertThat(gcc.waitFor()).isZero();
            Process push = new ProcessBuilder("incus", "file", "push", "--mode", "0755", built.toString(), container + into)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).inheritIO().start();
            assertThat(push.waitFor()).isZero();
        } finally {
            Files.deleteIfExists(built);
            Files.delete(bin);
        }
    }

    @Test
    void aWarningIsAnsweredOnceAndTheWaiterHandedBackToDoesNotHandItOverAgainWithinTheDedupPeriod() throws Exception {
        try (Own own = own("n")) {
            Sandbox box = own.box;
            String name = monitoredSession(own);
            long waiter = pids(box).getFirst();
            try {
                // a search for tokens that stays (it reads a pipe that never ends): the same threat at every look
                box.run("container", "exec", name, "--user", "1000", "--", "bash", "-c",
                        "nohup sh -c 'sleep 600 | grep -i TOKEN' >/dev/null 2>&1 &");
                Await.until(() -> alerted(box, name).size() == 1, 60, () -> "no alert:\n" + log(box));
                Instant firstWake = Instant.now();
                assertThat(log(box)).contains("waiter: woken (the monitor found");
                assertThat(alerted(box, name).getFirst().title()).isEqualTo("searching for credentials with grep");
                // the supervisor hands back once quiet; the waiter it hands to is told the threat was seen
                long second = awaitWatchingWaiter(box, 2);
                assertThat(Files.readSymbolicLink(Path.of("/proc/" + second + "/exe")).toString()).as("a waiter again").endsWith("/coi-waiter");
                int wakes = count(log(box), "waiter: woken (the monitor found");
                // the dedup period (30 s from the first sighting) ends, then it is handed over and alerted again
                Await.until(() -> alerted(box, name).size() == 2, 90, () -> "not alerted again:\n" + log(box));
                long apart = Duration.between(firstWake, Instant.now()).toSeconds();
                System.out.printf("alerted again %d s after the first%n", apart);
                assertThat(apart).as("not before the dedup period ended").isGreaterThanOrEqualTo(25);
                assertThat(count(log(box), "waiter: woken (the monitor found")).as("one wake more, not one per look").isEqualTo(wakes + 1);
                assertThat(audit(box, name).stream().filter(e -> e.action() == Action.DEDUPLICATED).toList())
                        .as("the supervisor, while up, recorded the repeat once as deduplicated at most").hasSizeLessThanOrEqualTo(2);
            } finally {
                pids(box).forEach(WatcherFixtures::end);
            }
        }
    }

    /**
     * A DNS burst to the bridge's resolver (names of the bridge's own domain, answered there) seen by
     * the waiter through the fence's DNS counter, read over nf_tables' netlink: it wakes, and the
     * supervisor freezes the container.
     */
    @Test
    void aDnsBurstIsSeenByTheWaiterThroughTheFenceCounterAndFreezesTheContainer() throws Exception {
        try (Own own = own("n"); IncusClient incus = TestIncus.client()) {
            Sandbox box = own.box;
            String name = monitoredSession(own);
            try {
                box.run("container", "exec", name, "--user", "1000", "--", "bash", "-c", "setsid -f bash -c 'for j in 1 2 3 4; do"
                        + " (for i in $(seq 1 250); do getent hosts coitest-burst-$j-$i.incus >/dev/null; done) & done; wait' >/dev/null 2>&1");
                Await.until(() -> "Frozen".equals(incus.instance(name).status()), 60, () -> name + " is not frozen:\n" + log(box));
                assertThat(log(box)).contains("waiter: woken (the monitor found");
                assertThat(audit(box, name)).anySatisfy(e -> {
                    assertThat(e.category()).isEqualTo(Threat.DNS_TUNNEL);
                    assertThat(e.level()).isEqualTo(Level.HIGH);
                    assertThat(e.action()).isEqualTo(Action.PAUSED);
                });
            } finally {
                pids(box).forEach(WatcherFixtures::end);
            }
        }
    }

    /**
     * The agent, root inside, nests its cgroups to move a process out of a walk's reach (2,100
     * deep, past PATH_MAX, is what it tries). The waiter's guard walks 64 levels: past them it hands
     * the container back. The supervisor's walk (each folder opened relative to its parent, on a
     * heap stack) reports the cgroup past its own 64 levels: high, the container frozen, here while
     * it is still nesting. Before, its recursive walk overflowed the supervisor's 256 KiB stack on
     * such a tree, which ended its fork-bomb guard, and a process at the bottom was seen by neither
     * monitor.
     */
    @Test
    void cgroupsNestedPastTheWalkAreHandedBackAndFreezeTheContainer() throws Exception {
        try (Own own = own("n"); IncusClient incus = TestIncus.client()) {
            Sandbox box = own.box;
            Files.writeString(box.workspace.resolve(".coi-keep"), "kept\n");
            String name = monitoredSession(own);
            try {
                // the pids hierarchy on a v1 hybrid host (what the monitors walk there), the unified one otherwise; in the
                // background: the container is frozen while it nests (once past 64 levels), the exec would wait for good
                Result nesting = box.run("container", "exec", name, "--", "bash", "-c",
                        "setsid -f bash -c 'cd /sys/fs/cgroup/pids 2>/dev/null || cd /sys/fs/cgroup || exit 3; i=0;"
                                + " while [ $i -lt 2100 ]; do mkdir a && cd a || exit 4; i=$((i+1)); done;"
                                + " sleep 600 & echo $! > cgroup.procs' >/dev/null 2>&1");
                assertThat(nesting.exitCode()).as(nesting.toString()).isZero();
                Await.until(() -> audit(box, name).stream().anyMatch(e -> e.title().equals("cgroups beyond the monitor's walk")), 60,
                        () -> "not reported:\n" + audit(box, name) + "\n" + log(box));
                assertThat(log(box)).contains("woken (too much to watch natively: ");
                AuditEvent hidden = audit(box, name).stream().filter(e -> e.title().equals("cgroups beyond the monitor's walk")).findFirst().orElseThrow();
                assertThat(hidden.level()).isEqualTo(Level.HIGH);
                assertThat(hidden.category()).isEqualTo(Threat.PROCESSES);
                assertThat(hidden.action()).isEqualTo(Action.PAUSED);
                assertThat(hidden.description()).contains("a/a/a/a");
                Await.until(() -> "Frozen".equals(incus.instance(name).status()), 15, () -> name + " is not frozen:\n" + log(box));
                assertThat(log(box)).doesNotContain("StackOverflowError").doesNotContain("monitor error");
                assertThat(Files.readString(box.workspace.resolve(".coi-keep"))).isEqualTo("kept\n");
            } finally {
                pids(box).forEach(WatcherFixtures::end);
            }
        }
    }

    /**
     * A container the waiter hands back for what it holds at one moment (here processes exec'd with
     * more descriptors than the waiter reads at an exec, gone before the next look could read them
     * whole: nothing either monitor calls a threat) is
     * watched by the supervisor for a hold (Refusals; 10 minutes, shortened here to 10 s through the
     * JVM's test property), then handed to a waiter again: the JVM no longer stays for the
     * container's life. The process waits for a file the test writes into the workspace, so that it
     * execs while a waiter watches (the exec that starts it is an Incus event, which wakes the
     * supervisor; writing the workspace from the host is not).
     */
    @Test
    void aContainerHandedBackGoesToAWaiterAgainOnceItsHoldIsOver() throws Exception {
        try (Own own = own("h")) {
            Sandbox box = own.box.with("JAVA_TOOL_OPTIONS", QUICK_HAND_OVER + " -D" + Refusals.FIRST_PROPERTY + "=PT10S");
            String name = monitoredSession(own);
            Result waiting = box.run("container", "exec", name, "--", "bash", "-c",
                    "setsid -f bash -c 'mkfifo /tmp/tick && exec 9<>/tmp/tick || exit 3; until [ -e /workspace/go ]; do read -t 0.3 -u 9; done;"
                            + " ulimit -n 4096 || exit 4; for i in $(seq 10 1100); do eval \"exec $i</dev/null\"; done;"
                            + " for k in $(seq 1 20); do (exec sleep 0.05); done' >/dev/null 2>&1");
            assertThat(waiting.exitCode()).as(waiting.toString()).isZero();
            awaitWatchingWaiter(box, 2);
            Files.writeString(box.workspace.resolve("go"), "");
            // the hold is written just after the hand-back line: both awaited
            Await.until(() -> log(box).contains("the waiter handed " + name + " back") && log(box).contains("(hand-back 1)"), 30,
                    () -> "not handed back:\n" + log(box));
            assertThat(log(box)).containsPattern("pid \\d+ has more than 1024 descriptors at its exec").contains("the supervisor watches " + name + " itself until")
                    .contains("(hand-back 1)");
            String handedBack = log(box);

            awaitWatchingWaiter(box, 3);
            String after = log(box).substring(handedBack.length());
            assertThat(after).as(after).containsPattern("handing over to the waiter \\(pid \\d+\\): .*it watches " + Pattern.quote(name));
            assertThat(audit(box, name)).as("nothing was a threat").allMatch(e -> e.level() == Level.INFO)
                    .anySatisfy(e -> {
                        assertThat(e.title()).isEqualTo("handed back to the supervisor");
                        assertThat(e.description()).containsPattern("pid \\d+ has more than 1024 descriptors at its exec")
                                .containsPattern("its first look \\d+ ms after the native monitor's last");
                    });
            assertThat(box.home.resolve(".coi/" + Refusals.FILE)).as("the count is kept for the next hand-back").exists();
        }
    }

    private static List<AuditEvent> alerted(Sandbox box, String name) {
        return audit(box, name).stream().filter(e -> e.action() == Action.ALERTED && e.category().equals(Threat.CREDENTIALS)).toList();
    }

    private static List<AuditEvent> audit(Sandbox box, String name) {
        return AuditLog.under(box.home.resolve(".coi")).read(name);
    }


    /** A `coi shell --detach --monitor` in {@code own}'s sandbox, once the supervisor has handed it to the waiter; its container. */
    private static String monitoredSession(Own own) throws InterruptedException {
        Result start = own.box.run("shell", "--detach", "--monitor");
        assertThat(start.exitCode()).as(start.toString()).isZero();
        awaitWatchingWaiter(own.box, 1);
        return own.container(1);
    }

    /** Waits for the {@code n}th hand-over of monitored containers to the waiter; returns its pid. */
    private static long awaitWatchingWaiter(Sandbox box, int n) throws InterruptedException {
        long started = System.nanoTime();
        Await.until(() -> pids(box).size() >= n, HANDOVER_SECONDS, () -> "no hand-over to the waiter:\n" + log(box));
        System.out.printf("handed over to the waiter (%d) %.1f s after waiting began%n", n, (System.nanoTime() - started) / 1e9);
        return pids(box).get(n - 1);
    }

    private static List<Long> pids(Sandbox box) {
        return WatcherFixtures.pids(box, WATCHING_WAITER);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) n++;
        return n;
    }




}
