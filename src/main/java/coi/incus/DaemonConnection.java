package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One daemon, one project: HTTP/1.1 requests over keep-alive connections, the standard JSON
 * envelope and its errors, background operations, ETag-guarded updates and websockets. The
 * resource classes ({@link RestInstances}, {@link RestImages}...) say what to ask; this class
 * says how. It retries nothing but a request on a kept-alive connection the daemon had closed.
 */
final class DaemonConnection implements AutoCloseable {
    /** incusd drops idle keep-alive connections after 30 s; reusing one close to that races it. */
    private static final long IDLE_LIMIT_NANOS = Duration.ofSeconds(20).toNanos();

    private final Transport transport;
    private final String project;
    /** The incus CLI's name for this daemon, when it was chosen as one of its remotes; null otherwise. */
    private final String cliRemote;
    private final Deque<Idle> idle = new ArrayDeque<>();

    private record Idle(Transport.Conn conn, long since) {}

    DaemonConnection(Transport transport, String project, String cliRemote) {
        this.transport = transport;
        this.project = project == null || project.isBlank() ? "default" : project;
        this.cliRemote = cliRemote;
    }

    DaemonConnection inProject(String name) {
        return new DaemonConnection(transport, name, cliRemote);
    }

    DaemonConnection asCliRemote(String name) {
        return new DaemonConnection(transport, project, name);
    }

    Optional<String> cliRemote() {
        return Optional.ofNullable(cliRemote);
    }

    String address() {
        return transport.address();
    }

    String project() {
        return project;
    }

    // ---------------------------------------------------------------- requests

    JsonNode get(String path) {
        return call("GET", path, null);
    }

    JsonNode call(String method, String path, JsonNode body) {
        return call(method, path, Map.of(), body == null ? null : body(body));
    }

    /** One request whose answer is the standard Incus JSON envelope; returns its metadata. */
    JsonNode call(String method, String path, Map<String, String> headers, Http.Body body) {
        return exchange(method, path, headers, body, r -> metadata(r.status(), r.readAll()));
    }

    /** A request that may start a background operation: waits for it and returns the ended operation. */
    JsonNode await(String method, String path, JsonNode body) {
        return operation(call(method, path, body)).await();
    }

    <T> List<T> list(String path, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (JsonNode n : get(path)) out.add(Json.convert(n, type));
        return out;
    }

    /** A GET the daemon may legitimately hold without limit before answering (an operation's wait). */
    JsonNode longPoll(String path) {
        return exchange("GET", path, Map.of(), null, Duration.ZERO, r -> metadata(r.status(), r.readAll()));
    }

    Operation operation(JsonNode op) {
        return new Operation(this, op.path("id").asText(), op);
    }

    private record Tagged(JsonNode body, String etag) {}

    /**
     * Read-modify-write of an object's writable fields guarded by its ETag, so a concurrent change
     * is refused rather than overwritten.
     */
    void update(String path, UnaryOperator<ObjectNode> change) {
        Tagged current = exchange("GET", path, Map.of(), null, r -> new Tagged(metadata(r.status(), r.readAll()), r.header("etag")));
        ObjectNode updated = change.apply((ObjectNode) current.body().deepCopy());
        Map<String, String> headers = current.etag() == null ? Map.of() : Map.of("If-Match", current.etag());
        JsonNode result = call("PUT", path, headers, body(updated));
        if (result != null && result.has("id")) operation(result).await();
    }

    private static Http.Body body(JsonNode json) {
        return Http.Body.bytes(JsonTree.bytes(json), "application/json");
    }

    private static JsonNode metadata(int status, byte[] raw) {
        // the status first: an error body need not be JSON (a proxy, Go's router), parsing it would hide it
        if (status >= 400) throw errorFrom(status, raw);
        JsonNode envelope = raw.length == 0 ? JsonTree.object() : JsonTree.parse(raw);
        // a failed operation's wait answers 200 with an error envelope
        if ("error".equals(envelope.path("type").asText())) throw errorFrom(status, raw);
        return envelope.path("metadata");
    }

    static IncusException errorFrom(int status, byte[] raw) {
        String message = new String(raw, StandardCharsets.UTF_8).trim();
        int code = status;
        try {
            JsonNode json = JsonTree.parse(raw);
            // only an object is an error envelope: "404 page not found" parses as the number 404
            if (json.isObject()) {
                message = json.path("error").asText("");
                if (json.path("error_code").asInt(0) != 0) code = json.path("error_code").asInt();
            }
        } catch (UncheckedIOException notJson) {
            // plain text: shown as it is
        }
        if (message.isEmpty()) message = "Incus answered HTTP " + status;
        return IncusException.of(code, message);
    }

    interface ResponseHandler<T> {
        T handle(Http.Response response) throws IOException;
    }

