package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The agent attacks its sandbox from inside real containers, as `code` and as root; bin/coi against the real daemon. */
@Tag("incus")
class HardeningIT {

    @Test
    void projectConfigThatWidensNeedsTrustInItsExactContent() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path hostDir = Files.createDirectories(box.root.resolve("host folder"));
            Files.writeString(hostDir.resolve("marker"), "from the host\n");
            Files.writeString(box.workspace.resolve(".coi.toml"), "[network]\nmode = \"open\"\n[[mounts]]\nhost = \"" + hostDir
                    + "\"\ncontainer = \"/mnt/host\"\n");

            Result refused = box.run("run", "cat /mnt/host/marker");
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
            assertThat(refused.err()).contains(".coi.toml is not trusted", "[[mounts]], network.mode", "coi trust")
                    .doesNotContain("Exception");
            assertThat(refused.out()).doesNotContain("from the host");

            Result trust = box.run("trust");
            assertThat(trust.out()).as(trust.toString()).contains("would grant: [[mounts]], network.mode");
            // trusted, it runs; the agent then edits the file from inside...
            Result accepted = box.run("run", "cat /mnt/host/marker; echo '# the agent was here' >> /workspace/.coi.toml");
            assertThat(accepted.exitCode()).as(accepted.toString()).isZero();
            assertThat(accepted.out()).contains("from the host");
            // ...and the changed file is refused again
            assertThat(box.run("run", "true").err()).contains("is not trusted");
            assertThat(box.run("trust", "--list").out()).contains("changed since: untrusted");

            Result all = box.coi().env("COI_TRUST_ALL", "1").run("run", "cat /mnt/host/marker");
            assertThat(all.exitCode()).as(all.toString()).isZero();

