package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A non-interactive exec: the daemon hands out one websocket per stream (control, stdin,
 * stdout, stderr); the command starts once all are connected and its exit code is the
 * operation's "return" value.
 */
final class Exec {
    private final IncusClient client;

    Exec(IncusClient client, Transport transport) {
        this.client = client;
    }

    int run(String instance, ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        ObjectNode body = Json.object();
        body.set("command", Json.MAPPER.valueToTree(request.command()));
        body.set("environment", Json.MAPPER.valueToTree(request.environment()));
        body.put("interactive", false).put("wait-for-websocket", true).put("record-output", false);
        if (request.uid() >= 0) body.put("user", request.uid());
        if (request.gid() >= 0) body.put("group", request.gid());
        if (request.cwd() != null) body.put("cwd", request.cwd());

        Operation op = client.operation(client.startExec(instance, body));
        JsonNode fds = op.initial().path("metadata").path("fds");
        List<WebSocket> sockets = new ArrayList<>();
        try {
            connect(op, fds, "control", sockets);
            WebSocket in = connect(op, fds, "0", sockets);
            WebSocket out = connect(op, fds, "1", sockets);
            WebSocket err = connect(op, fds, "2", sockets);
            Thread outPump = pump(out, stdout, "exec-stdout");
            Thread errPump = pump(err, stderr, "exec-stderr");
            feed(in, stdin);
            outPump.join();
            errPump.join();
            // the control socket needs no goodbye: the daemon ends it with the command
            return op.await().path("metadata").path("return").asInt(-1);
        } catch (IOException e) {
            throw new IncusException("exec in " + instance + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IncusException("exec in " + instance + " interrupted", e);
        } finally {
            sockets.forEach(WebSocket::close);
        }
    }

    private WebSocket connect(Operation op, JsonNode fds, String fd, List<WebSocket> sockets) throws IOException {
        String secret = fds.path(fd).asText();
        WebSocket ws = client.websocket("/1.0/operations/" + IncusClient.enc(op.id()) + "/websocket?secret=" + IncusClient.enc(secret));
        sockets.add(ws);
        return ws;
    }

    private static Thread pump(WebSocket from, OutputStream to, String name) {
        Thread t = new Thread(() -> {
            try {
                for (WebSocket.Message m; (m = from.receive()) != null; ) {
                    if (m.data().length == 0) break;
                    to.write(m.data());
                    to.flush();
                }
            } catch (IOException e) {
                // the stream ends when the command's side closes; a broken socket ends it the same way
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
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
