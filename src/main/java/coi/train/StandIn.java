package coi.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for incusd on a unix socket, for training only: it answers the reads of the
 * commands {@link Training} runs with canned answers of incusd 6.0.4 (coi/train/incusd.answers:
 * one `PATH METADATA` a line, taken with `incus query` from a real daemon, host-specific values
 * blanked, read as text so that the quick cache's training loads no JSON code): the server, the
 * default profile, the networks, the storage pools, the image `coi`, and two instances: a running
 * shell session of the training's workspace ({@link #RUNNING}) and a ready warm pool member.
 * Anything else is the daemon's "not found"; requests it did not expect are kept
 * ({@link #unexpected}), so a training that drifted from the commands it trains is visible.
 */
final class StandIn implements AutoCloseable {
    /** The shell session's container, running in the training's workspace. */
    static final String RUNNING = "coi-5e55104a-1";
    /** A name the daemon does not know: the quick questions and `container exists` ask for it. */
    static final String MISSING = "x";

    private final ServerSocketChannel server;
    private final Map<String, String> answers = new LinkedHashMap<>();
    private final Set<String> unexpected = ConcurrentHashMap.newKeySet();

    /** {@code placeholders}: ${NAME} in the canned answers and their values (the workspace, the sessions folder). */
    StandIn(Path socket, Map<String, String> placeholders) throws IOException {
        String canned;
        try (InputStream in = StandIn.class.getResourceAsStream("incusd.answers")) {
            canned = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> values = new LinkedHashMap<>(placeholders);
        values.put("SESSION", RUNNING);
        for (var e : values.entrySet()) canned = canned.replace("${" + e.getKey() + "}", e.getValue());
        for (String line : canned.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) answers.put(line.substring(0, space), line.substring(space + 1));
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread accept = new Thread(this::accept, "train-stand-in");
        accept.setDaemon(true);
        accept.start();
    }

    /** Requests that got "not found" although no training command should have made them. */
    Set<String> unexpected() {
        return Set.copyOf(unexpected);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** Each connection in its own thread: a client may keep its connection open while the next one starts. */
    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                Thread serve = new Thread(() -> serve(ch), "train-stand-in-connection");
                serve.setDaemon(true);
                serve.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel channel) {
        try (SocketChannel ch = channel) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            StringBuilder head = new StringBuilder();
            for (int b; (b = in.read()) != -1; ) {
                head.append((char) b);
                // answer at the end of each request head (CRLF CRLF): the requests trained here have no body
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    out.write(response(head.substring(0, head.indexOf(" HTTP/"))));
                    out.flush();
                    head.setLength(0);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private byte[] response(String requestLine) {
        String path = requestLine.substring(requestLine.indexOf(' ') + 1);
        String metadata = requestLine.startsWith("GET ") ? answers.get(path) : null;
        if (metadata == null && !path.equals("/1.0/instances/" + MISSING) && !path.startsWith("/1.0/instances/" + MISSING + "/")) {
            unexpected.add(requestLine);
        }
        String body = metadata != null
                ? "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"operation\":\"\",\"error_code\":0,\"error\":\"\",\"metadata\":"
                        + metadata + "}"
                : "{\"type\":\"error\",\"status\":\"\",\"status_code\":0,\"operation\":\"\",\"error_code\":404,\"error\":\"Not found\",\"metadata\":null}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ((metadata != null ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") + "\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }
}
