package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A non-interactive exec: the daemon hands out one websocket per stream (control, stdin,
 * stdout, stderr); the command starts once all are connected and its exit code is the
 * operation's "return" value.
 */
final class Exec {
    private final DaemonConnection incus;

    Exec(DaemonConnection incus) {
        this.incus = incus;
    }

    int run(String instance, ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return streamed(instance, request, stdin, stdout, stderr, (op, outPump, errPump) -> {
            outPump.join();
            errPump.join();
            // the control socket needs no goodbye: the daemon ends it with the command
            coi.Trace.mark("exec: output ended");
            int code;
            try {
                code = op.await().path("metadata").path("return").asInt(-1);
            } catch (IncusException e) {
                return notStarted(e, request, stderr);
            }
            outPump.check(instance, "stdout");
            errPump.check(instance, "stderr");
            return code;
        });
    }

    /**
     * See {@link InstanceIo#execCaptureBounded}: the streams are read into buffers that refuse more than
     * {@code maxBytes}; a refused write, or the deadline, closes every stream (the other pump ends too) and the
     * operation is left to the daemon.
     */
    Model.ExecResult bounded(String instance, ExecRequest request, int maxBytes, long seconds) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        Bounded out = new Bounded(maxBytes), err = new Bounded(maxBytes);
        return streamed(instance, request, null, out, err, (op, outPump, errPump) -> {
            for (Pump p : List.of(outPump, errPump)) {
                // a pump that stopped at the limit: the other stream may never end, and the answer is known
                while (p.alive() && !out.over() && !err.over() && System.nanoTime() < deadline) p.join(10);
            }
            if (out.over() || err.over()) {
                throw new IncusException.GivenUp("exec of " + request.command().getFirst() + " in " + instance + " wrote more than "
                        + maxBytes + " bytes: given up");
            }
            // whole seconds (the daemon's wait takes no less), rounded up: never less than the bound said
            long left = Math.max(1, (deadline - System.nanoTime() + 999_999_999L) / 1_000_000_000L);
            java.util.Optional<JsonNode> ended;
            if (outPump.alive() || errPump.alive()) {
                ended = java.util.Optional.empty();
            } else {
                try {
                    ended = op.awaitUpTo(left);
                } catch (IncusException e) {
                    // a command that could not start has no output to lose: its code, as run() gives it
                    int code = notStarted(e, request, err);
                    return new Model.ExecResult(code, out.toByteArray(), err.toByteArray());
                }
            }
            if (ended.isEmpty()) {
                throw new IncusException.GivenUp("exec of " + request.command().getFirst() + " in " + instance + " did not end within "
                        + seconds + " s: given up (it may still run there)");
            }
            outPump.check(instance, "stdout");
            errPump.check(instance, "stderr");
            return new Model.ExecResult(ended.get().path("metadata").path("return").asInt(-1), out.toByteArray(), err.toByteArray());
        });
    }

    /** What an exec with streams does once they are connected: wait for its end, as it will. */
    private interface Streamed<T> {
        T then(Operation op, Pump stdout, Pump stderr) throws IOException, InterruptedException;
    }

    /**
     * An exec with its four websockets: {@code stdin} fed (null: end-of-file at once), its output pumped into
     * {@code stdout} and {@code stderr}, then {@code then}; the sockets are closed whatever happens.
     */
    private <T> T streamed(String instance, ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr,
                           Streamed<T> then) {
        Operation op = start(instance, request, true);
        coi.Trace.mark("exec: operation created");
        JsonNode fds = op.initial().path("metadata").path("fds");
        List<WebSocket> sockets = new ArrayList<>();
        try {
            connect(op, fds, "control", sockets);
            WebSocket in = connect(op, fds, "0", sockets);
            WebSocket out = connect(op, fds, "1", sockets);
            WebSocket err = connect(op, fds, "2", sockets);
            coi.Trace.mark("exec: streams connected");
            Pump outPump = new Pump(out, stdout, "exec-stdout");
            Pump errPump = new Pump(err, stderr, "exec-stderr");
            feed(in, stdin);
            return then.then(op, outPump, errPump);
        } catch (IOException e) {
            throw new IncusException("exec in " + instance + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IncusException("exec in " + instance + " interrupted", e);
        } finally {
            sockets.forEach(WebSocket::close);
        }
    }

    /** A buffer that refuses to grow past its limit (the write fails, which ends its pump). */
    private static final class Bounded extends OutputStream {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final int max;
        private volatile boolean over;

        Bounded(int max) {
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (kept.size() + len > max) {
                over = true;
                throw new IOException("more than " + max + " bytes");
            }
            kept.write(b, off, len);
        }

        boolean over() {
            return over;
        }

        synchronized byte[] toByteArray() {
            return kept.toByteArray();
        }
    }

    /**
     * See {@link InstanceIo#execRecorded}: the daemon starts the command with the operation and
     * writes its output to two log files of the instance, read back only when it fails, then removed.
     */
    Model.ExecResult recorded(String instance, ExecRequest request) {
        Operation op = start(instance, request, false);
        coi.Trace.mark("exec: operation created, the command started");
        JsonNode ended;
        try {
            ended = op.await().path("metadata");
            coi.Trace.mark("exec: awaited");
        } catch (IncusException e) {
            // a command that could not start has its (empty) logs too, named after the operation
            for (String stream : List.of("stdout", "stderr")) {
                remove("/1.0/instances/" + DaemonConnection.enc(instance) + "/logs/exec-output/exec_" + op.id() + "." + stream);
            }
            var err = new ByteArrayOutputStream();
            try {
                return new Model.ExecResult(notStarted(e, request, err), new byte[0], err.toByteArray());
            } catch (IOException cannotHappen) {
                throw new UncheckedIOException(cannotHappen);
            }
        }
        int code = ended.path("return").asInt(-1);
        JsonNode logs = ended.path("output");
        byte[] out = code == 0 ? new byte[0] : log(logs.path("1"));
        byte[] err = code == 0 ? new byte[0] : log(logs.path("2"));
        logs.forEach(log -> remove(log.asText()));
        coi.Trace.mark("exec: ended");
        return new Model.ExecResult(code, out, err);
    }

    /**
     * See {@link InstanceIo#execDetached}: the command's output goes nowhere (neither websockets
     * nor logs: whatever it writes costs the host nothing), and its end is waited for at most
     * {@code seconds}.
     */
    java.util.OptionalInt detached(String instance, ExecRequest request, long seconds) {
        Operation op = start(instance, request, false, false);
        return op.awaitUpTo(seconds).map(ended -> java.util.OptionalInt.of(ended.path("metadata").path("return").asInt(-1)))
                .orElse(java.util.OptionalInt.empty());
    }

    private Operation start(String instance, ExecRequest request, boolean streams) {
        return start(instance, request, streams, !streams);
    }

    /**
     * The operation that runs {@code request}; {@code streams}: the command waits for its four
     * websockets; {@code record}: the daemon keeps its output in two logs (else, without streams, it is dropped).
     */
    private Operation start(String instance, ExecRequest request, boolean streams, boolean record) {
        // a tree by hand: the supervisor's warnings are execs, and need no ObjectMapper (see JsonTree#bytes)
        ObjectNode body = JsonTree.object();
        var command = body.putArray("command");
        request.command().forEach(command::add);
        var environment = body.putObject("environment");
        request.environment().forEach(environment::put);
        body.put("interactive", false).put("wait-for-websocket", streams).put("record-output", record);
        if (request.uid() >= 0) body.put("user", request.uid());
        if (request.gid() >= 0) body.put("group", request.gid());
        if (request.cwd() != null) body.put("cwd", request.cwd());
        String path = incus.scoped("/1.0/instances/" + DaemonConnection.enc(instance) + "/exec");
        return incus.operation(incus.call("POST", path, body));
    }

    /** A recorded output's content; empty when the daemon named none. */
    private byte[] log(JsonNode path) {
        if (path.isMissingNode()) return new byte[0];
        return incus.exchange("GET", incus.scoped(path.asText()), Map.of(), null, r -> {
            byte[] raw = r.readAll();
            if (r.status() >= 400) throw DaemonConnection.errorFrom(r.status(), raw);
            return raw;
        });
    }

    /** The log files stay with the instance until it is deleted: a persistent one would gather them. */
    private void remove(String path) {
        try {
            incus.call("DELETE", incus.scoped(path), Map.of(), null);
        } catch (IncusException leftWithTheInstance) {
            // deleted with the instance at the latest; nothing of the session depends on it
        }
    }

    /**
     * A command that cannot start fails the operation (and has no output to lose). Like
     * `incus exec` and a shell, that is exit code 127 (not found) or 126 (not executable), with a
     * line on stderr; any other failure is the daemon's error.
     */
    private static int notStarted(IncusException e, ExecRequest request, OutputStream stderr) throws IOException {
        int code = switch (String.valueOf(e.getMessage())) {
            case "Command not found" -> 127;
            case "Command not executable" -> 126;
            default -> throw e;
        };
        String command = request.command().isEmpty() ? "" : request.command().getFirst();
        stderr.write((command + ": " + e.getMessage().toLowerCase() + "\n").getBytes(StandardCharsets.UTF_8));
        stderr.flush();
        return code;
    }

    private WebSocket connect(Operation op, JsonNode fds, String fd, List<WebSocket> sockets) throws IOException {
        String secret = fds.path(fd).asText();
        WebSocket ws = incus.websocket("/1.0/operations/" + DaemonConnection.enc(op.id()) + "/websocket?secret=" + DaemonConnection.enc(secret));
        sockets.add(ws);
        return ws;
    }

    /**
     * Copies one output stream. Its end is the daemon's: an empty message (Incus's end-of-stream
     * marker) or a close frame. A connection that drops without either, or a failing write, is a
     * failure the caller reports: output is never cut short silently.
     */
    private static final class Pump {
        private final Thread thread;
        private volatile IOException failure;

        Pump(WebSocket from, OutputStream to, String name) {
            thread = new Thread(() -> copy(from, to), name);
            thread.setDaemon(true);
            thread.start();
        }

        private void copy(WebSocket from, OutputStream to) {
            try {
                for (WebSocket.Message m; (m = from.receive()) != null; ) {
                    if (m.data().length == 0) return;
                    to.write(m.data());
                    to.flush();
                }
                if (!from.closeReceived()) failure = new EOFException("the connection ended without the end of the stream");
            } catch (IOException e) {
                failure = e;
            } catch (java.nio.channels.ClosedSelectorException e) {
                // a bounded exec given up closes the socket under a blocked receive (see EventStream)
                failure = new EOFException("the stream was closed by coi");
            }
        }

        void join() throws InterruptedException {
            thread.join();
        }

        void join(long millis) throws InterruptedException {
            thread.join(millis);
        }

        boolean alive() {
            return thread.isAlive();
        }

        void check(String instance, String stream) {
            if (failure != null) {
                throw new IncusException("exec in " + instance + ": its " + stream + " broke before the end (" + failure.getMessage()
                        + "); the output is incomplete, run it again", failure);
            }
        }
    }

    /** Copies stdin on a daemon thread (a terminal may never reach EOF); null stdin closes at once. */
    private static void feed(WebSocket in, InputStream stdin) {
        if (stdin == null) {
            try {
                in.sendClose();
            } catch (IOException e) {
                // a command that ended at once has closed its stdin socket already
            }
            return;
        }
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try {
                for (int n; (n = stdin.read(buf)) != -1; ) {
                    if (n > 0) in.sendBinary(buf, 0, n);
                }
                in.sendClose();
            } catch (IOException e) {
                // the command ended and its stdin socket closed: nothing more to send
            }
        }, "exec-stdin");
        t.setDaemon(true);
        t.start();
    }
}
