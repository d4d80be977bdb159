package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted Incus daemon on a real unix socket, for unit tests of the client and of the
 * services above it. Each connection is served on its own thread:
 * it reads a request (method, path, headers, body), records it, and plays the next response
 * scripted for "METHOD path" (the last one scripted repeats). A websocket responder answers the
 * upgrade and hands the connection to the test thread, which then plays the server side itself.
 */
public final class FakeIncus implements AutoCloseable {

    /** A request as the fake read it; {@code connection} numbers connections from 1 in accept order. */
    public record Request(int connection, String method, String path, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            return Json.parse(body);
        }
    }

    /** Plays the server's side of one request on its connection. */
    public interface Responder {
        void respond(Request request, Connection connection) throws IOException;
    }

    /** The server end of one connection. */
    public static final class Connection {
        final InputStream in;
        final OutputStream out;
        private final SocketChannel channel;
        private boolean handedOver;

        private Connection(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel));
            this.out = Channels.newOutputStream(channel);
        }

        public void write(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        public void close() throws IOException {
            channel.close();
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Map<String, Deque<Responder>> script = new HashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> channels = new CopyOnWriteArrayList<>();
    private final BlockingQueue<WsPeer> websockets = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Responder fallback;

    private FakeIncus(Path socket) throws IOException {
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread acceptor = new Thread(this::acceptLoop, "fake-incus-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static FakeIncus start(Path dir) throws IOException {
        return new FakeIncus(dir.resolve("incus.socket"));
    }

    public Path socket() {
        return socket;
    }

    public IncusClient client() {
        return IncusClient.local(socket);
    }

    /** Scripts the answers to {@code route} ("GET /1.0/instances/c1"), played in order; the last repeats. */
    public synchronized FakeIncus on(String route, Responder... responders) {
        script.computeIfAbsent(route, r -> new ArrayDeque<>()).addAll(List.of(responders));
        return this;
    }

    /** Answers every request no route is scripted for (a stateful daemon plays itself this way). */
    FakeIncus fallback(Responder responder) {
        this.fallback = responder;
        return this;
    }

    /** The next websocket the client opened, or null after {@code ms} without one. */
    WsPeer pollWebsocket(long ms) throws InterruptedException {
        return websockets.poll(ms, TimeUnit.MILLISECONDS);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public Request lastRequest() {
        return requests.getLast();
    }

    public int connections() {
        return connections.get();
    }

    /** The next websocket the client opened (in connection order), waiting up to 5 s for it. */
    WsPeer websocket() throws InterruptedException {
        WsPeer ws = websockets.poll(5, TimeUnit.SECONDS);
        if (ws == null) throw new AssertionError("the client opened no websocket; requests: " + requests);
        return ws;
    }

    private synchronized Responder next(Request request) {
        Deque<Responder> queue = script.get(request.method() + " " + request.path());
        if ((queue == null || queue.isEmpty()) && fallback != null) return fallback;
        if (queue == null || queue.isEmpty()) {
            return error(404, "fake incus has no script for " + request.method() + " " + request.path());
        }
        return queue.size() > 1 ? queue.poll() : queue.peek();
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel channel = server.accept();
                channels.add(channel);
                int n = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(channel, n), "fake-incus-conn-" + n);
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException closed) {
            // close() shut the listening socket
        }
    }

    private void serve(SocketChannel channel, int n) {
        Connection conn = new Connection(channel);
        try {
            while (!conn.handedOver && channel.isOpen()) {
                Request request = readRequest(conn.in, n);
                if (request == null) break;
                requests.add(request);
                try {
                    next(request).respond(request, conn);
                } catch (IOException gone) {
                    // the answer could not be written: the client dropped the connection, or close() closed it meanwhile
                    break;
                } catch (Throwable t) {
                    failures.add(t);
                    break;
                }
            }
        } catch (IOException clientWentAway) {
            // a client may drop a connection at any time; the test asserts on what was recorded
        } finally {
            if (!conn.handedOver) closeQuietly(channel);
        }
    }

    private static Request readRequest(InputStream in, int connection) throws IOException {
        String line = Http.readLine(in);
        if (line == null) return null;
        String[] parts = line.split(" ");
        if (parts.length != 3) throw new IOException("bad request line: " + line);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h; (h = Http.readLine(in)) != null && !h.isEmpty(); ) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = readChunked(in);
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else {
            body = new byte[0];
        }
        return new Request(connection, parts[0], parts[1], headers, body);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int size = Integer.parseInt(Http.readLine(in).trim(), 16);
            if (size == 0) {
                while (!Http.readLine(in).isEmpty()) { }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            if (!Http.readLine(in).isEmpty()) throw new IOException("chunk not followed by CRLF");
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        channels.forEach(FakeIncus::closeQuietly);
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("fake incus responder failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void closeQuietly(Channel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already broken
        }
    }

    // ---------------------------------------------------------------- responders

    /** Writes {@code response} exactly as given. */
    public static Responder raw(String response) {
        return (request, conn) -> conn.write(response);
    }

    /** A response with a Content-Length body; {@code headers} are extra "Name: value\r\n" lines. */
    public static String http(int status, String headers, String body) {
        int length = body.getBytes(StandardCharsets.UTF_8).length;
        return "HTTP/1.1 " + status + " " + reason(status) + "\r\n" + headers
                + "Content-Length: " + length + "\r\n\r\n" + body;
    }

    public static String envelope(String metadata) {
        return "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"operation\":\"\",\"error_code\":0,"
                + "\"error\":\"\",\"metadata\":" + metadata + "}";
    }

    /** A standard sync answer carrying {@code metadata} (JSON). */
    public static Responder sync(String metadata) {
        return raw(http(200, "Content-Type: application/json\r\n", envelope(metadata)));
    }

    public static Responder error(int status, String message) {
        String body = "{\"type\":\"error\",\"error\":\"" + message + "\",\"error_code\":" + status + "}";
        return raw(http(status, "Content-Type: application/json\r\n", body));
    }

    /** A background operation {@code id} whose own metadata is {@code opMetadata} (JSON). */
    public static Responder async(String id, String opMetadata) {
        String body = "{\"type\":\"async\",\"status\":\"Operation created\",\"status_code\":100,"
                + "\"operation\":\"/1.0/operations/" + id + "\",\"error_code\":0,\"error\":\"\","
                + "\"metadata\":{\"id\":\"" + id + "\",\"class\":\"task\",\"status\":\"Running\",\"status_code\":103,"
                + "\"metadata\":" + opMetadata + "}}";
        return raw(http(202, "Content-Type: application/json\r\nLocation: /1.0/operations/" + id + "\r\n", body));
    }

    /** What /1.0/operations/ID/wait answers once the operation ended. */
    public static Responder operationEnded(String id, String status, String err, String opMetadata) {
        return sync("{\"id\":\"" + id + "\",\"class\":\"task\",\"status\":\"" + status + "\",\"err\":\"" + err
                + "\",\"metadata\":" + opMetadata + "}");
    }

    /**
     * What incusd answers /1.0/operations/ID/wait with when the operation failed: 200 carrying an
     * error envelope whose error_code is the failure's status (e.g. 409 for an address taken).
     */
    public static Responder operationFailed(int errorCode, String error) {
        return raw(http(200, "Content-Type: application/json\r\n",
                "{\"type\":\"error\",\"status\":\"\",\"status_code\":0,\"operation\":\"\",\"error_code\":" + errorCode
                        + ",\"error\":\"" + error.replace("\"", "\\\"") + "\",\"metadata\":null}"));
    }

    /** Accepts the websocket upgrade and queues the connection for {@link #websocket()}. */
    Responder upgrade() {
        return upgradeWith(null);
    }

    /** As {@link #upgrade()}, but answering with {@code accept} instead of the right Sec-WebSocket-Accept. */
    Responder upgradeWith(String accept) {
        return (request, conn) -> {
            String key = request.header("sec-websocket-key");
            conn.handedOver = true;
            // one lock over answer and queueing: the client's next upgrade, sent once it read this 101,
            // cannot be queued ahead of this one
            synchronized (websockets) {
                conn.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + (accept != null ? accept : acceptFor(key)) + "\r\n\r\n");
                websockets.add(new WsPeer(request, conn));
            }
        };
    }

    /** RFC 6455 4.2.2, computed here independently of the client's code. */
    static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 412 -> "Precondition Failed";
            case 500 -> "Internal Server Error";
            default -> "Status";
        };
    }

    // ---------------------------------------------------------------- websocket, server side

    /** The server end of an upgraded connection: writes unmasked frames, reads and unmasks the client's. */
    static final class WsPeer {
        static final int CONTINUATION = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

        /** A frame as received; {@code lengthCode} is the 7-bit length field (126: 16-bit, 127: 64-bit). */
        record Frame(boolean fin, int opcode, boolean masked, int lengthCode, byte[] payload) {
            String text() {
                return new String(payload, StandardCharsets.UTF_8);
            }

            int closeCode() {
                return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            }
        }

        private final Request request;
        private final Connection conn;
        private final DataInputStream in;

        WsPeer(Request request, Connection conn) {
            this.request = request;
            this.conn = conn;
            this.in = new DataInputStream(conn.in);
        }

        Request request() {
            return request;
        }

        Frame read() throws IOException {
            int b0 = in.readUnsignedByte(), b1 = in.readUnsignedByte();
            int lengthCode = b1 & 0x7f;
            long len = lengthCode == 126 ? in.readUnsignedShort() : lengthCode == 127 ? in.readLong() : lengthCode;
            byte[] mask = new byte[4];
            boolean masked = (b1 & 0x80) != 0;
            if (masked) in.readFully(mask);
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            for (int i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
            return new Frame((b0 & 0x80) != 0, b0 & 0x0f, masked, lengthCode, payload);
        }

        /** Reads frames up to and including the client's close frame. */
        List<Frame> readUntilClose() throws IOException {
            List<Frame> frames = new ArrayList<>();
            Frame f;
            do {
                f = read();
                frames.add(f);
            } while (f.opcode() != CLOSE);
            return frames;
        }

        /** True when the client closed the connection (end of stream) without sending more. */
        boolean atEnd() throws IOException {
            return conn.in.read() == -1;
        }

        void send(boolean fin, int opcode, byte[] payload) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write((fin ? 0x80 : 0) | opcode);
            int n = payload.length;
            if (n < 126) {
                frame.write(n);
            } else if (n < 65536) {
                frame.write(126);
                frame.write(n >> 8);
                frame.write(n);
            } else {
                frame.write(127);
                for (int i = 7; i >= 0; i--) frame.write((int) ((long) n >>> (8 * i)));
            }
            frame.write(payload);
            conn.out.write(frame.toByteArray());
            conn.out.flush();
        }

        void sendText(String text) throws IOException {
            send(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
        }

        void sendBinary(byte[] data) throws IOException {
            send(true, BINARY, data);
        }

        void sendClose(int code) throws IOException {
            send(true, CLOSE, new byte[] {(byte) (code >> 8), (byte) code});
        }

        void close() throws IOException {
            conn.close();
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