            Files.writeString(box.workspace.resolve(".coi.toml"), "[limits]\nmemory = \"1GiB\"\nprocesses = 500\n"
                    + "[environment]\nGREETING = \"narrow\"\n");
            Result narrowing = box.run("run", "echo $GREETING");
            assertThat(narrowing.exitCode()).as(narrowing.toString()).isZero();
            assertThat(narrowing.out()).isEqualTo("narrow\n");
        }
    }

    @Test
    void protectedPathsStayUnchangedOnTheHostWhateverCodeAndRootTry() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path ws = box.workspace;
            Files.createDirectories(ws.resolve(".git/hooks"));
            Files.createDirectories(ws.resolve(".git/info"));
            Files.writeString(ws.resolve(".git/config"), "[core]\n\trepositoryformatversion = 0\n");
            Files.writeString(ws.resolve(".git/hooks/pre-commit"), "#!/bin/sh\nexit 0\n");
            Files.createDirectories(ws.resolve(".claude"));
            Files.writeString(ws.resolve(".claude/settings.json"), "{\"permissions\":{}}\n");
            try (InputStream in = HardeningIT.class.getResourceAsStream("attack-protected.sh")) {
                Files.write(ws.resolve("attack.sh"), in.readAllBytes());
            }
            Map<String, String> before = snapshot(ws);

            Result r = box.run("run", "bash /workspace/attack.sh");

            assertThat(r.out()).as(r.toString()).contains("refused: sudo -n ls /dev/incus/sock").doesNotContain("ALLOWED");
            assertThat(r.out().lines().filter(l -> l.startsWith("refused:")).count()).isEqualTo(37);
            Map<String, String> after = snapshot(ws);
            before.remove("attack.sh");
            after.remove("attack.sh");
            // what existed is unchanged; what was missing exists only as coi's empty placeholder
            before.forEach((path, hash) -> assertThat(after).as(path).containsEntry(path, hash));
            after.forEach((path, hash) -> {
                if (!before.containsKey(path)) assertThat(hash).as(path).isIn("dir", sha256("{}\n"), sha256(""));
            });
            assertThat(after).containsKeys(".vscode", ".husky", ".mcp.json", ".claude/settings.local.json");
            assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).as("the view is taken down")
                    .noneMatch(l -> l.contains(box.home.toString()));
        }
    }

    /**
     * The normal case: a developer in the Incus admin group, not root. With the rule `coi setup`
     * writes (here for a copy of coi owned by root), coi's view helper locks the protected paths,
     * so even root inside cannot unmount them.
     */
    @Test
    void aNonRootIncusAdminGetsLockedProtectedPaths() throws Exception {
        String user = Sandbox.PREFIX + "user";
        Path rule = Path.of("/etc/sudoers.d/" + Sandbox.PREFIX + "view");
        try (Sandbox box = new Sandbox(); coi.testing.SubIdFiles ids = new coi.testing.SubIdFiles()) {
            int incusAdmin = (Integer) Files.getAttribute(Path.of("/var/lib/incus/unix.socket"), "unix:gid");
            // uid 1000, whose sessions map it onto code (see RunE2EIT), as after its `sudo coi setup`; sudo needs a passwd entry
            ids.with1000();
            boolean made = new ProcessBuilder("getent", "passwd", "1000").start().waitFor() != 0;
            if (made) host("useradd", "-r", "-M", "-u", "1000", "-d", box.home.toString(), user);
            try {
                int uid = 1000;
                Files.setPosixFilePermissions(box.root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                Path ws = box.workspace;
                Files.createDirectories(ws.resolve(".git/hooks"));
                Files.writeString(ws.resolve(".git/hooks/pre-commit"), "#!/bin/sh\nexit 0\n");
                RunE2EIT.chownTree(ws, uid, uid);
                RunE2EIT.chownTree(box.home, uid, uid);
                RunE2EIT.runAs(uid, uid, incusAdmin, box, "--help");
                // the rule `coi setup` writes for the group, here for uid 1000 and the root-owned copy runAs made
                Files.writeString(rule, "#1000 ALL=(root) NOPASSWD: " + box.root.resolve("coi-install/bin/coi") + " __view *\n");
                Files.setPosixFilePermissions(rule, java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
                host("visudo", "-cf", rule.toString());

                Result r = RunE2EIT.runAs(uid, uid, incusAdmin, box, "run", "--network", "open",
                        "sudo umount /workspace/.git/hooks && echo UNMOUNTED; sudo umount -l /workspace/.git/hooks && echo UNMOUNTED;"
                        + " echo evil > /workspace/.git/hooks/pre-commit && echo WROTE;"
                        + " sudo sh -c 'echo evil > /workspace/.git/hooks/pre-commit' && echo WROTE; echo done");

                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.err()).as("locked, not the unlocked fallback").doesNotContain("root inside can unmount them");
                assertThat(r.out()).as(r.toString()).contains("done").doesNotContain("UNMOUNTED").doesNotContain("WROTE");
                assertThat(Files.readString(ws.resolve(".git/hooks/pre-commit"))).isEqualTo("#!/bin/sh\nexit 0\n");
                assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).as("the helper took the view down")
                        .noneMatch(l -> l.contains(box.home.toString()));
            } finally {
                Files.deleteIfExists(rule);
                if (made) host("userdel", user);
            }
        }
    }

    private static String host(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }

    @Test
    void linksPlantedInTheWorkspaceAreRefusedByName() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path secret = Files.writeString(box.root.resolve("secret.toml"), "[environment]\nTOKEN = \"sk-SECRET-never-printed\"\n");
            Path hostGit = Files.createDirectories(box.root.resolve("host-repo/.git/hooks"));
            Map<String, Path> links = new LinkedHashMap<>();
            links.put(".coi.toml", secret);
            links.put(".vscode", Path.of("/etc"));
            links.put(".git", hostGit.getParent());
            // the workspace is left as it was: no placeholder is made while a link is there
            for (var link : links.entrySet()) {
                Path planted = Files.createSymbolicLink(box.workspace.resolve(link.getKey()), link.getValue());
                Result r = box.run("run", "true");
                assertThat(r.exitCode()).as(r.toString()).isNotZero();
                assertThat(r.err()).contains(planted + " is a symbolic link");
                assertThat(r.out() + r.err()).doesNotContain("SECRET").doesNotContain("sk-");
                Files.delete(planted);
                try (Stream<Path> left = Files.list(box.workspace)) {
                    assertThat(left).isEmpty();
                }
            }
            try (Stream<Path> hooks = Files.list(hostGit)) {
                assertThat(hooks).isEmpty();
            }
        }
    }

    @Test
    void limitsHoldInsideAndTheHostStaysResponsive() throws Exception {
        try (Sandbox box = new Sandbox()) {
            String script = String.join("\n",
                    "touch /workspace/bomb-started",
                    "perl -e 'my $n = 0; while ($n < 5000) { my $p = fork(); if (!defined $p) { last } "
                            + "if ($p == 0) { close STDOUT; close STDERR; sleep 5; exit 0 } $n++ } print \"forked=$n\\n\"; 1 while wait() != -1'",
                    "touch /workspace/bomb-ended",
                    "python3 -c 'b = bytearray(700 * 1024 * 1024); print(\"hog survived\")'; echo hog=$?",
                    "sudo dd if=/dev/zero of=/root/rate bs=1M count=30 oflag=direct 2>&1 | tail -1",
                    "sudo dd if=/dev/zero of=/root/big bs=1M count=900 2>/dev/null; echo big=$?; sudo sync",
                    "echo still-here");
            // the machine is shared: what a host shell takes anyway is measured first, in the same run
            long idleHost = 0;
            for (int i = 0; i < 10; i++) {
                idleHost = Math.max(idleHost, hostShell());
                Thread.sleep(200);
            }
            long started = System.nanoTime();
            CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> box.run("run", "--limit-processes", "300",
                    "--limit-memory", "256MiB", "--limit-swap", "false", "--limit-disk-write", "10MB", "--limit-disk-size", "600MiB",
                    "--limit-cpu", "1", "--persistent", script));
            long worstHost = 0;
            Path bombStarted = box.workspace.resolve("bomb-started"), bombEnded = box.workspace.resolve("bomb-ended");
            while (!run.isDone()) {
                // measured while the fork bomb runs, not while Incus creates the container
                long took = hostShell();
                if (Files.exists(bombStarted) && !Files.exists(bombEnded)) worstHost = Math.max(worstHost, took);
                Thread.sleep(100);
            }
            Result r = run.get();
            System.out.printf("limits run: %.1f s; slowest host shell before it: %d ms, during the fork bomb: %d ms%n",
                    (System.nanoTime() - started) / 1e9, idleHost / 1_000_000, worstHost / 1_000_000);
            assertThat(r.out()).as(r.toString()).contains("still-here");

            Matcher forked = Pattern.compile("forked=(\\d+)").matcher(r.out());
            assertThat(forked.find()).as(r.toString()).isTrue();
            System.out.println("fork bomb stopped after " + forked.group(1) + " processes (limit 300)");
            assertThat(Integer.parseInt(forked.group(1))).isBetween(200, 300);
            assertThat(worstHost).as("a host shell answers within a second (beyond what it took before)")
                    .isLessThan(1_000_000_000L + idleHost);

            assertThat(r.out()).doesNotContain("hog survived").containsPattern("hog=(137|1)");

            Matcher rate = Pattern.compile("copied, ([0-9.]+) s, ([0-9.]+) MB/s").matcher(r.out());
            assertThat(rate.find()).as(r.toString()).isTrue();
            System.out.println("dd to the root disk with --limit-disk-write 10MB: " + rate.group(2) + " MB/s");
            assertThat(Double.parseDouble(rate.group(2))).isBetween(5.0, 11.0);

            assertThat(r.out()).containsPattern("big=[1-9]");

            Result list = box.run("list", "--format", "json");
            assertThat(list.out()).as(list.toString()).contains("\"limits\"", "\"processes\" : \"300\"", "\"memory\" : \"256MiB\"",
                    "\"disk_write\" : \"10MB\"", "\"disk_size\" : \"600MiB\"");
        }
    }

    @Test
    void reducedKernelSurfaceDeniesItsSyscallsWithEperm() throws Exception {
        try (Sandbox box = new Sandbox()) {
            // io_uring_setup, bpf, userfaultfd, keyctl, add_key, perf_event_open on x86_64
            String probe = "sudo perl -e 'for my $n (425, 321, 323, 250, 248, 298) { syscall($n, 0, 0, 0, 0, 0); print \"$n=\", $!+0, \" \" }'";
            Result plain = box.run("run", probe);
            Path config = Files.writeString(box.root.resolve("reduced.toml"), "[security]\nreduce_kernel_surface = true\n");
            Result reduced = box.coi().env("COI_CONFIG", config.toString()).run("run", probe);

            System.out.println("errno without / with reduce_kernel_surface: " + plain.out().trim() + " / " + reduced.out().trim());
            assertThat(reduced.out().trim()).as(reduced.toString()).isEqualTo("425=1 321=1 323=1 250=1 248=1 298=1");
            assertThat(plain.out()).as(plain.toString()).doesNotContain("250=1 ").doesNotContain("425=1 ");
        }
    }

    private static long hostShell() throws Exception {
        long t = System.nanoTime();
        new ProcessBuilder("sh", "-c", "true").start().waitFor();
        return System.nanoTime() - t;
    }

    private static Map<String, String> snapshot(Path ws) throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(ws)) {
            for (Path p : walk.filter(p -> !p.equals(ws)).toList()) {
                files.put(ws.relativize(p).toString(), Files.isDirectory(p) ? "dir" : sha256(Files.readString(p)));
            }
        }
        return files;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
