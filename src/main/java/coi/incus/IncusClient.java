package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The only code in coi that talks to Incus: a typed client over the REST API (/1.0/...), on the
 * local unix socket or a remote HTTPS endpoint. Background operations are waited for; daemon
 * errors become {@link IncusException}s carrying the daemon's message.
 */
public final class IncusClient implements AutoCloseable {
    public static final Path DEFAULT_SOCKET = Path.of("/var/lib/incus/unix.socket");
    /** incusd drops idle keep-alive connections after 30 s; reusing one close to that races it. */
    private static final long IDLE_LIMIT_NANOS = Duration.ofSeconds(20).toNanos();

    private final Transport transport;
    private final String project;
    private final Deque<Idle> idle = new ArrayDeque<>();

    private record Idle(Transport.Conn conn, long since) {}

    /** The incus CLI's name for this daemon, when it was chosen as one of its remotes; null otherwise. */
    private final String cliRemote;

    public IncusClient(Transport transport, String project) {
        this(transport, project, null);
    }

    private IncusClient(Transport transport, String project, String cliRemote) {
        this.transport = transport;
        this.project = project == null || project.isBlank() ? "default" : project;
        this.cliRemote = cliRemote;
    }

    public static IncusClient local(Path socket) {
        return new IncusClient(new UnixSocketTransport(socket), "default");
    }

    public static IncusClient remote(URI url, Path clientCert, Path clientKey, Path serverCert) {
        return new IncusClient(new TlsTransport(url, clientCert, clientKey, serverCert), "default");
    }

    public static IncusClient local(Path socket, Timeouts timeouts) {
        return new IncusClient(new UnixSocketTransport(socket, timeouts), "default");
    }

    public static IncusClient remote(URI url, Path clientCert, Path clientKey, Path serverCert, Timeouts timeouts) {
        return new IncusClient(new TlsTransport(url, clientCert, clientKey, serverCert, timeouts), "default");
    }

    public IncusClient inProject(String name) {
        return new IncusClient(transport, name, cliRemote);
    }

    /** The same daemon, known to the incus CLI as remote {@code name} (so a terminal handed to it reaches it too). */
    public IncusClient asCliRemote(String name) {
        return new IncusClient(transport, project, name);
    }

    public Optional<String> cliRemote() {
        return Optional.ofNullable(cliRemote);
    }

    public String address() {
        return transport.address();
    }

    public String project() {
        return project;
    }

    // ---------------------------------------------------------------- server

    public Model.Server server() {
        return Json.convert(get("/1.0"), Model.Server.class);
    }

    public void updateServerConfig(Map<String, String> config) {
        ObjectNode body = Json.object();
        body.set("config", Json.MAPPER.valueToTree(config));
        call("PATCH", "/1.0", body);
    }

    /** Trusts a client certificate (PEM) for remote access; returns its fingerprint. */
    public String trustCertificate(String name, String pem) {
        String der = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        ObjectNode body = Json.object().put("type", "client").put("name", name).put("certificate", der);
        call("POST", "/1.0/certificates", body);
        for (JsonNode cert : get("/1.0/certificates?recursion=1")) {
            if (name.equals(cert.path("name").asText())) return cert.path("fingerprint").asText();
        }
        throw new IncusException(404, "certificate " + name + " was added but is not listed");
    }

    public void untrustCertificate(String fingerprint) {
        call("DELETE", "/1.0/certificates/" + enc(fingerprint), null);
    }

    // ---------------------------------------------------------------- instances

    public List<Model.Instance> instances() {
        return list(get(withProject("/1.0/instances?recursion=2")), Model.Instance.class);
    }

    public Model.Instance instance(String name) {
        return Json.convert(get(withProject("/1.0/instances/" + enc(name))), Model.Instance.class);
    }

    /** The instance, or empty when it does not exist. */
    public Optional<Model.Instance> findInstance(String name) {
        try {
            return Optional.of(instance(name));
        } catch (IncusException.NotFound e) {
            return Optional.empty();
        }
    }

    public boolean instanceExists(String name) {
        return findInstance(name).isPresent();
    }

    /**
     * Waits up to {@code timeout} for the instance to get an IPv4 address (its DHCP lease), so
     * that a command run right after start does not race the network. Returns whether it got one.
     */
    public boolean awaitIpv4(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (instanceState(name).ipv4() == null) {
            if (System.nanoTime() > deadline) return false;
            sleep(100);
        }
        return true;
    }

