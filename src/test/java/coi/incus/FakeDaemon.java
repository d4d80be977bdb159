package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FakeIncus} that keeps state: instances are created, started, stopped and deleted,
 * execs run (every command "succeeds" at once with no output, `tmux has-session` only after a
 * `tmux new-session` in that instance), and the file API answers that every path exists. For
 * unit tests of the session services above the client, on a real unix socket. A test can make
 * the next call of an action fail ({@link #failNext}) and read back what was done.
 */
public final class FakeDaemon implements AutoCloseable {
    public static final String BRIDGE = "incusbr0";
    public static final String BRIDGE_ADDRESS = "10.99.0.1/24";

    /** One exec the client ran: where, and the request body (command, user, group, cwd, environment). */
    public record ExecCall(String instance, JsonNode body) {
        public List<String> command() {
            List<String> argv = new ArrayList<>();
            body.path("command").forEach(n -> argv.add(n.asText()));
            return argv;
        }

        public int user() {
            return body.path("user").asInt(0);
        }

        public int group() {
            return body.path("group").asInt(0);
        }
    }

    private final FakeIncus fake;
    private final Map<String, ObjectNode> instances = new LinkedHashMap<>();
    private final Set<String> aliases = new HashSet<>();
    private final Map<String, FakeIncus.Responder> failures = new HashMap<>();
    private final Map<String, Integer> execReturns = new HashMap<>();
    private final Set<String> tmuxIn = new HashSet<>();
    private final Map<String, Deque<Integer>> exitsOf = new HashMap<>();
    private final List<ExecCall> execs = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<String>> statusReads = new HashMap<>();
    private final Set<String> heldByDhcp = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<String> actions = new CopyOnWriteArrayList<>();
    private final AtomicInteger operations = new AtomicInteger();
    private final Thread websocketServer;
    private volatile boolean closed;

    private FakeDaemon(Path dir) throws IOException {
        fake = FakeIncus.start(dir).fallback(this::respond);
        websocketServer = new Thread(this::serveWebsockets, "fake-daemon-ws");
        websocketServer.setDaemon(true);
        websocketServer.start();
    }

    public static FakeDaemon start(Path dir) throws IOException {
        return new FakeDaemon(dir);
    }

    public IncusClient client() {
        return fake.client();
    }

    public synchronized FakeDaemon alias(String name) {
        aliases.add(name);
        return this;
    }

    /** The next {@code action} ("create", "start", "stop", "delete", "exec", "state": a read of it) on {@code instance} fails with this answer. */
    public synchronized FakeDaemon failNext(String action, String instance, int status, String message) {
        failures.put(action + " " + instance, FakeIncus.error(status, message));
        return this;
    }

    /** The next exec whose command starts with {@code program} exits with {@code code} (and does nothing else); called again, the one after it. */
    public synchronized FakeDaemon exitNext(String program, int code) {
        exitsOf.computeIfAbsent(program, k -> new ArrayDeque<>()).add(code);
        return this;
    }

    public synchronized Set<String> instanceNames() {
        return new TreeSet<>(instances.keySet());
    }

    public synchronized Map<String, String> config(String instance) {
        Map<String, String> config = new LinkedHashMap<>();
        instances.get(instance).path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        return config;
    }

    public synchronized String status(String instance) {
        ObjectNode i = instances.get(instance);
        return i == null ? null : i.path("status").asText();
    }

    /** Sets a config key of an instance as the daemon reports it from now on. */
    public synchronized void config(String instance, String key, String value) {
        instances.get(instance).with("config").put(key, value);
    }

    /** Sets an instance's status as the daemon reports it from now on ("Frozen": what Incus says while a stopping container's monitor does not answer). */
    public synchronized void status(String instance, String status) {
        instances.get(instance).put("status", status);
    }

    /**
     * The next reads of {@code instance} (GET of it) say these statuses, one each, whatever it is;
     * then it reads as it is. What Incus says of a stopping container can be "Frozen" (its monitor
     * did not answer within 5 s) and then "Running" again. "Stopped@RUNNING" reads Stopped with
     * Incus's power record ({@link Instances#POWER}) RUNNING, as between a container's end and Incus's tidying after it.
     * A reading ending in "+" is the first after a new start (a reboot inside): the instance's last start (last_used_at)
     * is later from it on.
     */
    public synchronized FakeDaemon readsNext(String instance, String... statuses) {
        statusReads.computeIfAbsent(instance, k -> new ArrayDeque<>()).addAll(List.of(statuses));
        return this;
    }

    public List<ExecCall> execs() {
        return List.copyOf(execs);
    }

    /**
     * The bridge's DHCP server holds these addresses for clients Incus does not know: a running instance whose NIC pins one
     * of them reads as given {@link #DHCP_OWN} instead, as dnsmasq does it.
     */
    public synchronized FakeDaemon dhcpHolds(String... addresses) {
        heldByDhcp.addAll(List.of(addresses));
        return this;
    }

    /** The address the DHCP server gives a NIC whose pinned address it holds for another client. */
    public static final String DHCP_OWN = "10.99.0.250";

    /** What was done, in order: "create NAME", "start NAME", "stop NAME", "delete NAME", "exec NAME". */
    public List<String> actions() {
        return List.copyOf(actions);
    }

    /** Adds an instance as if made earlier (by coi or by hand). */
    public synchronized void existing(String name, String status, Map<String, String> config, boolean ephemeral) {
        ObjectNode i = instance(name, config, Json.object(), ephemeral);
        i.put("status", status);
        instances.put(name, i);
    }

    // ---------------------------------------------------------------- the daemon

    private void respond(FakeIncus.Request request, FakeIncus.Connection conn) throws IOException {
        String path = request.path();
        if (path.contains("/websocket?secret=")) {
            fake.upgrade().respond(request, conn);
            return;
        }
        FakeIncus.Responder answer;
        synchronized (this) {
            answer = answer(request.method(), path, request);
        }
        answer.respond(request, conn);
    }

    private static String bridge() {
        return "{\"name\":\"" + BRIDGE + "\",\"type\":\"bridge\",\"managed\":true,\"config\":{\"ipv4.address\":\"" + BRIDGE_ADDRESS + "\"}}";
    }

    private FakeIncus.Responder answer(String method, String path, FakeIncus.Request request) {
        String route = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String[] parts = route.split("/");
        if (route.equals("/1.0")) {
            return FakeIncus.sync("{\"api_version\":\"1.0\",\"auth\":\"trusted\",\"environment\":{\"kernel_features\":"
                    + "{\"idmapped_mounts\":\"true\"}},\"config\":{}}");
        }
        if (route.equals("/1.0/profiles/default")) {
            return FakeIncus.sync("{\"name\":\"default\",\"config\":{},\"devices\":{\"eth0\":{\"type\":\"nic\",\"network\":\""
                    + BRIDGE + "\",\"name\":\"eth0\"}}}");
        }
        if (route.equals("/1.0/storage-pools")) {
            return FakeIncus.sync("[{\"name\":\"default\",\"driver\":\"btrfs\",\"status\":\"Created\",\"config\":{}}]");
        }
        if (route.equals("/1.0/networks")) {
            return FakeIncus.sync("[" + bridge() + "]");
        }
        if (route.equals("/1.0/networks/" + BRIDGE)) {
            return FakeIncus.sync(bridge());
        }
        if (route.equals("/1.0/networks/" + BRIDGE + "/leases")) {
            // the gateway's own; the fixed addresses are the instances' pinned ones
            return FakeIncus.sync("[{\"hostname\":\"" + BRIDGE + ".gw\",\"address\":\""
                    + BRIDGE_ADDRESS.substring(0, BRIDGE_ADDRESS.indexOf('/')) + "\",\"type\":\"gateway\"}]");
        }
        if (route.equals("/1.0/images")) {
            // one image, "abc", that every alias names (as the alias route says)
            ArrayNode names = Json.MAPPER.createArrayNode();
            new TreeSet<>(aliases).forEach(a -> names.addObject().put("name", a).put("description", ""));
            ObjectNode image = Json.object().put("fingerprint", "abc").put("size", 1).put("public", false);
            image.set("aliases", names);
            return FakeIncus.sync(Json.MAPPER.createArrayNode().add(image).toString());
        }
        if (route.startsWith("/1.0/images/aliases/")) {
            String alias = decode(route.substring("/1.0/images/aliases/".length()));
            return aliases.contains(alias) ? FakeIncus.sync("{\"name\":\"" + alias + "\",\"target\":\"abc\"}")
                    : FakeIncus.error(404, "Image alias not found");
        }
        if (route.startsWith("/1.0/operations/") && route.endsWith("/wait")) {
            String id = parts[3];
            Integer code = execReturns.remove(id);
            return FakeIncus.operationEnded(id, "Success", "", code == null ? "{}" : "{\"return\":" + code + "}");
        }
        if (route.equals("/1.0/instances")) {
            if (method.equals("GET")) {
                ArrayNode all = Json.MAPPER.createArrayNode();
                instances.values().forEach(all::add);
                return FakeIncus.sync(all.toString());
            }
            return create(request.json());
        }
        if (parts.length >= 4 && route.startsWith("/1.0/instances/")) {
            String name = decode(parts[3]);
            String sub = parts.length > 4 ? parts[4] : "";
            ObjectNode instance = instances.get(name);
            if (instance == null) return FakeIncus.error(404, "Instance not found");
            return switch (method + " " + sub) {
                case "GET " -> {
                    String read = statusReads.getOrDefault(name, new ArrayDeque<>()).poll();
                    if (read == null) yield FakeIncus.sync(instance.toString());
                    if (read.endsWith("+")) {
                        read = read.substring(0, read.length() - 1);
                        started(instance);
                    }
                    ObjectNode seen = instance.deepCopy();
                    String[] statusAndPower = read.split("@", 2);
                    seen.put("status", statusAndPower[0]);
                    if (statusAndPower.length == 2) seen.with("config").put(Instances.POWER, statusAndPower[1]);
                    yield FakeIncus.sync(seen.toString());
                }
                case "GET state" -> {
                    FakeIncus.Responder failed = failure("state", name);
                    yield failed != null ? failed : FakeIncus.sync(state(instance).toString());
                }
                case "PUT state" -> changeState(name, instance, request.json().path("action").asText());
                case "PUT " -> update(instance, request.json());
                case "DELETE " -> delete(name);
                case "HEAD files" -> FakeIncus.raw(FakeIncus.http(200, "X-Incus-Type: file\r\nX-Incus-Mode: 0755\r\n", ""));
                case "POST files", "DELETE files" -> FakeIncus.sync("{}");
                case "POST exec" -> exec(name, request.json());
                default -> FakeIncus.error(400, "fake daemon does not know " + method + " " + path);
            };
        }
        return FakeIncus.error(404, "fake daemon does not know " + method + " " + path);
    }

    private FakeIncus.Responder failure(String action, String name) {
        return failures.remove(action + " " + name);
    }

    private FakeIncus.Responder create(JsonNode body) {
        String name = body.path("name").asText();
        FakeIncus.Responder failed = failure("create", name);
        if (failed != null) return failed;
        if (instances.containsKey(name)) return FakeIncus.error(409, "Instance \"" + name + "\" already exists");
        Map<String, String> config = new LinkedHashMap<>();
        body.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        instances.put(name, instance(name, config, (ObjectNode) body.path("devices"), body.path("ephemeral").asBoolean()));
        actions.add("create " + name);
        return operation("{}");
    }

    private static ObjectNode instance(String name, Map<String, String> config, ObjectNode devices, boolean ephemeral) {
        ObjectNode i = Json.object().put("name", name).put("status", "Stopped").put("type", "container").put("ephemeral", ephemeral)
                .put("created_at", OffsetDateTime.now().toString()).put("last_used_at", "1970-01-01T00:00:00Z");
        i.set("config", Json.MAPPER.valueToTree(config));
        i.set("devices", devices.deepCopy());
        i.set("expanded_devices", devices.deepCopy());
        return i;
    }

    /** As Incus records a start: its time in last_used_at (a later one than before, whatever the clock's resolution). */
    private void started(ObjectNode instance) {
        OffsetDateTime before = OffsetDateTime.parse(instance.path("last_used_at").asText("1970-01-01T00:00:00Z"));
        OffsetDateTime now = OffsetDateTime.now();
        instance.put("last_used_at", (now.isAfter(before) ? now : before.plusNanos(1000)).toString());
    }

    private FakeIncus.Responder changeState(String name, ObjectNode instance, String action) {
        FakeIncus.Responder failed = failure(action, name);
        if (failed != null) return failed;
        actions.add(action + " " + name);
        switch (action) {
            case "start" -> {
                instance.put("status", "Running");
                started(instance);
            }
            case "stop" -> {
                instance.put("status", "Stopped");
                tmuxIn.remove(name);
                // as Incus does: an ephemeral instance goes away when it stops
                if (instance.path("ephemeral").asBoolean()) instances.remove(name);
            }
            default -> instance.put("status", action);
        }
        return operation("{}");
    }

    /** A PUT of the instance's writable fields (`coi persist`). */
    private static FakeIncus.Responder update(ObjectNode instance, JsonNode body) {
        for (String field : List.of("config", "devices", "ephemeral")) {
            if (body.has(field)) instance.set(field, body.get(field).deepCopy());
        }
        return FakeIncus.sync("{}");
    }

    private FakeIncus.Responder delete(String name) {
        FakeIncus.Responder failed = failure("delete", name);
        if (failed != null) return failed;
        actions.add("delete " + name);
        instances.remove(name);
        tmuxIn.remove(name);
        return operation("{}");
    }

    private ObjectNode state(ObjectNode instance) {
        ObjectNode state = Json.object().put("status", instance.path("status").asText()).put("pid", 1);
        if (instance.path("status").asText().equals("Running")) {
            String pinned = instance.path("devices").path("eth0").path("ipv4.address").asText("10.99.0.50");
            String ip = heldByDhcp.contains(pinned) ? DHCP_OWN : pinned;
            state.set("network", Json.MAPPER.valueToTree(Map.of("eth0", Map.of("addresses",
                    List.of(Map.of("family", "inet", "address", ip, "netmask", "24", "scope", "global"))))));
        }
        return state;
    }

    private FakeIncus.Responder exec(String name, JsonNode body) {
        FakeIncus.Responder failed = failure("exec", name);
        if (failed != null) return failed;
        ExecCall call = new ExecCall(name, body);
        execs.add(call);
        actions.add("exec " + name);
        List<String> argv = call.command();
        int code = 0;
        // tmux itself, or exec'd at the end of a shell's command (`sh -c '...; exec "$@"' ... tmux new-session ...`)
        int tmux = argv.indexOf("tmux");
        Integer scripted = argv.isEmpty() ? null : exitsOf.getOrDefault(argv.get(0), new ArrayDeque<>()).poll();
        if (scripted != null) {
            code = scripted;
        } else if (tmux >= 0 && argv.size() > tmux + 1) {
            if (argv.get(tmux + 1).equals("new-session")) tmuxIn.add(name);
            if (argv.get(tmux + 1).equals("has-session") && !tmuxIn.contains(name)) code = 1;
        }
        String id = "op" + operations.incrementAndGet();
        execReturns.put(id, code);
        return FakeIncus.async(id, "{\"fds\":{\"control\":\"c\",\"0\":\"i\",\"1\":\"o\",\"2\":\"e\"}}");
    }

    private FakeIncus.Responder operation(String metadata) {
        return FakeIncus.async("op" + operations.incrementAndGet(), metadata);
    }

    /** Plays each exec's streams: stdin read to its close, stdout and stderr ended at once, control left to the client. */
    private void serveWebsockets() {
        while (!closed) {
            try {
                FakeIncus.WsPeer ws = fake.pollWebsocket(200);
                if (ws == null) continue;
                String secret = ws.request().path().substring(ws.request().path().indexOf("secret=") + 7);
                switch (secret) {
                    case "o", "e" -> {
                        ws.sendBinary(new byte[0]);
                        ws.sendClose(1000);
                    }
                    case "i" -> Thread.ofVirtual().start(() -> {
                        try {
                            ws.readUntilClose();
                            ws.close();
                        } catch (IOException clientGone) {
                            // the command "ended" anyway
                        }
                    });
                    default -> { }
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException clientGone) {
                // a client that dropped a stream: the exec reports it
            }
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        closed = true;
        websocketServer.interrupt();
        fake.close();
    }
}
