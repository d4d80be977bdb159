package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.testing.CoiProcess;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** `coi run` and workspace ownership, driving bin/coi against the real daemon. */
@Tag("incus")
class RunE2EIT {

    @Test
    void runReturnsTheCommandsExitCodeAsCodeInWorkspaceWithEnv() throws InterruptedException {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            for (int code : new int[] {0, 1, 42}) {
                Result r = box.run("run", "exit " + code);
                assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
            }
            Result who = box.run("run", "--env", "GREETING=hi there", "--", "sh", "-c", "id -un; id -u; pwd; echo \"$GREETING\"");
            assertThat(who.exitCode()).isZero();
            assertThat(who.out()).isEqualTo("code\n1000\n/workspace\nhi there\n");
            Result pipes = box.run("run", "printf 'a\\nb\\nc\\n' | wc -l\nfor i in 1 2; do echo line$i; done");
            assertThat(pipes.out()).isEqualTo("3\nline1\nline2\n");
            Result stderr = box.run("run", "echo to-err >&2; exit 3");
            assertThat(stderr.exitCode()).isEqualTo(3);
            assertThat(stderr.err()).contains("to-err");
            // the original's captured forms: JSON (coi exits 0, the code is in it) and collected text (coi exits with the code)
            Result json = box.run("run", "--format", "json", "echo out; echo to-err >&2; exit 3");
            assertThat(json.exitCode()).as(json.toString()).isZero();
            assertThat(json.out()).as(json.toString()).isEqualTo("{\n  \"stdout\" : \"out\\n\",\n  \"stderr\" : \"to-err\\n\",\n  \"exit_code\" : 3\n}\n");
            Result captured = box.run("run", "--capture", "echo out; echo to-err >&2; exit 4");
            assertThat(captured.exitCode()).as(captured.toString()).isEqualTo(4);
            assertThat(captured.out()).isEqualTo("out\n");
            assertThat(captured.err()).contains("to-err");
            // coi returns with the command's code; Incus finishes removing the ephemeral container right after
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline && incus.instances().stream().anyMatch(i -> i.name().startsWith(box.container(1).replaceAll("-1$", "-")))) {
                Thread.sleep(100);
            }
            assertThat(incus.instances()).noneMatch(i -> i.name().startsWith(box.container(1).replaceAll("-1$", "-")));
        }
    }

    @Test
    void runStreamsOutputAndForwardsStdin() {
        try (Sandbox box = new Sandbox()) {
            Result r = box.coi().stdin("one\ntwo\n").run("run", "--", "sort", "-r");
            assertThat(r.out()).isEqualTo("two\none\n");
        }
    }

    /** The original's spellings end to end: a session flag before the command is its, `-e A=1,B=2` is two variables, `-e P=a,b` one. */
    @Test
    void flagsBeforeTheCommandAndACommaListOfVariablesReachTheContainer() {
        try (Sandbox box = new Sandbox()) {
            Result r = box.run("-e", "A=1,B=2", "--env", "P=a,b", "run", "echo \"$A|$B|$P\"");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).isEqualTo("1|2|a,b\n");
        }
    }

    @Test
    void workspaceFilesKeepTheInvokingUsersOwnershipBothWays() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path hostFile = box.workspace.resolve("from host.txt");
            Files.writeString(hostFile, "host\n");
            Result r = box.run("run", "stat -c %u \"from host.txt\" && echo more >> \"from host.txt\" && mkdir sub && echo new > sub/made.txt");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).as("the invoking user's files are code's inside").isEqualTo("1000\n");
            assertThat(Files.readString(hostFile)).isEqualTo("host\nmore\n");
            int me = (Integer) Files.getAttribute(box.workspace, "unix:uid");
            assertThat((Integer) Files.getAttribute(box.workspace.resolve("sub/made.txt"), "unix:uid"))
                    .as("files the agent makes belong to the invoking user").isEqualTo(me);
        }
    }

    @Test
    void aHostUserWithUid1000IsMappedOntoCodeAndRootInsideOwnsNothingOfTheHosts() throws Exception {
        try (Sandbox box = new Sandbox()) {
            int incusAdmin = (Integer) Files.getAttribute(Path.of("/var/lib/incus/unix.socket"), "unix:gid");
            chownTree(box.root, 1000, 1000);
            Files.setPosixFilePermissions(box.root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path hostFile = box.workspace.resolve("mine.txt");
            Files.writeString(hostFile, "1000's file\n");
            chownTree(hostFile, 1000, 1000);

            CoiProcess asUser = box.coi();
            Result plan = asUser.run("run", "--dry-run", "true");
            // raw.idmap maps uid 1000 onto code only where root holds it (newuidmap): without it, a clear error before anything
            // is made; `sudo coi setup` (SUDO_UID/SUDO_GID 1000) adds it
            try (coi.testing.SubIdFiles ids = new coi.testing.SubIdFiles()) {
                ids.withoutUid1000();
                Result refused = runAs(1000, 1000, incusAdmin, box, "run", "--network", "open", "true");
                assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
                assertThat(refused.err()).contains("your uid 1000 and gid 1000 are not delegated to root", "`sudo coi setup` adds root:1000:1");
                assertThat(box.run("list").out()).as("nothing was made").contains("(none)");
                ids.setUpFor1000(box);
                ownedByTheUserAndNotByRootInside(box, incusAdmin, plan);
            }
        }
    }

    /** As uid 1000 (delegated to root): its files are code's inside and the agent's are its on the host; root's inside are no one's. */
    private static void ownedByTheUserAndNotByRootInside(Sandbox box, int incusAdmin, Result plan) throws Exception {
        // --network open: this test is about ownership; a non-root fence needs sudo and a passwd entry
        Result r = runAs(1000, 1000, incusAdmin, box, "run", "--network", "open", "stat -c %u mine.txt; echo agent > made.txt; cat mine.txt");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("1000\n1000's file\n");
        assertThat((Integer) Files.getAttribute(box.workspace.resolve("made.txt"), "unix:uid")).isEqualTo(1000);
        // the attack: root inside (code's passwordless sudo) leaves a setuid program in the workspace for the host to run
        Result planted = runAs(1000, 1000, incusAdmin, box, "run", "--network", "open",
                "sudo sh -c 'cp /bin/sh /workspace/rootsh && chmod 4755 /workspace/rootsh && stat -c %u:%A /workspace/rootsh'");
        assertThat(planted.exitCode()).as(planted.toString()).isZero();
        assertThat(planted.out()).as("inside it is root's and setuid").isEqualTo("0:-rwsr-xr-x\n");
        Path rootsh = box.workspace.resolve("rootsh");
        assertThat((Integer) Files.getAttribute(rootsh, "unix:uid")).as("on the host it is no one's who matters: not root's, not the user's")
                .isNotIn(0, 1000).isGreaterThanOrEqualTo(100000);
        Result dry = runAs(1000, 1000, incusAdmin, box, "run", "--network", "open", "--dry-run", "true");
        assertThat(dry.out()).as(dry.toString()).contains("(raw.idmap 1000:1000->1000)");
        assertThat(plan.out()).as("root, too: raw.idmap").contains("raw.idmap 0:0->1000");
    }

    @Test
    void badInputIsRefusedClearly() throws Exception {
        try (Sandbox box = new Sandbox()) {
            expect(box.run("shell", "--slot", "11"), 2, "slot 11 is out of range");
            expect(box.run("run", "--slot=-1", "true"), 2, "slot -1 is out of range");
            expect(box.run("run", "--timeout", "0", "true"), 2, "--timeout must be a number of seconds above 0");
            expect(box.run("run", "--timeout", "5", "--limit-duration", "1m", "true"), 2, "--timeout is another name of --limit-duration");
            expect(box.run("shell", "--workspace", box.root.resolve("missing").toString()), 2, "does not exist");
            expect(box.run("shell", "--resume", "no-such-id"), 1, "unknown session id no-such-id");
            expect(box.run("shell", "--resume"), 1, "no saved fake session");
            expect(box.coi().env("COI_IMAGE", "coitest-missing-image").run("run", "true"), 1, "image 'coitest-missing-image' not found");
            expect(box.run("shell", "--tool", "nope"), 2, "--tool must be one of claude, opencode, codex, aider");
            expect(box.run("run"), 2, "Missing required parameter");

            Path elsewhere = Files.createDirectories(box.root.resolve("another project"));
            Result started = box.run("shell", "--detach", "--workspace", elsewhere.toString());
            assertThat(started.exitCode()).as(started.toString()).isZero();
            try {
                String foreign = box.sessionDirs().getFirst().getFileName().toString();
                expect(box.run("shell", "--resume", foreign), 2, "belongs to workspace " + elsewhere);
            } finally {
                String name = started.out().replaceAll("(?s).*started (\\S+) .*", "$1");
                assertThat(box.run("kill", name).exitCode()).isZero();
            }

            Files.writeString(box.workspace.resolve(".coi.toml"), "[defaults]\npersistant = true\n");
            expect(box.run("run", "true"), 2, ".coi.toml:2:1: unknown key 'persistant'");
        }
    }

    @Test
    void twoShellsRacingForASlotGetDifferentSlots() throws Exception {
        try (Sandbox box = new Sandbox()) {
            var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> box.run("shell", "--detach"));
            var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> box.run("shell", "--detach"));
            Result a = first.get(), b = second.get();
            assertThat(a.exitCode()).as(a.toString()).isZero();
            assertThat(b.exitCode()).as(b.toString()).isZero();
            assertThat(a.out() + b.out()).contains(box.container(1), box.container(2));
        }
    }

    @Test
    void interruptedLaunchLeavesNothingBehindOrCleanRemovesIt() throws Exception {
        try (Sandbox box = new Sandbox(); IncusClient incus = TestIncus.client()) {
            ProcessBuilder pb = new ProcessBuilder(CoiProcess.launcher().toString(), "run", "sleep 30").directory(box.workspace.toFile());
            box.env().forEach(pb.environment()::put);
            Process p = pb.redirectErrorStream(true).start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline && !incus.instanceExists(box.container(1))) Thread.sleep(50);
            assertThat(incus.instanceExists(box.container(1))).as("the run started its container").isTrue();
            p.toHandle().destroy();
            p.waitFor();
            Thread.sleep(500);
            if (incus.instanceExists(box.container(1))) {
                Result clean = box.run("clean", "--force");
                assertThat(clean.exitCode()).as(clean.toString()).isZero();
            }
            assertThat(incus.instanceExists(box.container(1))).isFalse();

            ProcessBuilder killed = new ProcessBuilder(CoiProcess.launcher().toString(), "run", "sleep 60").directory(box.workspace.toFile());
            box.env().forEach(killed.environment()::put);
            Process k = killed.redirectErrorStream(true).start();
            deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline && !incus.instanceExists(box.container(1))) Thread.sleep(50);
            k.toHandle().destroyForcibly();
            k.waitFor();
            assertThat(incus.instanceExists(box.container(1))).as("SIGKILL leaves the container running").isTrue();
            Result clean = box.run("clean", "--force");
            assertThat(clean.out()).as(clean.toString()).contains("removed " + box.container(1));
            assertThat(incus.instanceExists(box.container(1))).isFalse();
        }
    }

    @Test
    void sshAgentIsForwardedAsASocketOnRequest() throws Exception {
        try (Sandbox box = new Sandbox()) {
            Path sock = box.root.resolve("agent.sock");
            Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString()).redirectErrorStream(true).start();
            try {
                for (int i = 0; i < 50 && !Files.exists(sock); i++) Thread.sleep(100);
                // SSH_AGENTC_REQUEST_IDENTITIES (11) must be answered with SSH_AGENT_IDENTITIES_ANSWER (12)
                String ask = "python3 -c \"import os,socket; s=socket.socket(socket.AF_UNIX); s.connect(os.environ['SSH_AUTH_SOCK']);"
                        + " s.sendall(bytes([0,0,0,1,11])); print('agent answered', s.recv(5)[4])\"";
                Result forwarded = box.coi().env("SSH_AUTH_SOCK", sock.toString()).run("run", "--ssh-agent", ask);
                assertThat(forwarded.exitCode()).as(forwarded.toString()).isZero();
                assertThat(forwarded.out()).contains("agent answered 12");
                Result notAsked = box.coi().env("SSH_AUTH_SOCK", sock.toString()).run("run", "test -z \"$SSH_AUTH_SOCK\" && echo no-agent");
                assertThat(notAsked.out()).as("nothing of the host comes in unless asked").contains("no-agent");
                expect(box.coi().env("SSH_AUTH_SOCK", "").run("run", "--ssh-agent", "true"), 2, "SSH_AUTH_SOCK is not set");
            } finally {
                agent.destroy();
                agent.waitFor();
            }
        }
    }

    static void expect(Result r, int code, String message) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
        assertThat(r.err()).as(r.toString()).contains(message).doesNotContain("\tat ");
    }

    /**
     * Runs bin/coi as another user. The checkout may sit where that user cannot read (e.g. under
     * /root), so a copy of the launcher and the built jars goes into the sandbox first.
     */
    static Result runAs(int uid, int gid, int group, Sandbox box, String... args) {
        Path install = box.root.resolve("coi-install");
        try {
            if (!Files.exists(install)) {
                Files.createDirectories(install.resolve("bin"));
                Files.createDirectories(install.resolve("target/lib"));
                Path home = CoiProcess.home();
                Files.copy(home.resolve("bin/coi"), install.resolve("bin/coi"));
                for (String f : new String[] {"coi.jar", "coi.aot"}) {
                    if (Files.exists(home.resolve("target/" + f))) Files.copy(home.resolve("target/" + f), install.resolve("target/" + f));
                }
                try (var libs = Files.list(home.resolve("target/lib"))) {
                    for (Path lib : libs.toList()) Files.copy(lib, install.resolve("target/lib").resolve(lib.getFileName()));
                }
                try (var walk = Files.walk(install)) {
                    for (Path p : walk.toList()) {
                        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) || p.endsWith("coi") ? "rwxr-xr-x" : "rw-r--r--"));
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        String[] cmd = new String[args.length + 5];
        cmd[0] = "setpriv";
        cmd[1] = "--reuid=" + uid;
        cmd[2] = "--regid=" + gid;
        cmd[3] = "--groups=" + group;
        cmd[4] = install.resolve("bin/coi").toString();
        System.arraycopy(args, 0, cmd, 5, args.length);
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(box.workspace.toFile());
            box.env().forEach(pb.environment()::put);
            pb.environment().put("PWD", box.workspace.toString());
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            return new Result(p.waitFor(), out.join(), err.join());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes());
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static void chownTree(Path root, int uid, int gid) throws Exception {
        UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
        try (var walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                Files.setAttribute(p, "unix:uid", uid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", gid, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
        assertThat(lookup).isNotNull();
        assertThat(Files.getFileAttributeView(root, PosixFileAttributeView.class)).isNotNull();
    }
}