    /**
     * Sends one request on an idle keep-alive connection (or a new one) and hands the response to
     * {@code handler}. A reused connection that the daemon closed meanwhile is retried once on a
     * fresh one; nothing else is retried.
     */
    <T> T exchange(String method, String path, Map<String, String> headers, Http.Body body, ResponseHandler<T> handler) {
        return exchange(method, path, headers, body, transport.timeouts().read(), handler);
    }

    /** The same, waiting at most {@code readTimeout} (zero: for ever) for each byte of the answer. */
    <T> T exchange(String method, String path, Map<String, String> headers, Http.Body body, Duration readTimeout,
                   ResponseHandler<T> handler) {
        for (int attempt = 0; ; attempt++) {
            // the retry skips the pool: a daemon restart closed every idle connection, not just one
            Transport.Conn conn = attempt == 0 ? takeIdle() : null;
            boolean reused = conn != null;
            try {
                if (conn == null) conn = transport.open();
            } catch (IOException e) {
                throw unreachable(e);
            }
            Http.Response response;
            try {
                conn.readTimeout(readTimeout);
                Http.writeRequest(conn.out(), method, path, transport.host(), headers, body);
                response = Http.readResponse(conn.in(), method.equals("HEAD"));
            } catch (SocketTimeoutException e) {
                conn.close();
                throw silent(method + " " + path, readTimeout, e);
            } catch (Http.BodyLengthException e) {
                // what was sent is not what was announced: never again on this connection, nor retried
                conn.close();
                throw new IncusException(method + " " + path + " not sent: " + e.getMessage(), e);
            } catch (IOException e) {
                conn.close();
                if (reused && attempt == 0) continue;
                throw new IncusException("lost the connection to Incus at " + transport.address() + " during " + method + " "
                        + path + ": " + e.getMessage(), e);
            }
            try {
                T result = handler.handle(response);
                response.body().close();
                if ("close".equalsIgnoreCase(response.header("connection")) || !delimited(method, response)) conn.close();
                else release(conn);
                return result;
            } catch (SocketTimeoutException e) {
                conn.close();
                throw silent(method + " " + path, readTimeout, e);
            } catch (IOException e) {
                conn.close();
                throw new IncusException("reading Incus's answer to " + method + " " + path + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                conn.close();
                throw e;
            }
        }
    }

    /** Whether the body's end was known without the daemon closing: only then can the connection be reused. */
    private static boolean delimited(String method, Http.Response response) {
        // Go's net/http sends neither Content-Length nor chunking when there is no body (HEAD, 204, 304)
        return method.equals("HEAD") || response.status() == 204 || response.status() == 304
                || response.header("content-length") != null || "chunked".equalsIgnoreCase(response.header("transfer-encoding"));
    }

    private synchronized Transport.Conn takeIdle() {
        long now = System.nanoTime();
        while (!idle.isEmpty()) {
            Idle i = idle.pop();
            if (now - i.since() < IDLE_LIMIT_NANOS) return i.conn();
            i.conn().close();
        }
        return null;
    }

    private synchronized void release(Transport.Conn conn) {
        idle.push(new Idle(conn, System.nanoTime()));
    }

    // ---------------------------------------------------------------- websockets

    /** A websocket on {@code path}; only a failed connect means the daemon is unreachable, not a bad handshake. */
    WebSocket websocket(String path) throws IOException {
        Transport.Conn conn;
        try {
            conn = transport.open();
        } catch (IOException e) {
            throw unreachable(e);
        }
        WebSocket socket = WebSocket.connect(conn, transport.host(), path);
        // after the handshake, silence is the stream's normal state (no event, no output yet)
        conn.readTimeout(Duration.ZERO);
        return socket;
    }

    // ---------------------------------------------------------------- errors and paths

    private IncusException unreachable(IOException e) {
        if (e instanceof SocketTimeoutException) return silent("the connection", transport.timeouts().connect(), e);
        String why = e instanceof NoSuchFileException || e instanceof ConnectException || e.getMessage() == null
                ? "" : " (" + e.getMessage() + ")";
        return new IncusException.Unreachable("Incus is not reachable at " + transport.address() + why
                + ": is incusd running? try `coi health`", e);
    }

    /** A daemon that accepted the connection but went quiet. */
    private IncusException silent(String what, Duration waited, IOException e) {
        return new IncusException.Unreachable("Incus at " + transport.address() + " did not answer " + what + " within "
                + Timeouts.seconds(waited) + ": is the server overloaded, or is something else listening there?"
                + " (COI_INCUS_TIMEOUT=SECONDS waits longer)", e);
    }

    /** {@code path} in this connection's project (the default project needs no parameter). */
    String scoped(String path) {
        if (project.equals("default")) return path;
        return path + (path.contains("?") ? "&" : "?") + "project=" + enc(project);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public synchronized void close() {
        idle.forEach(i -> i.conn().close());
        idle.clear();
    }
}
