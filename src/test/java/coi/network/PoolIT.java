package coi.network;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.incus.Model;
import coi.pool.Pool;
import coi.testing.CoiProcess.Result;
import coi.testing.HostTmux;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The warm pool end to end, driving bin/coi against the real daemon: `coi run` from the pool
 * passes the traffic matrix of cold runs, a member serves one session and shows nothing of an
 * earlier one, a member of a rebuilt image is not used, and drain and clean leave nothing.
 * COI_TRACE=1 tells which runs came from the pool ("pool: claimed").
 */
@Tag("incus")
class PoolIT {
    static final Duration UP = Duration.ofSeconds(90);
    static TestHosts hosts;
    static String gateway;

    @BeforeAll
    static void worldUp() throws Exception {
        TestIncus.client().close();
        gateway = TestContainers.bridge("incusbr0").gateway().getHostAddress();
        hosts = new TestHosts(gateway);
    }

    @AfterAll
    static void worldDown() {
        if (hosts != null) hosts.close();
    }

    /**
     * The members a test leaves go, also one that the background process of a sandbox just closed
     * is still making (its request went with the sandbox: it removes such a member itself once
     * made, and no new one is begun), so the pool is empty for a few seconds in a row.
     */
    @AfterEach
    void nothingLeft() throws Exception {
        try (IncusClient incus = TestIncus.client()) {
            awaitHelpers();
            PoolMembers.removeUntilQuiet(incus);
        }
    }

    /** A sandbox whose runs may use a pool of {@code size}: protected paths off (a locked view never comes from the pool). */
    static Sandbox pooled(int size, String extra) throws Exception {
        Sandbox box = new Sandbox();
        Path config = box.root.resolve("pool.toml");
        Files.writeString(config, "[security]\nprotected_paths = []\n[pool]\nsize = " + size + "\n" + extra);
        return box.with("COI_CONFIG", config.toString()).with("COI_TRACE", "1");
    }

    @Test
    void restrictedAllowlistAndOpenRunsFromThePoolPassTheTrafficMatrixOfColdOnes() throws Exception {
        try (Sandbox box = pooled(1, "[network]\nallowed_domains = [\"198.51.100.10\", \"192.168.77.10\"]\n")) {
            Result restricted = fromPool(box, "restricted", "198.51.100.10", "192.168.77.10", "10.99.77.10", "172.16.77.10",
                    "100.64.77.10", "169.254.169.254", gateway + ":" + TestHosts.HOST_PORT, TestHosts.HOST_OTHER + ":" + TestHosts.HOST_PORT);
            assertThat(restricted.out()).contains("198.51.100.10 open", "192.168.77.10 closed", "10.99.77.10 closed",
                    "172.16.77.10 closed", "100.64.77.10 closed", "169.254.169.254 closed",
                    gateway + ":" + TestHosts.HOST_PORT + " closed", TestHosts.HOST_OTHER + ":" + TestHosts.HOST_PORT + " closed");

            Result allowlist = fromPool(box, "allowlist", "198.51.100.10", "198.51.100.11", "192.168.77.10", "169.254.169.254");
            assertThat(allowlist.out()).contains("198.51.100.10 open", "198.51.100.11 closed", "192.168.77.10 closed",
                    "169.254.169.254 closed");

            Result open = fromPool(box, "open", "198.51.100.10", "192.168.77.10", "169.254.169.254");
            assertThat(open.out()).contains("198.51.100.10 open", "192.168.77.10 open", "169.254.169.254 open");
        }
    }

