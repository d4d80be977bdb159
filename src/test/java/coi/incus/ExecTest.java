package coi.incus;

import static coi.incus.FakeIncus.WsPeer.BINARY;
import static coi.incus.FakeIncus.WsPeer.CLOSE;
import static coi.incus.FakeIncus.async;
import static coi.incus.FakeIncus.operationEnded;
import static coi.incus.FakeIncus.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.incus.FakeIncus.Request;
import coi.incus.FakeIncus.WsPeer;
import coi.incus.FakeIncus.WsPeer.Frame;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** exec: one operation, four websockets (control, stdin, stdout, stderr), the exit code from /wait. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExecTest extends FakeIncusTest {
    private static final String FDS = "{\"fds\":{\"control\":\"s-ctl\",\"0\":\"s-in\",\"1\":\"s-out\",\"2\":\"s-err\"}}";

    @BeforeEach
    void script() {
        fake.on("POST /1.0/instances/c1/exec", async("ex1", FDS));
        for (String secret : List.of("s-ctl", "s-in", "s-out", "s-err")) {
            fake.on("GET /1.0/operations/ex1/websocket?secret=" + secret, fake.upgrade());
        }
    }

    @Test
    void streamsStdinStdoutStderrAndReturnsTheExitCode() throws Exception {
        fake.on("GET /1.0/operations/ex1/wait?timeout=-1", operationEnded("ex1", "Success", "", "{\"return\":42}"));
        byte[] input = new byte[40_000];
        for (int i = 0; i < input.length; i++) input[i] = (byte) ('a' + i % 26);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        ExecRequest request = ExecRequest.of("sh", "-c", "cat; exit 42").as(1000, 1000).in("/workspace")
                .withEnv(Map.of("HOME", "/home/code"));

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> client.exec("c1", request, new ByteArrayInputStream(input), out, err));
        WsPeer control = fake.websocket(), stdin = fake.websocket(), stdout = fake.websocket(), stderr = fake.websocket();
        // as `cat` would: all of stdin first, then the output, then exit
        List<Frame> sent = stdin.readUntilClose();
        stdout.sendBinary(utf8("hello "));
        stderr.sendBinary(utf8("oops\n"));
        stdout.sendBinary(utf8("world\n"));
        stdout.sendClose(1000);
        stderr.sendClose(1000);

        assertThat(exit.get(5, TimeUnit.SECONDS)).isEqualTo(42);
        assertThat(out.toString()).isEqualTo("hello world\n");
        assertThat(err.toString()).isEqualTo("oops\n");

        assertThat(List.of(control, stdin, stdout, stderr)).extracting(ws -> ws.request().path()).containsExactly(
                "/1.0/operations/ex1/websocket?secret=s-ctl", "/1.0/operations/ex1/websocket?secret=s-in",
                "/1.0/operations/ex1/websocket?secret=s-out", "/1.0/operations/ex1/websocket?secret=s-err");
        Frame close = sent.getLast();
        List<Frame> data = sent.subList(0, sent.size() - 1);
        assertThat(data).allSatisfy(f -> {
            assertThat(f.opcode()).isEqualTo(BINARY);
            assertThat(f.masked()).isTrue();
        });
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        for (Frame f : data) received.write(f.payload());
        assertThat(received.toByteArray()).isEqualTo(input);
        assertThat(close.closeCode()).isEqualTo(1000);
        assertThat(stdout.read().opcode()).as("the client answers the daemon's close").isEqualTo(CLOSE);

        Request start = fake.requests().getFirst();
        assertThat(start.json().path("command")).extracting(n -> n.asText()).containsExactly("sh", "-c", "cat; exit 42");
        assertThat(start.json().path("environment").path("HOME").asText()).isEqualTo("/home/code");
        assertThat(start.json().path("interactive").asBoolean()).isFalse();
        assertThat(start.json().path("wait-for-websocket").asBoolean()).isTrue();
        assertThat(start.json().path("user").asInt()).isEqualTo(1000);
        assertThat(start.json().path("group").asInt()).isEqualTo(1000);
        assertThat(start.json().path("cwd").asText()).isEqualTo("/workspace");
        assertThat(fake.lastRequest().path()).isEqualTo("/1.0/operations/ex1/wait?timeout=-1");
    }

    @Test
    void withoutStdinTheCommandSeesEndOfFileAtOnce() throws Exception {
        fake.on("GET /1.0/operations/ex1/wait?timeout=-1", operationEnded("ex1", "Success", "", "{\"return\":0}"));

        CompletableFuture<Model.ExecResult> result = CompletableFuture.supplyAsync(() -> client.execCapture("c1", ExecRequest.of("true")));
        fake.websocket();
        WsPeer stdin = fake.websocket(), stdout = fake.websocket(), stderr = fake.websocket();
        assertThat(stdin.readUntilClose()).singleElement().extracting(Frame::opcode).isEqualTo(CLOSE);
        stdout.sendClose(1000);
        stderr.sendClose(1000);

        Model.ExecResult r = result.get(5, TimeUnit.SECONDS);
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEmpty();
        assertThat(fake.requests().getFirst().json().has("user")).as("uid -1 keeps the daemon's default").isFalse();
    }

    @Test
    void aCommandThatEndedBeforeItsStdinWasClosedStillReportsItsExitCode() throws Exception {
        // a quick command: incusd has closed the stdin socket before the client says "no input"
        CountDownLatch stdinClosed = new CountDownLatch(1);
        FakeIncus.Responder upgrade = fake.upgrade();
        fake.on("GET /1.0/operations/ex1/websocket?secret=s-out", (request, conn) -> {
            try {
                stdinClosed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            upgrade.respond(request, conn);
        });
        fake.on("GET /1.0/operations/ex1/wait?timeout=-1", operationEnded("ex1", "Success", "", "{\"return\":3}"));

        CompletableFuture<Model.ExecResult> result = CompletableFuture.supplyAsync(() -> client.execCapture("c1", ExecRequest.of("false")));
        fake.websocket();
        fake.websocket().close();
        stdinClosed.countDown();
        fake.websocket().sendClose(1000);
        fake.websocket().sendClose(1000);

        assertThat(result.get(5, TimeUnit.SECONDS).exitCode()).isEqualTo(3);
    }

    /** An exec of "nope" whose operation ends as scripted; control and stdin are taken, stdout and stderr returned. */
    private record Started(CompletableFuture<Integer> exit, WsPeer stdout, WsPeer stderr) {}

    private Started execNope(String status, String error, String metadata, OutputStream out, OutputStream err) throws Exception {
        fake.on("GET /1.0/operations/ex1/wait?timeout=-1", operationEnded("ex1", status, error, metadata));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> client.exec("c1", ExecRequest.of("nope"), null, out, err));
        fake.websocket();
        fake.websocket();
        return new Started(exit, fake.websocket(), fake.websocket());
    }

    @ParameterizedTest
    @CsvSource({"Command not found, 127", "Command not executable, 126"})
    void aCommandThatCannotStartExitsLikeIncusExec(String daemonError, int expected) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Started s = execNope("Failure", daemonError, "{}", new ByteArrayOutputStream(), err);
        s.stdout().close();
        s.stderr().close();

        assertThat(s.exit().get(5, TimeUnit.SECONDS)).isEqualTo(expected);
        assertThat(err.toString()).isEqualTo("nope: " + daemonError.toLowerCase() + "\n");
    }

    @Test
    void anyOtherFailedExecOperationThrows() throws Exception {
        Started s = execNope("Failure", "Instance is not running", "{}", new ByteArrayOutputStream(), new ByteArrayOutputStream());
        s.stdout().close();
        s.stderr().close();

        assertThatThrownBy(() -> s.exit().get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IncusException.class)
                .cause().hasMessage("Instance is not running");
    }

    @Test
    void anOutputStreamThatBreaksBeforeItsEndIsAnErrorEvenWhenTheCommandSucceeded() throws Exception {
        Started s = execNope("Success", "", "{\"return\":0}", new ByteArrayOutputStream(), new ByteArrayOutputStream());
        s.stdout().sendBinary(utf8("test "));
        s.stdout().close(); // the transport drops: no close frame, no end marker
        s.stderr().sendClose(1000);

        assertThatThrownBy(() -> s.exit().get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IncusException.class)
                .cause().hasMessageContaining("stdout broke before the end").hasMessageContaining("incomplete");
    }

    @Test
    void anEmptyMessageIsTheDaemonsEndOfStream() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Started s = execNope("Success", "", "{\"return\":0}", out, new ByteArrayOutputStream());
        s.stdout().sendBinary(utf8("test output\n"));
        s.stdout().sendBinary(new byte[0]);
        s.stdout().close();
        s.stderr().sendClose(1000);

        assertThat(s.exit().get(5, TimeUnit.SECONDS)).isZero();
        assertThat(out.toString()).isEqualTo("test output\n");
    }

    /**
     * The one empty-output report, reproduced: Incus pings the stdout websocket, sends the output
     * and its end, and hangs up before the client answers the ping. Answering then fails (EPIPE on
     * the unix socket); the output already received must still be read to its end.
     */
    @Test
    void outputSentBeforeThePeerHungUpIsReadEvenWhenAnsweringItsPingFails() throws Exception {
        // a second exec (instance c2, operation ex2) so that these responders are the first scripted
        CountDownLatch stdoutGone = new CountDownLatch(1);
        FakeIncus.Responder upgrade = fake.upgrade();
        fake.on("POST /1.0/instances/c2/exec", async("ex2", FDS));
        for (String secret : List.of("s-ctl", "s-in")) fake.on("GET /1.0/operations/ex2/websocket?secret=" + secret, upgrade);
        fake.on("GET /1.0/operations/ex2/websocket?secret=s-out", (request, conn) -> {
            upgrade.respond(request, conn);
            try {
                WsPeer peer = new WsPeer(request, conn);
                peer.send(true, FakeIncus.WsPeer.PING, utf8("keepalive"));
                peer.sendBinary(utf8("test output\n"));
                peer.sendBinary(new byte[0]);
                peer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            stdoutGone.countDown();
        });
        fake.on("GET /1.0/operations/ex2/websocket?secret=s-err", (request, conn) -> {
            try {
                stdoutGone.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            upgrade.respond(request, conn);
        });
        fake.on("GET /1.0/operations/ex2/wait?timeout=-1", operationEnded("ex2", "Success", "", "{\"return\":0}"));

        CompletableFuture<Model.ExecResult> result = CompletableFuture.supplyAsync(
                () -> client.execCapture("c2", ExecRequest.of("echo", "test output")));
        fake.websocket();
        fake.websocket();
        fake.websocket();
        fake.websocket().sendClose(1000);

        Model.ExecResult r = result.get(5, TimeUnit.SECONDS);
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).isEqualTo("test output\n");
    }

    private static final String LOGS = "/1.0/instances/c2/logs/exec-output/exec_ex2";
    private static final String RECORDED = "{\"return\":%d,\"output\":{\"1\":\"" + LOGS + ".stdout\",\"2\":\"" + LOGS + ".stderr\"}}";

    @Test
    void aRecordedExecStartsWithoutStreamsReadsNoOutputWhenItSucceedsAndRemovesItsLogs() {
        fake.on("POST /1.0/instances/c2/exec", async("ex2", "{}"));
        fake.on("GET /1.0/operations/ex2/wait?timeout=-1", operationEnded("ex2", "Success", "", RECORDED.formatted(0)));
        fake.on("DELETE " + LOGS + ".stdout", FakeIncus.sync("{}"));
        fake.on("DELETE " + LOGS + ".stderr", FakeIncus.sync("{}"));

        Model.ExecResult r = client.execRecorded("c2", ExecRequest.of("tmux", "new-session", "-d").as(1000, 1000).in("/workspace"));

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEmpty();
        Request start = fake.requests().getFirst();
        assertThat(start.json().path("wait-for-websocket").asBoolean()).isFalse();
        assertThat(start.json().path("record-output").asBoolean()).isTrue();
        assertThat(start.json().path("user").asInt()).isEqualTo(1000);
        assertThat(start.json().path("cwd").asText()).isEqualTo("/workspace");
        assertThat(fake.requests()).extracting(q -> q.method() + " " + q.path()).containsExactly(
                "POST /1.0/instances/c2/exec", "GET /1.0/operations/ex2/wait?timeout=-1",
                "DELETE " + LOGS + ".stdout", "DELETE " + LOGS + ".stderr");
    }

    @Test
    void aRecordedExecThatFailsHasItsOutputReadBackAndALogThatCannotBeRemovedIsLeftToTheInstance() {
        fake.on("POST /1.0/instances/c2/exec", async("ex2", "{}"));
        fake.on("GET /1.0/operations/ex2/wait?timeout=-1", operationEnded("ex2", "Success", "", RECORDED.formatted(1)));
        fake.on("GET " + LOGS + ".stdout", FakeIncus.raw(FakeIncus.http(200, "Content-Type: application/octet-stream\r\n", "")));
        fake.on("GET " + LOGS + ".stderr", FakeIncus.raw(FakeIncus.http(200, "Content-Type: application/octet-stream\r\n",
                "duplicate session: coi-c2\n")));
        fake.on("DELETE " + LOGS + ".stdout", FakeIncus.error(500, "busy"));
        fake.on("DELETE " + LOGS + ".stderr", FakeIncus.sync("{}"));

        Model.ExecResult r = client.execRecorded("c2", ExecRequest.of("tmux", "new-session", "-d"));

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("duplicate session: coi-c2\n");
        assertThat(fake.requests()).extracting(q -> q.method() + " " + q.path()).contains("DELETE " + LOGS + ".stderr");
    }

    @Test
    void aRecordedCommandThatCannotStartIsExitCode127WithALine() {
        fake.on("POST /1.0/instances/c2/exec", async("ex2", "{}"));
        fake.on("GET /1.0/operations/ex2/wait?timeout=-1", operationEnded("ex2", "Failure", "Command not found", "{}"));
        fake.on("DELETE " + LOGS + ".stdout", FakeIncus.sync("{}"));
        fake.on("DELETE " + LOGS + ".stderr", FakeIncus.sync("{}"));

        Model.ExecResult r = client.execRecorded("c2", ExecRequest.of("tmux", "new-session", "-d"));

        assertThat(r.exitCode()).isEqualTo(127);
        assertThat(r.err()).isEqualTo("tmux: command not found\n");
        assertThat(fake.requests()).extracting(q -> q.method() + " " + q.path()).as("its logs are named after the operation")
                .contains("DELETE " + LOGS + ".stdout", "DELETE " + LOGS + ".stderr");
    }
}