    public Model.InstanceState instanceState(String name) {
        return Json.convert(get(withProject("/1.0/instances/" + enc(name) + "/state")), Model.InstanceState.class);
    }

    /** Creates (and with {@code spec.start()} starts) an instance in one operation. */
    public void createInstance(InstanceSpec spec) {
        ObjectNode body = Json.object().put("name", spec.name()).put("type", "container")
                .put("ephemeral", spec.ephemeral()).put("start", spec.start());
        ObjectNode source = body.putObject("source").put("type", "image");
        if (spec.server() != null) source.put("mode", "pull").put("server", spec.server()).put("protocol", "simplestreams").put("alias", spec.image());
        else if (spec.image().matches("[0-9a-f]{12,64}")) source.put("fingerprint", spec.image());
        else source.put("alias", spec.image());
        body.set("config", Json.MAPPER.valueToTree(spec.config()));
        body.set("devices", Json.MAPPER.valueToTree(spec.devices()));
        if (spec.profiles() != null) body.set("profiles", Json.MAPPER.valueToTree(spec.profiles()));
        try {
            operation(call("POST", withProject("/1.0/instances"), body)).await();
        } catch (IncusException e) {
            // incusd's words for a missing alias do not name it
            if (e.getMessage().startsWith("Image not provided")) throw new IncusException.NotFound("image '" + spec.image() + "' not found");
            throw e;
        }
    }

    public void start(String name) {
        changeState(name, "start", -1, false);
    }

    /** Stops cleanly within {@code timeoutSeconds}, or at once with {@code force}. */
    public void stop(String name, int timeoutSeconds, boolean force) {
        changeState(name, "stop", timeoutSeconds, force);
    }

    /**
     * Asks for a forced stop and returns without waiting: Incus carries it out (and removes an
     * ephemeral instance) whether or not anyone waits for the operation.
     */
    public void stopInBackground(String name) {
        call("PUT", withProject("/1.0/instances/" + enc(name) + "/state"), Json.object().put("action", "stop").put("timeout", -1).put("force", true));
    }

    public void restart(String name, int timeoutSeconds, boolean force) {
        changeState(name, "restart", timeoutSeconds, force);
    }

    public void freeze(String name) {
        changeState(name, "freeze", -1, false);
    }

    public void unfreeze(String name) {
        changeState(name, "unfreeze", -1, false);
    }

    private void changeState(String name, String action, int timeout, boolean force) {
        ObjectNode body = Json.object().put("action", action).put("timeout", timeout).put("force", force);
        operation(call("PUT", withProject("/1.0/instances/" + enc(name) + "/state"), body)).await();
    }

    /** Deletes an instance; {@code force} stops it first if it runs (as `incus delete -f`). */
    public void delete(String name, boolean force) {
        if (force) {
            try {
                if (instance(name).running() || "Frozen".equals(instance(name).status())) stop(name, -1, true);
            } catch (IncusException.NotFound e) {
                return;
            } catch (IncusException e) {
                // an ephemeral instance disappears while stopping; the delete below settles it
            }
        }
        for (int attempt = 0; ; attempt++) {
            try {
                operation(call("DELETE", withProject("/1.0/instances/" + enc(name)), null)).await();
                return;
            } catch (IncusException.NotFound e) {
                if (!force) throw e;
                return;
            } catch (IncusException e) {
                // an instance still being created or started refuses deletion (and the stop before
                // it) for a moment: stop again once the start has finished, then delete
                boolean retry = e.getMessage().contains("is busy") || e.getMessage().contains("is running");
                // otherwise someone else (Incus removing a stopped ephemeral instance, coi's
                // watcher) may be deleting it right now: that is the outcome asked for
                if (force && (retry ? !instanceExists(name) : awaitGone(name, 10_000))) return;
                if (!force || attempt >= 60 || !retry) throw e;
                sleep(250);
                try {
                    stop(name, -1, true);
                } catch (IncusException notYet) {
                    // still starting, or already stopped: the next delete tells
                }
            }
        }
    }

