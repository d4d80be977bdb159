package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.testing.TestIncus;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Can exec output be lost? The command starts only once all four websockets are connected, the
 * client reads each output stream to the daemon's end marker before it asks for the exit code,
 * and a stream that ends any other way is an error (ExecTest). This drives the real daemon in the
 * situation of the one empty-output report (exec right after launch) and under CPU load with
 * parallel execs, and checks every byte of every output.
 */
@Tag("incus")
class ExecStreamIT {
    static final int PARALLEL = 4, ROUNDS = 40;

    @Test
    void execRightAfterLaunchSeesAllItsOutput() {
        try (IncusClient incus = TestIncus.client()) {
            for (int i = 0; i < 3; i++) {
                String name = TestIncus.name("exec-launch");
                try {
                    incus.createInstance(InstanceSpec.of(name, TestIncus.baseImage()).withStart(true));
                    Model.ExecResult r = incus.execCapture(name, ExecRequest.of("echo", "test output"));
                    assertThat(r.exitCode()).isZero();
                    assertThat(r.out()).isEqualTo("test output\n");
                } finally {
                    Retries.delete(incus, name);
                }
            }
        }
    }

    @Test
    void aRecordedExecReturnsTheExitCodeAndOnFailureItsOutputAndLeavesNoLog() throws Exception {
        try (IncusClient incus = TestIncus.client()) {
            String name = TestIncus.name("exec-recorded");
            try {
                incus.createInstance(InstanceSpec.of(name, TestIncus.baseImage()).withStart(true));
                Model.ExecResult ok = incus.execRecorded(name, ExecRequest.of("sh", "-c", "echo fine"));
                assertThat(ok.exitCode()).isZero();
                Model.ExecResult failed = incus.execRecorded(name, ExecRequest.of("sh", "-c", "echo out; echo err >&2; exit 3"));
                assertThat(failed.exitCode()).isEqualTo(3);
                assertThat(failed.out()).isEqualTo("out\n");
                assertThat(failed.err()).isEqualTo("err\n");
                Model.ExecResult missing = incus.execRecorded(name, ExecRequest.of("no-such-command"));
                assertThat(missing.exitCode()).isEqualTo(127);
                Process logs = new ProcessBuilder("incus", "query", "/1.0/instances/" + name + "/logs/exec-output").start();
                String left = new String(logs.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(logs.waitFor()).isZero();
                assertThat(left).as("the recorded outputs were removed").doesNotContain("exec_");
            } finally {
                Retries.delete(incus, name);
            }
        }
    }

    /**
     * The host's looks into a container the agent controls: a command that floods its output, or never ends, is given up
     * within the bounds (and its output not held beyond them); one that behaves is read as {@code execCapture} reads it.
     */
    @Test
    void aBoundedExecGivesUpOnAFloodAndOnACommandThatNeverEnds() {
        try (IncusClient incus = TestIncus.client()) {
            String name = TestIncus.name("exec-bounded");
            try {
                incus.createInstance(InstanceSpec.of(name, TestIncus.baseImage()).withStart(true));
                Model.ExecResult ok = incus.execCaptureBounded(name, ExecRequest.of("sh", "-c", "echo out; echo err >&2; exit 3"), 64, 10);
                assertThat(ok.exitCode()).isEqualTo(3);
                assertThat(ok.out()).isEqualTo("out\n");
                assertThat(ok.err()).isEqualTo("err\n");
                assertThat(incus.execCaptureBounded(name, ExecRequest.of("no-such-command"), 64, 10).exitCode()).isEqualTo(127);

                long t0 = System.nanoTime();
                assertThatThrownBy(() -> incus.execCaptureBounded(name, ExecRequest.of("yes", "flood"), 65536, 30))
                        .isInstanceOf(IncusException.GivenUp.class).hasMessageContaining("wrote more than 65536 bytes");
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).as("a flood is given up at its limit, not at the deadline")
                        .isLessThan(java.time.Duration.ofSeconds(10));
                // a flood on stderr while stdout stays open
                assertThatThrownBy(() -> incus.execCaptureBounded(name, ExecRequest.of("sh", "-c", "yes flood >&2"), 65536, 30))
                        .isInstanceOf(IncusException.GivenUp.class).hasMessageContaining("wrote more than");

                t0 = System.nanoTime();
                assertThatThrownBy(() -> incus.execCaptureBounded(name, ExecRequest.of("sleep", "600"), 64, 2))
                        .isInstanceOf(IncusException.GivenUp.class).hasMessageContaining("did not end within 2 s");
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isBetween(java.time.Duration.ofMillis(1900),
                        java.time.Duration.ofSeconds(8));
                // output closed early, the command lives on: its end is waited for within the bound too
                assertThatThrownBy(() -> incus.execCaptureBounded(name, ExecRequest.of("sh", "-c", "exec >&- 2>&-; sleep 600"), 64, 2))
                        .isInstanceOf(IncusException.GivenUp.class).hasMessageContaining("did not end within 2 s");
                assertThat(incus.execCaptureBounded(name, ExecRequest.of("echo", "after"), 64, 10).out()).isEqualTo("after\n");
            } finally {
                Retries.delete(incus, name);
            }
        }
    }

    @Test
    void underCpuLoadEveryParallelExecDeliversEveryByte() throws Exception {
        String name = TestIncus.name("exec-load");
        AtomicBoolean loaded = new AtomicBoolean(true);
        List<Thread> burners = new ArrayList<>();
        try (IncusClient incus = TestIncus.client(); ExecutorService pool = Executors.newFixedThreadPool(PARALLEL)) {
            incus.createInstance(InstanceSpec.of(name, TestIncus.baseImage()).withStart(true));
            for (int i = 0; i < 2; i++) {
                Thread t = new Thread(() -> { long x = 0; while (loaded.get()) x += System.nanoTime() % 7; }, "cpu-burner");
                t.setDaemon(true);
                t.start();
                burners.add(t);
            }
            // small outputs in the same frame as the exit, and a large one spread over many frames
            String big = "f=$(mktemp -p /root) && head -c 3000000 /dev/urandom > $f && sha256sum $f | cut -c1-64 >&2 && cat $f && rm $f";
            List<Future<String>> results = new ArrayList<>();
            long started = System.nanoTime();
            for (int round = 0; round < ROUNDS; round++) {
                final int n = round;
                results.add(pool.submit(() -> {
                    Model.ExecResult small = incus.execCapture(name, ExecRequest.of("echo", "test output " + n));
                    if (small.exitCode() != 0 || !small.out().equals("test output " + n + "\n")) return "round " + n + ": " + small.out();
                    if (n % 8 != 0) return null;
                    Model.ExecResult large = incus.execCapture(name, ExecRequest.of("sh", "-c", big));
                    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(large.stdout()));
                    if (large.exitCode() != 0 || large.stdout().length != 3_000_000 || !large.err().trim().equals(sha)) {
                        return "round " + n + ": large output " + large.stdout().length + " bytes, sha " + sha + " vs " + large.err().trim();
                    }
                    return null;
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<String> f : results) if (f.get() != null) failures.add(f.get());
            System.out.printf("[figures] %d execs (%d with 3 MB) in %d ms under load, %d parallel%n", ROUNDS, ROUNDS / 8,
                    (System.nanoTime() - started) / 1_000_000, PARALLEL);
            assertThat(failures).isEmpty();
        } finally {
            loaded.set(false);
            for (Thread t : burners) t.join();
            try (IncusClient incus = TestIncus.client()) {
                Retries.delete(incus, name);
            }
        }
    }
}
