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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for incusd on a unix socket, for training only. It answers the reads of the
 * commands {@link Training} runs with canned answers of incusd 6.0.4 (coi/train/incusd.answers:
 * one `PATH METADATA` a line, taken with `incus query` from a real daemon, host-specific values
 * blanked, read as text so that the quick cache's training loads no JSON code): the server, the
 * default profile, the networks, the storage pools, the image `coi`, and three instances: a running
 * shell session of the training's workspace ({@link #RUNNING}) and two ready warm pool members.
 * The full training's launches change instances ({@link StandInInstances}) and run commands
 * through exec's websockets, whose output ends at once. Anything else is the daemon's "not
 * found"; requests it did not expect are kept ({@link #unexpected}), so a training that drifted
 * from the commands it trains is visible.
 */
final class StandIn implements AutoCloseable {
    /** The shell session's container, running in the training's workspace. */
    static final String RUNNING = "coi-5e55104a-1";
    /** A name the daemon does not know: the quick questions and `container exists` ask for it. */
    static final String MISSING = "x";
    static final String INSTANCES = "/1.0/instances?recursion=2";
    /** The same without the state, snapshots and backups: what planning and `list` read. */
    static final String INSTANCES_WITHOUT_STATE = "/1.0/instances?recursion=1";
    /** The same of every project: what the git guard reads (a container of the workspace in another project counts too). */
    static final String INSTANCES_OF_ALL_PROJECTS = "/1.0/instances?recursion=1&all-projects=true";

    private final ServerSocketChannel server;
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final Set<String> unexpected = ConcurrentHashMap.newKeySet();
    private StandInInstances instances;

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

    /** Sets a config key of every instance that has it (the pool members' fit, which depends on the training's plan). */
    void label(String key, String value) {
        Pattern entry = Pattern.compile(Pattern.quote("\"" + key + "\":\"") + "[^\"]*\"");
        answers.replaceAll((path, json) -> path.startsWith("/1.0/instances")
                ? entry.matcher(json).replaceAll(Matcher.quoteReplacement("\"" + key + "\":\"" + value + "\"")) : json);
    }

    /** Requests that got "not found" although no training command should have made them. */
    Set<String> unexpected() {
        return unexpected.stream().filter(request -> !askedBeforeMade(request)).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** `GET /1.0/instances/NAME` of an instance a launch made after: it asks whether the name is free before it fences it. */
    private boolean askedBeforeMade(String requestLine) {
        String[] parts = requestLine.split(" ");
        if (parts.length < 2 || !parts[0].equals("GET") || !parts[1].startsWith("/1.0/instances/")) return false;
        String name = parts[1].substring("/1.0/instances/".length());
        return !name.contains("/") && !name.contains("?") && (answers.containsKey(parts[1]) || instances().gone(name));
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    static String error(int status, String message) {
        return "{\"type\":\"error\",\"status\":\"\",\"status_code\":0,\"operation\":\"\",\"error_code\":" + status + ",\"error\":\"" + message
                .replace("\"", "\\\"") + "\",\"metadata\":null}";
    }

    private void accept() {
        acceptEach(server, this::serve);
    }

    /** Each connection in its own thread: a client may keep its connection open while the next one starts. */
    static void acceptEach(ServerSocketChannel server, java.util.function.Consumer<SocketChannel> serve) {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                Thread connection = new Thread(() -> serve.accept(ch), "train-stand-in-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel channel) {
        try (SocketChannel ch = channel) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            for (String head; (head = head(in)) != null; ) {
                String requestLine = head.substring(0, head.indexOf(" HTTP/"));
                Map<String, String> headers = headers(head);
                byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
                if ("websocket".equalsIgnoreCase(headers.get("upgrade"))) {
                    StandInInstances.stream(requestLine, headers.get("sec-websocket-key"), in, out);
                    return;
                }
                out.write(response(requestLine, body));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** A request's head up to CRLF CRLF; null at the end of the connection. */
    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        for (int b; (b = in.read()) != -1; ) {
            head.append((char) b);
            if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) return head.toString();
        }
        return null;
    }

    private static Map<String, String> headers(String head) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return headers;
    }

    private byte[] response(String requestLine, byte[] body) {
        String method = requestLine.substring(0, requestLine.indexOf(' '));
        String path = requestLine.substring(method.length() + 1);
        String metadata = method.equals("GET") ? answers.get(path) : null;
        if (metadata != null) return http(200, "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"operation\":\"\",\"error_code\":0,"
                + "\"error\":\"\",\"metadata\":" + metadata + "}");
        if (method.equals("HEAD") && path.contains("/files?path=") && answers.containsKey(path.substring(0, path.indexOf("/files?")))) {
            // every file is there (the tool's binary, as `coi shell` checks before it starts the container), as incusd heads one
            return ("HTTP/1.1 200 OK\r\nContent-Length: 1004336\r\nContent-Type: application/octet-stream\r\nX-Incus-Gid: 0\r\n"
                    + "X-Incus-Mode: 0755\r\nX-Incus-Modified: 2022-10-31 16:55:13 +0000 UTC\r\nX-Incus-Type: file\r\nX-Incus-Uid: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
        }
        if ((method.equals("POST") || method.equals("DELETE")) && path.contains("/files?path=")
                && answers.containsKey(path.substring(0, path.indexOf("/files?")))) {
            // code's home is written through the file API (a file replaced, ~/.tmux made), as incusd answers it
            return http(200, "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"operation\":\"\",\"error_code\":0,"
                    + "\"error\":\"\",\"metadata\":{}}");
        }
        if (method.equals("GET") && path.startsWith("/1.0/operations/") && path.contains("/wait")) {
            String id = path.substring("/1.0/operations/".length(), path.indexOf("/wait"));
            return http(200, "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"operation\":\"\",\"error_code\":0,"
                    + "\"error\":\"\",\"metadata\":" + StandInInstances.ended(id) + "}");
        }
        if (!method.equals("GET")) {
            StandInInstances.Reply reply = instances().change(method, path, body);
            if (reply != null) return http(reply.status(), reply.body());
        }
        if (!expectedMissing(path)) unexpected.add(requestLine);
        return http(404, error(404, "Not found"));
    }

    /** {@link #MISSING}, or an instance a launch deleted. */
    private boolean expectedMissing(String path) {
        if (!path.startsWith("/1.0/instances/")) return false;
        String name = path.substring("/1.0/instances/".length()).split("[/?]")[0];
        return name.equals(MISSING) || instances().gone(name);
    }

    private synchronized StandInInstances instances() {
        if (instances == null) instances = new StandInInstances(answers);
        return instances;
    }

    private static byte[] http(int status, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String reason = switch (status) {
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 409 -> "Conflict";
            default -> "Not Found";
        };
        return ("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n"
                + body).getBytes(StandardCharsets.UTF_8);
    }
}