    private static Result fromPool(Sandbox box, String network, String... targets) throws Exception {
        awaitReady(box);
        TestHosts.assertRoutedLocally();
        Result r = box.run("run", "--network", network, SessionFenceIT.PROBE.formatted(String.join(" ", targets)));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.err()).as("%s run came from the pool", network).contains("pool: claimed");
        return r;
    }

    @Test
    void aMemberServesOneSessionAndHoldsNoTraceOfAnEarlierOne() throws Exception {
        try (Sandbox a = pooled(2, ""); Sandbox b = pooled(2, ""); IncusClient incus = TestIncus.client()) {
            Files.writeString(a.workspace.resolve("secret-of-a.txt"), "a\n");
            Files.writeString(b.workspace.resolve("b.txt"), "b\n");
            awaitReady(a, 2);
            Result first = a.run("run", "ls /workspace; echo left-by-a > /home/code/trace; ls /home/code");
            // which classes the run reads from the jar rather than its AOT cache (each helper process logs to a file of its own)
            Path classes = Files.createTempDirectory("coitest-classes");
            Result second = b.coi().env("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + classes + "/%p.log").run("run", "ls /workspace; ls /home/code");
            assertThat(first.err()).contains("pool: claimed");
            assertThat(second.err()).contains("pool: claimed");
            assertThat(first.out()).as("a run from the pool has code's home made by the attach (no tmux exec makes it)")
                    .contains("SANDBOX_CONTEXT.md");
            assertThat(claimed(first)).isNotEqualTo(claimed(second));
            assertThat(first.out()).contains("secret-of-a.txt");
            assertThat(second.out()).contains("b.txt").doesNotContain("secret-of-a.txt").doesNotContain("trace");
            assertThat(classesReadFromTheJar(classes)).as("a pooled run loads its classes from its AOT cache: the jar is not opened").isEmpty();
            awaitGone(incus, claimed(first));
            assertThat(incus.findInstance(claimed(first))).as("a claimed member never returns to the pool").isEmpty();
        }
    }

    @Test
    void aShellFromThePoolReachesTheToolSeesOnlyItsWorkspaceAndKeepsItsState() throws Exception {
        try (Sandbox earlier = pooled(2, ""); Sandbox box = pooled(2, ""); HostTmux tmux = new HostTmux(); IncusClient incus = TestIncus.client()) {
            Files.writeString(earlier.workspace.resolve("secret-of-earlier.txt"), "e\n");
            Files.writeString(box.workspace.resolve("mine.txt"), "m\n");
            awaitReady(box, 2);
            Result first = earlier.run("run", "echo left-by-earlier > /home/code/trace");
            assertThat(first.err()).as(first.toString()).contains("pool: claimed");

            String w = tmux.start(box.commandLine("shell"));
            tmux.await(w, "fake-ai> ", UP);
            tmux.type(w, "hello from the pool");
            tmux.await(w, "echo: hello from the pool", UP);
            Path session = box.sessionDirs().getFirst();
            assertThat(Files.readString(session.resolve("state/history"))).isEqualTo("hello from the pool\n");
            String meta = Files.readString(session.resolve("metadata.json"));
            assertThat(meta).contains("\"status\" : \"running\"");
            String member = meta.replaceAll("(?s).*\"container_name\" : \"([^\"]+)\".*", "$1");
            assertThat(member).as("the shell came from the pool").startsWith(Sandbox.PREFIX + "pool-")
                    .as("not from the member an earlier session used").isNotEqualTo(claimed(first));
            assertThat(box.run("list").out()).contains(member);

            tmux.type(w, "quit");
            tmux.await(w, "code@", UP);
            // one line per folder, its names between commas: the screen also holds coi's own trace lines (COI_TRACE, for "pool: claimed")
            tmux.type(w, "for d in /workspace /home/code; do echo \"IN $d: ,$(ls -A $d | tr '\\n' ,)\"; done; echo LISTED");
            tmux.await(w, "\nLISTED", UP);
            String screen = tmux.capture(w);
            assertThat(screen).contains(",mine.txt,").doesNotContain("secret-of-earlier.txt");
            assertThat(screen.lines().filter(l -> l.startsWith("IN /home/code: ,"))).singleElement().asString()
                    .as("no trace of the earlier session's home").doesNotContain(",trace,");
            tmux.type(w, "sudo poweroff");
            tmux.await(w, "COI-EXIT=0", UP);
            assertThat(tmux.capture(w)).contains("session ended");
            awaitGone(incus, member);
            assertThat(incus.findInstance(member)).as("a claimed member never returns to the pool").isEmpty();
            assertThat(Files.readString(session.resolve("metadata.json"))).contains("\"status\" : \"ended\"");
            assertThat(Files.readString(session.resolve("state/history"))).as("the tool's state outlives the session").isEqualTo("hello from the pool\n");

            // without tmux: the tool on this terminal, from the pool; its exit ends the session and is coi's
            awaitReady(box, 2);
            String bare = tmux.start(box.commandLine("shell --tmux=false"));
            tmux.await(bare, "fake-ai> ", UP);
            tmux.type(bare, "bare from the pool");
            tmux.await(bare, "echo: bare from the pool", UP);
            Path second = box.sessionDirs().stream().filter(d -> !d.equals(session)).findFirst().orElseThrow();
            String bareMember = Files.readString(second.resolve("metadata.json")).replaceAll("(?s).*\"container_name\" : \"([^\"]+)\".*", "$1");
            assertThat(bareMember).as("the shell without tmux came from the pool").startsWith(Sandbox.PREFIX + "pool-").isNotEqualTo(member);
            tmux.type(bare, "quit 4");
            tmux.await(bare, "COI-EXIT=4", UP);
            assertThat(tmux.capture(bare)).contains("session ended: container " + bareMember + " removed");
            assertThat(incus.findInstance(bareMember)).as("the claimed member is removed").isEmpty();
            assertThat(Files.readString(second.resolve("metadata.json"))).contains("\"status\" : \"ended\"");
            assertThat(Files.readString(second.resolve("state/history"))).isEqualTo("bare from the pool\n");
        }
    }

    @Test
    void aMemberOfARebuiltImageIsNotUsedAndTheBackgroundProcessReplacesIt() throws Exception {
        String alias = Sandbox.PREFIX + "pool-img";
        try (Sandbox box = pooled(1, ""); IncusClient incus = TestIncus.client()) {
            String first = incus.imageByAlias("coi-test-base").fingerprint();
            String rebuilt = incus.imageByAlias(coi.testing.TestImages.fakeTool()).fingerprint();
            incus.createAlias(alias, first, "coi PoolIT: the image a pool was filled from");
            try {
                box.with("COI_IMAGE", alias);
                assertThat(box.run("pool", "fill").exitCode()).isZero();
                // withdrawn: the background process must not replace the stale member before the run shows it is not used
                Path requests = box.home.resolve(".coi/pool");
                assertThat(requests).isNotEmptyDirectory();
                try (var files = Files.list(requests)) {
                    for (Path f : files.toList()) Files.delete(f);
                }
                incus.deleteAlias(alias);
                incus.createAlias(alias, rebuilt, "coi PoolIT: the same alias, rebuilt");
                Result status = box.run("pool", "status", "--format", "json");
                assertThat(status.out()).contains("\"fits\" : false").doesNotContain("\"fits\" : true");
                Result run = box.run("run", "true");
                assertThat(run.exitCode()).as(run.toString()).isZero();
                assertThat(run.err()).as("the stale member is not used").doesNotContain("pool: claimed");
                awaitMembers(incus, rebuilt, "the run's end replaced the stale member");

                // rebuilt again: nobody runs `coi pool fill`, the background process replaces the member
                incus.deleteAlias(alias);
                incus.createAlias(alias, first, "coi PoolIT: the same alias, rebuilt again");
                awaitMembers(incus, first, "the background process replaced the stale member");
                // the member reads ready a moment before the keeper's fill returns and logs it (CI-D read the log in between)
                Path log = box.home.resolve(".coi/watcher.log");
                coi.testing.Await.until(() -> text(log).contains("pool: made"), 30, () -> "not logged:\n" + text(log));
                Result drain = box.run("pool", "drain");
                assertThat(drain.exitCode()).as(drain.toString()).isZero();
                assertThat(requests).as("drained: nothing refills the pool").isEmptyDirectory();
            } finally {
                if (incus.aliasExists(alias)) incus.deleteAlias(alias);
            }
            // the image gone: status says what to build, not the daemon's "Image alias not found"
            Result gone = box.run("pool", "status");
            assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(1);
            assertThat(gone.err()).as(gone.toString()).contains("coi: image '" + alias + "' not found: build it with `coi build`")
                    .doesNotContain("Incus: Image alias not found");
        }
    }

    /** Waits for the pool to hold exactly one member, ready and made from {@code fingerprint}. */
    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitMembers(IncusClient incus, String fingerprint, String why) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && !oneReadyOf(incus, fingerprint)) Thread.sleep(500);
        assertThat(members(incus)).as(why).hasSize(1)
                .allMatch(i -> fingerprint.equals(i.configValue(Pool.IMAGE)) && Pool.READY.equals(i.configValue(Pool.STATE)));
    }

    private static boolean oneReadyOf(IncusClient incus, String fingerprint) {
        List<Model.Instance> all = members(incus);
        return all.size() == 1 && fingerprint.equals(all.getFirst().configValue(Pool.IMAGE)) && Pool.READY.equals(all.getFirst().configValue(Pool.STATE));
    }

    @Test
    void drainAndCleanLeaveNothingAlsoAfterACoiKilledMidClaim() throws Exception {
        try (Sandbox box = pooled(2, ""); IncusClient incus = TestIncus.client()) {
            NetworkFence fence = RootFence.of();
            awaitReady(box, 2);
            // a claim that stopped half-way: taken, no workspace yet, its coi gone
            String halfClaimed = members(incus).getFirst().name();
            incus.updateInstance(halfClaimed, inst -> {
                inst.with("config").put(Pool.STATE, Pool.CLAIMED).put(Pool.OWNER, "1@" + "not-this-boot");
                return inst;
            });
            // a coi killed while its pooled run runs
            ProcessBuilder pb = new ProcessBuilder(coi.testing.CoiProcess.launcher().toString(), "run", "sleep 120").directory(box.workspace.toFile());
            box.env().forEach(pb.environment()::put);
            Process coi = pb.redirectErrorStream(true).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && members(incus).stream().noneMatch(i -> "run".equals(i.configValue("user.coi.kind")))) Thread.sleep(100);
            coi.toHandle().destroyForcibly();
            coi.waitFor();
            Result clean = box.run("clean", "--force");
            assertThat(clean.exitCode()).as(clean.toString()).isZero();
            // the background process may be making a member meanwhile (filling): that one is not a leftover either
            assertThat(members(incus)).as("clean removes what the killed claims left, the unclaimed members stay")
                    .noneMatch(i -> Pool.CLAIMED.equals(i.configValue(Pool.STATE)));
            Result drain = box.run("pool", "drain");
            assertThat(drain.exitCode()).as(drain.toString()).isZero();
            assertThat(members(incus)).isEmpty();
            assertThat(fence.fenced()).noneMatch(n -> n.startsWith(Sandbox.PREFIX + "pool-"));
        }
    }

    private static String claimed(Result r) {
        return r.err().lines().filter(l -> l.contains("pool: claimed ")).map(l -> l.replaceAll(".*pool: claimed (\\S+).*", "$1"))
                .findFirst().orElseThrow();
    }

    static List<Model.Instance> members(IncusClient incus) {
        return PoolMembers.of(incus);
    }

    private static void awaitReady(Sandbox box) throws Exception {
        awaitReady(box, 1);
    }

    /** Fills the pool and waits for {@code n} ready members (a background refill may still be making one). */
    private static void awaitReady(Sandbox box, int n) throws Exception {
        awaitHelpers();
        Result fill = box.run("pool", "fill");
        assertThat(fill.exitCode()).as(fill.toString()).isZero();
        try (IncusClient incus = TestIncus.client()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline && members(incus).stream().filter(i -> Pool.READY.equals(i.configValue(Pool.STATE))).count() < n) {
                Thread.sleep(200);
            }
            assertThat(members(incus).stream().filter(i -> Pool.READY.equals(i.configValue(Pool.STATE)))).hasSizeGreaterThanOrEqualTo(n);
        }
    }

    /** The detached `coi __reap` helpers of this test run (they refill the pool) have finished. */
    private static void awaitHelpers() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline && ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                .map(c -> c.contains("__reap " + Sandbox.PREFIX)).orElse(false))) {
            Thread.sleep(200);
        }
    }

    private static void awaitGone(IncusClient incus, String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && incus.instanceExists(name)) Thread.sleep(100);
    }

    /**
     * The classes that the `coi run` whose class loading went to {@code dir} (JAVA_TOOL_OPTIONS, one file a
     * process) read from coi's jar; the log is then removed. Its own process is the one that started through
     * QuickSessions; the helpers it leaves (the removal, the pool's refill) start on the full cache or none.
     */
    static List<String> classesReadFromTheJar(Path dir) throws IOException {
        try (Stream<Path> logs = Files.list(dir)) {
            List<String> run = null;
            for (Path log : logs.toList()) {
                List<String> lines = Files.readAllLines(log);
                if (lines.stream().anyMatch(l -> l.contains(" coi.cli.QuickSessions source: "))) run = lines;
            }
            assertThat(run).as("the class loading of the run in " + dir).isNotNull();
            return run.stream().filter(l -> l.contains("source: file:")).toList();
        } finally {
            try (Stream<Path> left = Files.list(dir)) {
                for (Path f : left.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
    }
}