    private boolean awaitGone(String name, long ms) {
        long deadline = System.nanoTime() + ms * 1_000_000;
        while (instanceExists(name)) {
            if (System.nanoTime() > deadline) return false;
            sleep(200);
        }
        return true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IncusException("interrupted", e);
        }
    }

    /**
     * Read-modify-write of an instance's writable fields (config, devices, profiles...) guarded by
     * its ETag, so a concurrent change is refused rather than overwritten.
     */
    public void updateInstance(String name, UnaryOperator<ObjectNode> change) {
        update(withProject("/1.0/instances/" + enc(name)), change);
    }

    private void update(String path, UnaryOperator<ObjectNode> change) {
        Tagged current = getTagged(path);
        ObjectNode updated = change.apply((ObjectNode) current.body().deepCopy());
        Map<String, String> headers = current.etag() == null ? Map.of() : Map.of("If-Match", current.etag());
        JsonNode result = call("PUT", path, headers, body(updated));
        if (result != null && result.has("id")) operation(result).await();
    }

    public void setConfig(String name, String key, String value) {
        updateInstance(name, inst -> {
            ObjectNode config = inst.with("config");
            if (value == null) config.remove(key);
            else config.put(key, value);
            return inst;
        });
    }

    public void addDevice(String name, String device, Map<String, String> config) {
        updateInstance(name, inst -> {
            ObjectNode devices = inst.with("devices");
            if (devices.has(device)) throw new IncusException.Conflict("device " + device + " already exists on " + name);
            devices.set(device, Json.MAPPER.valueToTree(config));
            return inst;
        });
    }

    public void removeDevice(String name, String device) {
        updateInstance(name, inst -> {
            if (inst.with("devices").remove(device) == null) throw new IncusException.NotFound("device " + device + " not found on " + name);
            return inst;
        });
    }

    // ---------------------------------------------------------------- snapshots

    public List<Model.Snapshot> snapshots(String name) {
        return list(get(withProject("/1.0/instances/" + enc(name) + "/snapshots?recursion=1")), Model.Snapshot.class);
    }

    public void createSnapshot(String name, String snapshot) {
        operation(call("POST", withProject("/1.0/instances/" + enc(name) + "/snapshots"), Json.object().put("name", snapshot))).await();
    }

    /** Puts the instance's filesystem back to the snapshot (Incus stops and restarts a running one). */
    public void restoreSnapshot(String name, String snapshot) {
        operation(call("PUT", withProject("/1.0/instances/" + enc(name)), Json.object().put("restore", snapshot))).await();
    }

    public void deleteSnapshot(String name, String snapshot) {
        operation(call("DELETE", withProject("/1.0/instances/" + enc(name) + "/snapshots/" + enc(snapshot)), null)).await();
    }

    // ---------------------------------------------------------------- exec

    /**
     * Runs a command without a terminal and streams its output. {@code stdin} may be null (the
     * command sees end-of-file at once). Returns the command's exit code.
     */
    public int exec(String name, ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return new Exec(this, transport).run(name, request, stdin, stdout, stderr);
    }

    public Model.ExecResult execCapture(String name, ExecRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = exec(name, request, null, out, err);
        return new Model.ExecResult(code, out.toByteArray(), err.toByteArray());
    }

    /** Convenience for scripts run as root: captured output, exit code checked by the caller. */
    public Model.ExecResult sh(String name, String script) {
        return execCapture(name, ExecRequest.of("sh", "-c", script));
    }

    JsonNode startExec(String name, ObjectNode body) {
        return call("POST", withProject("/1.0/instances/" + enc(name) + "/exec"), body);
    }

    // ---------------------------------------------------------------- files

    public InstanceFiles files(String instance) {
        return new InstanceFiles(this, instance);
    }

    String filesPath(String instance, String path) {
        return withProject("/1.0/instances/" + enc(instance) + "/files?path=" + enc(path));
    }

    // ---------------------------------------------------------------- images

    public List<Model.Image> images() {
        return list(get(withProject("/1.0/images?recursion=1")), Model.Image.class);
    }

    public List<Model.ImageAlias> imageAliases() {
        return list(get(withProject("/1.0/images/aliases?recursion=1")), Model.ImageAlias.class);
    }

    public boolean aliasExists(String alias) {
        try {
            get(withProject("/1.0/images/aliases/" + enc(alias)));
            return true;
        } catch (IncusException.NotFound e) {
            return false;
        }
    }

    /** The image an alias points at. */
    public Model.Image imageByAlias(String alias) {
        String target = get(withProject("/1.0/images/aliases/" + enc(alias))).path("target").asText();
        return Json.convert(get(withProject("/1.0/images/" + enc(target))), Model.Image.class);
    }

    /** Imports a split image (metadata tarball + rootfs tarball); returns the fingerprint. */
    public String importImage(Path metadata, Path rootfs, String alias, Map<String, String> properties) {
        Multipart form = new Multipart().file("metadata", metadata).file("rootfs", rootfs);
        Map<String, String> headers = new LinkedHashMap<>();
        if (!properties.isEmpty()) {
            StringBuilder props = new StringBuilder();
            properties.forEach((k, v) -> props.append(props.isEmpty() ? "" : "&").append(enc(k)).append('=').append(enc(v)));
            headers.put("X-Incus-properties", props.toString());
        }
        JsonNode op = operation(call("POST", withProject("/1.0/images"), headers, form)).await();
        String fingerprint = op.path("metadata").path("fingerprint").asText();
        if (alias != null) createAlias(alias, fingerprint, "");
        return fingerprint;
    }

    /** Publishes an instance (stopped, or a snapshot) as an image; returns the fingerprint. */
    public String publish(String instance, String alias, Map<String, String> properties) {
        ObjectNode body = Json.object();
        body.putObject("source").put("type", "instance").put("name", instance);
        body.set("properties", Json.MAPPER.valueToTree(properties));
        // images stay on this host: compressing them only costs time (20 s for 100 MB measured)
        body.put("compression_algorithm", "none");
        if (alias != null) body.putArray("aliases").addObject().put("name", alias);
        JsonNode op = operation(call("POST", withProject("/1.0/images"), body)).await();
        return op.path("metadata").path("fingerprint").asText();
    }

    public void createAlias(String alias, String fingerprint, String description) {
        ObjectNode body = Json.object().put("name", alias).put("target", fingerprint).put("description", description);
        call("POST", withProject("/1.0/images/aliases"), body);
    }

    public void deleteAlias(String alias) {
        call("DELETE", withProject("/1.0/images/aliases/" + enc(alias)), null);
    }

    public void deleteImage(String fingerprint) {
        operation(call("DELETE", withProject("/1.0/images/" + enc(fingerprint)), null)).await();
    }

    public void updateImageProperties(String fingerprint, Map<String, String> properties) {
        String path = withProject("/1.0/images/" + enc(fingerprint));
        ObjectNode image = (ObjectNode) get(path);
        ObjectNode put = Json.object();
        put.set("properties", Json.MAPPER.valueToTree(properties));
        put.put("public", image.path("public").asBoolean());
        put.put("auto_update", image.path("auto_update").asBoolean());
        call("PUT", path, put);
    }

    // ---------------------------------------------------------------- pools, networks, profiles

    public List<Model.StoragePool> storagePools() {
        return list(get(withProject("/1.0/storage-pools?recursion=1")), Model.StoragePool.class);
    }

    public List<Model.Network> networks() {
        return list(get(withProject("/1.0/networks?recursion=1")), Model.Network.class);
    }

    public List<Model.Profile> profiles() {
        return list(get(withProject("/1.0/profiles?recursion=1")), Model.Profile.class);
    }

    public Model.Profile profile(String name) {
        return Json.convert(get(withProject("/1.0/profiles/" + enc(name))), Model.Profile.class);
    }

    /** A managed bridge with these settings (e.g. ipv4.address, ipv4.nat, ipv6.address). */
    public void createBridge(String name, Map<String, String> config) {
        ObjectNode body = Json.object().put("name", name).put("type", "bridge");
        body.set("config", Json.MAPPER.valueToTree(config));
        call("POST", withProject("/1.0/networks"), body);
    }

    /** A storage pool, e.g. driver btrfs with {@code size} for a loop file the daemon makes. */
    public void createStoragePool(String name, String driver, Map<String, String> config) {
        ObjectNode body = Json.object().put("name", name).put("driver", driver);
        body.set("config", Json.MAPPER.valueToTree(config));
        call("POST", "/1.0/storage-pools", body);
    }

    /** Adds a device to a profile, guarded by its ETag like {@link #updateInstance}. */
    public void addProfileDevice(String profile, String device, Map<String, String> config) {
        update(withProject("/1.0/profiles/" + enc(profile)), p -> {
            ObjectNode devices = p.with("devices");
            if (devices.has(device)) throw new IncusException.Conflict("device " + device + " already exists in profile " + profile);
            devices.set(device, Json.MAPPER.valueToTree(config));
            return p;
        });
    }

    public void deleteNetwork(String name) {
        call("DELETE", withProject("/1.0/networks/" + enc(name)), null);
    }

    public void deleteStoragePool(String name) {
        call("DELETE", "/1.0/storage-pools/" + enc(name), null);
    }

    // ---------------------------------------------------------------- operations and events

    public Operation operation(JsonNode op) {
        return new Operation(this, op.path("id").asText(), op);
    }

    public Operation operation(String id) {
        return new Operation(this, id, get("/1.0/operations/" + enc(id)));
    }

    /**
     * Subscribes to the events stream ({@code types}: lifecycle, operation, logging). Events arrive
     * on a background thread until the returned handle is closed or the daemon goes away.
     */
    public EventStream events(String types, Consumer<JsonNode> listener) {
        String path = "/1.0/events?type=" + enc(types) + (project.equals("default") ? "" : "&project=" + enc(project));
        try {
            return new EventStream(websocket(path), listener);
        } catch (IOException e) {
            throw new IncusException("cannot subscribe to the events of Incus at " + transport.address() + ": " + e.getMessage(), e);
        }
    }

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

    // ---------------------------------------------------------------- plumbing

    JsonNode get(String path) {
        return call("GET", path, null);
    }

    /**
     * A GET the daemon may legitimately hold for {@code serverTime} before answering (an
     * operation's wait); null holds without limit.
     */
    JsonNode longPoll(String path, Duration serverTime) {
        Duration allowance = serverTime == null ? Duration.ZERO : serverTime.plus(transport.timeouts().read());
        return exchange("GET", path, Map.of(), null, allowance, r -> metadata(r.status(), r.readAll()));
    }

    JsonNode call(String method, String path, JsonNode body) {
        return call(method, path, Map.of(), body == null ? null : body(body));
    }

    private static Http.Body body(JsonNode json) {
        return Http.Body.bytes(Json.bytes(json), "application/json");
    }

    private record Tagged(JsonNode body, String etag) {}

    private Tagged getTagged(String path) {
        return exchange("GET", path, Map.of(), null, r -> new Tagged(metadata(r.status(), r.readAll()), r.header("etag")));
    }

    /** One request whose answer is the standard Incus JSON envelope; returns its metadata. */
    JsonNode call(String method, String path, Map<String, String> headers, Http.Body body) {
        return exchange(method, path, headers, body, r -> metadata(r.status(), r.readAll()));
    }

    private static JsonNode metadata(int status, byte[] raw) {
        // the status first: an error body need not be JSON (a proxy, Go's router), parsing it would hide it
        if (status >= 400) throw errorFrom(status, raw);
        JsonNode envelope = raw.length == 0 ? Json.object() : Json.parse(raw);
        if ("error".equals(envelope.path("type").asText())) throw errorFrom(status, raw);
        return envelope.path("metadata");
    }

    static IncusException errorFrom(int status, byte[] raw) {
        String message = new String(raw, StandardCharsets.UTF_8).trim();
        int code = status;
        try {
            JsonNode json = Json.parse(raw);
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

    IncusException unreachable(IOException e) {
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

    String withProject(String path) {
        if (project.equals("default")) return path;
        return path + (path.contains("?") ? "&" : "?") + "project=" + enc(project);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static <T> List<T> list(JsonNode array, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (JsonNode n : array) out.add(Json.convert(n, type));
        return out;
    }

    @Override
    public synchronized void close() {
        idle.forEach(i -> i.conn().close());
        idle.clear();
    }

    /** A multipart/form-data body streamed from files, as the image import endpoint takes it. */
    private static final class Multipart implements Http.Body {
        private final String boundary = "coi-" + Long.toHexString(System.nanoTime());
        private final List<Map.Entry<String, Path>> parts = new ArrayList<>();

        Multipart file(String name, Path path) {
            parts.add(Map.entry(name, path));
            return this;
        }

        public long length() {
            return -1;
        }

        public String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        public void writeTo(OutputStream out) throws IOException {
            for (var part : parts) {
                String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.getKey()
                        + "\"; filename=\"" + part.getValue().getFileName() + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
                out.write(head.getBytes(StandardCharsets.UTF_8));
                try (InputStream in = java.nio.file.Files.newInputStream(part.getValue())) {
                    in.transferTo(out);
                }
                out.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
