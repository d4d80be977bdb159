package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.testing.CoiProcess;
import coi.testing.CoiProcess.Result;
import coi.testing.Quotas;
import coi.testing.TestIncus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `bin/coi container ...` and `bin/coi file ...` as a user runs them, against the real daemon. */
@Tag("incus")
class ContainerCliIT {
    static final String NAME = TestIncus.name("cli");

    static Result coi(String... args) {
        return new CoiProcess().run(args);
    }

    @BeforeAll
    static void launch() {
        Result r = coi("container", "launch", TestIncus.baseImage(), NAME);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @AfterAll
    static void delete() {
        Result r = coi("container", "delete", NAME, "--force");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(coi("container", "exists", NAME).exitCode()).isEqualTo(1);
    }

    @Test
    void existsAndRunningAnswerWithExitCodes() {
        assertThat(coi("container", "exists", NAME).exitCode()).isZero();
        assertThat(coi("container", "running", NAME).exitCode()).isZero();
        assertThat(coi("container", "exists", "coitest-nothing-here").exitCode()).isEqualTo(1);
        assertThat(coi("container", "running", "coitest-nothing-here").exitCode()).isEqualTo(1);
    }

    /**
     * The quick paths start with their own AOT cache (bin/coi), and a class it lacks is read from the
     * jar: the jar opened, the class verified, or a class spun at run time (a pattern switch, a
     * Comparator combinator), milliseconds of a command whose whole budget is tens of them
     * (bench/startup). Against the real daemon: every class these commands load comes from the cache.
     */
    @Test
    void theQuickPathsLoadEveryClassFromTheirCache(@TempDir Path tmp) throws Exception {
        String[][] commands = {{"container", "exists", NAME}, {"container", "running", "coitest-nothing-here"}, {"list"},
                {"list", "--all", "--format", "json"}, {"list", "--format=json"}};
        for (String[] command : commands) {
            Path log = tmp.resolve("classes-" + String.join("-", command).replace("=", "-") + ".log");
            Result r = new CoiProcess().env("HOME", tmp.toString()).env("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + log).in(tmp).run(command);
            assertThat(r.exitCode()).as(r.toString()).isLessThanOrEqualTo(1);
            java.util.List<String> loads = Files.readAllLines(log);
            // but one JDK class that the cache's dump leaves out (read from the JDK's module image: no jar opened)
            assertThat(loads).as("classes loaded by coi %s", String.join(" ", command)).hasSizeGreaterThan(1000)
                    .allMatch(line -> line.endsWith("source: shared objects file") || line.endsWith("java.lang.invoke.DirectMethodHandle$1 source: jrt:/java.base"));
        }
    }

    @Test
    void execReturnsTheCommandsExitCodeAndStreamsOutput() {
        for (int code : new int[] {0, 1, 42}) {
            Result r = coi("container", "exec", NAME, "--", "sh", "-c", "echo out-" + code + "; echo err >&2; exit " + code);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
            assertThat(r.out()).isEqualTo("out-" + code + "\n");
            assertThat(r.err()).isEqualTo("err\n");
        }
        Result raw = coi("container", "exec", NAME, "--capture", "--format", "raw", "--", "sh", "-c", "printf raw; exit 7");
        assertThat(raw.exitCode()).isEqualTo(7);
        assertThat(raw.out()).isEqualTo("raw");
        Result json = coi("container", "exec", NAME, "--capture", "--user", "1000", "--cwd", "/home/code", "--env", "X=1 2",
                "--", "sh", "-c", "echo $X; id -un; pwd; exit 3");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        assertThat(json.out()).contains("\"stdout\" : \"1 2\\ncode\\n/home/code\\n\"", "\"exit_code\" : 3");
        // the original's default folder: /workspace, or / where a container has none (Incus' own fallback)
        assertThat(coi("container", "exec", NAME, "--cwd", "/", "--", "rm", "-rf", "/workspace").exitCode()).isZero();
        assertThat(coi("container", "exec", NAME, "--", "pwd").out()).isEqualTo("/\n");
        assertThat(coi("container", "exec", NAME, "--cwd", "/", "--", "mkdir", "/workspace").exitCode()).isZero();
        assertThat(coi("container", "exec", NAME, "--", "pwd").out()).isEqualTo("/workspace\n");
        Result piped = new CoiProcess().stdin("line one\nline two\n").run("container", "exec", NAME, "--", "wc", "-l");
        assertThat(piped.out().trim()).isEqualTo("2");
        Result notFound = coi("container", "exec", NAME, "--", "no-such-command");
        assertThat(notFound.exitCode()).as("like incus exec and a shell").isEqualTo(127);
        assertThat(notFound.err()).isEqualTo("no-such-command: command not found\n");
        Result notExecutable = coi("container", "exec", NAME, "--", "/etc");
        assertThat(notExecutable.exitCode()).isEqualTo(126);
        assertThat(notExecutable.err()).isEqualTo("/etc: command not executable\n");
    }

    @Test
    void filePushAndPullBehaveLikeCp(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("my project");
        Files.createDirectories(tree.resolve("src"));
        byte[] binary = new byte[12345];
        new Random(1).nextBytes(binary);
        Files.write(tree.resolve("src/data.bin"), binary);
        Files.writeString(tree.resolve("tool.sh"), "#!/bin/sh\necho tool\n");
        Files.setPosixFilePermissions(tree.resolve("tool.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));

        Result pushed = coi("file", "push", "-r", tree.toString(), NAME + ":/root/");
        assertThat(pushed.exitCode()).isZero();
        assertThat(pushed.out()).as("the original's confirmation").isEqualTo("Pushed directory " + tree + " -> " + NAME + ":/root/\n");
        assertThat(coi("file", "push", "-q", tree.resolve("tool.sh").toString(), NAME + ":/root/quiet.sh").out()).as("-q").isEmpty();
        Result inside = coi("container", "exec", NAME, "--", "sh", "-c", "'/root/my project/tool.sh' && stat -c %a '/root/my project/tool.sh'");
        assertThat(inside.out()).isEqualTo("tool\n755\n");

        Path back = tmp.resolve("back");
        Files.createDirectories(back);
        Result pulled = coi("file", "pull", "-r", NAME + ":/root/my project", back.toString());
        assertThat(pulled.exitCode()).isZero();
        assertThat(pulled.out()).isEqualTo("Pulled directory " + NAME + ":/root/my project -> " + back + "\n");
        assertThat(Files.readAllBytes(back.resolve("my project/src/data.bin"))).isEqualTo(binary);
        assertThat(Files.isExecutable(back.resolve("my project/tool.sh"))).isTrue();

        Path single = tmp.resolve("single.txt");
        Files.writeString(single, "one file");
        assertThat(coi("file", "push", single.toString(), NAME + ":/root/renamed.txt").exitCode()).isZero();
        assertThat(coi("file", "pull", NAME + ":/root/renamed.txt", back.toString()).exitCode()).isZero();
        assertThat(Files.readString(back.resolve("renamed.txt"))).isEqualTo("one file");

        // a sparse file the agent made claims a terabyte: the pull stops at --max-size (10GiB unless given) and keeps nothing of it
        assertThat(coi("container", "exec", NAME, "--", "truncate", "-s", "1T", "/root/sparse").exitCode()).isZero();
        Result huge = coi("file", "pull", "--max-size", "1MiB", NAME + ":/root/sparse", back.toString());
        assertThat(huge.exitCode()).as(huge.toString()).isEqualTo(1);
        assertThat(huge.err()).contains("more than 1048576 bytes (--max-size) at /root/sparse in " + NAME, "give a larger --max-size")
                .doesNotContain("\tat ");
        try (var left = Files.list(back)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("nothing of it, not even a temporary file")
                    .containsExactlyInAnyOrder("my project", "renamed.txt");
        }
        expectError(2, "--max-size must be a size like 500MiB", coi("file", "pull", "--max-size", "lots", NAME + ":/root/sparse", back.toString()));
    }

    @Test
    void mountAddsAHostDirectory(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("hello.txt"), "mounted");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Result r = coi("container", "mount", NAME, "data", tmp.toString(), "/mnt/data", "--readonly");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(coi("container", "exec", NAME, "--", "cat", "/mnt/data/hello.txt").out()).isEqualTo("mounted");
        assertThat(coi("container", "exec", NAME, "--", "touch", "/mnt/data/x").exitCode()).isNotZero();
        assertThat(coi("container", "exec", NAME, "--", "stat", "-c", "%u", "/mnt/data/hello.txt").out())
                .as("shifted by default: the host's root owns it inside too").isEqualTo("0\n");
        assertThat(coi("container", "mount", NAME, "unshifted", tmp.toString(), "/mnt/raw", "--shift=false").exitCode()).isZero();
        assertThat(coi("container", "exec", NAME, "--", "stat", "-c", "%u", "/mnt/raw/hello.txt").out())
                .as("--shift=false: host ids outside the container's map show as nobody").isEqualTo("65534\n");
        Result again = coi("container", "mount", NAME, "data", tmp.toString(), "/mnt/other");
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already has a device named data");
    }

    @Test
    void stopAndStart() {
        String other = TestIncus.name("cli-state");
        assertThat(coi("container", "launch", TestIncus.baseImage(), other, "--ephemeral").exitCode()).isZero();
        assertThat(coi("container", "stop", other, "--force").exitCode()).isZero();
        assertThat(coi("container", "exists", other).exitCode()).as("ephemeral containers vanish when stopped").isEqualTo(1);
        assertThat(coi("container", "launch", TestIncus.baseImage(), other).exitCode()).isZero();
        assertThat(coi("container", "stop", other, "--force").exitCode()).isZero();
        assertThat(coi("container", "running", other).exitCode()).isEqualTo(1);
        assertThat(coi("container", "start", other).exitCode()).isZero();
        assertThat(coi("container", "running", other).exitCode()).isZero();
        Result refused = coi("container", "delete", other);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("is running", "--force");
        assertThat(coi("container", "delete", other, "--force").exitCode()).isZero();
    }

    @Test
    void badInputGetsOneClearLineAndTheRightExitCode(@TempDir Path tmp) {
        expectError(2, "Unmatched argument", coi("frobnicate"));
        expectError(2, "Unknown option: '--bogus'", coi("container", "exec", NAME, "--bogus", "--", "true"));
        expectError(2, "--format needs --capture", coi("container", "exec", NAME, "--format", "json", "--", "true"));
        expectError(2, "is not CONTAINER:PATH", coi("file", "pull", "no-colon-here", tmp.toString()));
        expectError(2, "must be absolute", coi("file", "pull", NAME + ":relative/path", tmp.toString()));
        expectError(2, "does not exist", coi("file", "push", tmp.resolve("missing.txt").toString(), NAME + ":/root/"));
        expectError(1, "container coitest-missing not found", coi("container", "exec", "coitest-missing", "--", "true"));
        expectError(1, "container coitest-missing not found", coi("file", "pull", "coitest-missing:/etc/hostname", tmp.toString()));
        expectError(1, "image 'coitest-no-image' not found", coi("container", "launch", "coitest-no-image", TestIncus.name("x")));
        expectError(1, "Incus is not reachable at /tmp/coitest-no-daemon.sock",
                new CoiProcess().env("COI_INCUS_SOCKET", "/tmp/coitest-no-daemon.sock").run("container", "exists", "x"));
        expectError(2, "invalid container name", coi("container", "launch", TestIncus.baseImage(), "bad_name!"));
    }

    @Test
    void debugShowsTheStackTrace() {
        Result r = new CoiProcess().env("COI_INCUS_SOCKET", "/tmp/coitest-no-daemon.sock").run("--debug", "container", "exists", "x");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("IncusException$Unreachable", "\tat ");
    }

    @Test
    void healthIsUnhealthyWhenNothingListens() {
        Result r = new CoiProcess().env("COI_INCUS_SOCKET", "/tmp/coitest-no-daemon.sock").run("health", "--format", "json");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).contains("\"status\" : \"unhealthy\"", "not reachable");
        Quotas.consistent();
        Result ok = coi("health", "--verbose");
        assertThat(ok.exitCode()).as(ok.toString()).isIn(0, 1);
        assertThat(ok.out()).contains("incus", "storage", "network", "idmapped-mounts");
        // this machine's kernel (Debian's) has kcmp
        assertThat(ok.out()).contains("ok   monitor-threads  kcmp: the monitor tells which threads share a descriptor table");
        // this machine's pool is btrfs, and root may ask it (its quota groups made consistent above); on a
        // fresh machine no test has limited a disk yet, and Incus turns the quotas on only with the first limit
        assertThat(ok.out()).containsAnyOf("ok   disk-quotas      btrfs quota groups of pool default consistent",
                "ok   disk-quotas      btrfs quotas of pool default are off: Incus turns them on with the first disk size limit");
    }

    @Test
    void snapshotsCreateListRestoreDeleteAndResumeThaws() {
        String c = TestIncus.name("snap");
        assertThat(coi("container", "launch", TestIncus.baseImage(), c).exitCode()).isZero();
        try {
            snapshotsAndResume(c);
        } finally {
            coi("container", "delete", c, "--force");
        }
    }

    private static void snapshotsAndResume(String container) {
        assertThat(coi("container", "exec", container, "--", "sh", "-c", "echo before > /root/state").exitCode()).isZero();
        Result created = coi("snapshot", "create", container, "clean-state");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(coi("snapshot", "create", container, "clean-state").err()).contains("already has a snapshot clean-state");
        assertThat(coi("container", "exec", container, "--", "sh", "-c", "echo after > /root/state").exitCode()).isZero();
        assertThat(coi("snapshot", "list", container, "--format", "json").out()).contains("\"name\" : \"clean-state\"");
        Result restored = coi("snapshot", "restore", container, "clean-state");
        assertThat(restored.exitCode()).as(restored.toString()).isZero();
        assertThat(coi("container", "start", container).exitCode()).isZero();
        assertThat(coi("container", "exec", container, "--", "cat", "/root/state").out()).isEqualTo("before\n");
        assertThat(coi("snapshot", "delete", container, "clean-state").exitCode()).isZero();
        expectError(1, "has no snapshot clean-state", coi("snapshot", "restore", container, "clean-state"));

        try (var incus = TestIncus.client()) {
            incus.freeze(container);
            Result resumed = coi("resume", container);
            assertThat(resumed.out()).contains("resumed " + container);
            assertThat(incus.instance(container).running()).isTrue();
        }
        assertThat(coi("resume", container).out()).contains("is not frozen");
    }

    static void expectError(int code, String message, Result r) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
        assertThat(r.err()).as(r.toString()).contains(message).doesNotContain("\tat ").startsWith("coi: ");
    }
}
