package coi.train;

import coi.incus.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link StandIn}'s instances as a launch changes them, as incusd 6.0.4 answers: create,
 * start and stop, an update of config and devices, delete, and exec, each an operation that has
 * ended by the time it is waited on (every command "succeeds" at once: its output websockets end
 * at once, {@link #stream}). The answers of the instance list, each instance and its state are
 * rewritten in the stand-in's answers after each change. Only the full training changes
 * anything: the quick one never loads this.
 */
final class StandInInstances {
    /** The websocket secrets of an exec are this and the stream's number ("control" for the control socket). */
    private static final String EXEC_SECRET = "secret-";

    /** An operation's answer: its HTTP status and body. */
    record Reply(int status, String body) {}

    private final Map<String, String> answers;
    private final ObjectNode template;
    private final Set<String> gone = ConcurrentHashMap.newKeySet();

    /** {@code answers}: the stand-in's (shared, changed here); new instances are made after its pool member's shape. */
    StandInInstances(Map<String, String> answers) {
        this.answers = answers;
        ObjectNode member = null;
        for (JsonNode i : list()) {
            if (i.path("config").has("user.coi.pool")) member = (ObjectNode) i;
        }
        this.template = member;
    }

    /** Whether an instance of this name was deleted: asking for it again is what a client does to see it gone. */
    boolean gone(String name) {
        return gone.contains(name);
    }

    /** The answer to a change or an exec, or null when this is none the stand-in knows. */
    synchronized Reply change(String method, String path, byte[] body) {
        if (method.equals("POST") && path.equals("/1.0/instances")) return create(Json.parse(body));
        if (!path.startsWith("/1.0/instances/")) return null;
        String[] parts = path.substring("/1.0/instances/".length()).split("/");
        ArrayNode all = list();
        int index = indexOf(all, parts[0]);
        if (index < 0) return null;
        ObjectNode instance = (ObjectNode) all.get(index);
        String action = method + " " + (parts.length > 1 ? parts[1] : "");
        switch (action) {
            case "PUT " -> {
                JsonNode put = Json.parse(body);
                for (String field : new String[] {"config", "devices"}) {
                    instance.set(field, put.path(field).deepCopy());
                    instance.set("expanded_" + field, put.path(field).deepCopy());
                }
                return save(all, "Updating instance");
            }
            case "PUT state" -> {
                boolean start = "start".equals(Json.parse(body).path("action").asText());
                if (!start && instance.path("ephemeral").asBoolean()) gone.add(all.remove(index).path("name").asText());
                else status(instance, start);
                return save(all, start ? "Starting instance" : "Stopping instance");
            }
            case "DELETE " -> {
                gone.add(all.remove(index).path("name").asText());
                return save(all, "Deleting instance");
            }
            case "POST exec" -> {
                ObjectNode fds = Json.object();
                for (String fd : new String[] {"0", "1", "2", "control"}) fds.put(fd, EXEC_SECRET + fd);
                return operation("Executing command", Json.object().set("fds", fds));
            }
            default -> {
                return null;
            }
        }
    }

    /** The wait of an operation: ended, successfully (an exec's command returned 0). */
    static String ended(String id) {
        return operation(id, "Success", 200, Json.object().put("return", 0)).toString();
    }

    private Reply create(JsonNode body) {
        ArrayNode all = list();
        String name = body.path("name").asText();
        if (indexOf(all, name) >= 0) return new Reply(409, StandIn.error(409, "Instance \"" + name + "\" already exists"));
        gone.remove(name);
        ObjectNode instance = template.deepCopy();
        instance.put("name", name).put("ephemeral", body.path("ephemeral").asBoolean());
        ObjectNode config = Json.object();
        template.path("config").properties().forEach(e -> {
            if (!e.getKey().startsWith("user.")) config.set(e.getKey(), e.getValue());
        });
        body.path("config").properties().forEach(e -> config.set(e.getKey(), e.getValue()));
        instance.set("config", config);
        instance.set("expanded_config", config.deepCopy());
        instance.set("devices", body.path("devices").deepCopy());
        instance.set("expanded_devices", body.path("devices").deepCopy());
        status(instance, false);
        all.add(instance);
        return save(all, "Creating instance");
    }

    /** Running with eth0's pinned address (DHCP hands it out at once here), or stopped. */
    private static void status(ObjectNode instance, boolean running) {
        instance.put("status", running ? "Running" : "Stopped").put("status_code", running ? 103 : 102);
        ObjectNode state = (ObjectNode) instance.path("state");
        state.put("status", running ? "Running" : "Stopped").put("status_code", running ? 103 : 102);
        String address = instance.path("devices").path("eth0").path("ipv4.address").asText("");
        JsonNode eth0 = state.path("network").path("eth0").path("addresses");
        if (running && !address.isEmpty() && eth0.size() > 0) ((ObjectNode) eth0.get(0)).put("address", address);
    }

    private Reply save(ArrayNode all, String description) {
        // replaced in place, the removed ones last: a read meanwhile (a launch's steps overlap) never misses an instance that is there
        answers.put(StandIn.INSTANCES, all.toString());
        ArrayNode withoutState = all.deepCopy();
        withoutState.forEach(i -> ((ObjectNode) i).remove(List.of("state", "snapshots", "backups")));
        answers.put(StandIn.INSTANCES_WITHOUT_STATE, withoutState.toString());
        answers.put(StandIn.INSTANCES_OF_ALL_PROJECTS, withoutState.toString());
        for (JsonNode i : all) {
            // `GET /1.0/instances/NAME` answers without the state, snapshots and backups of recursion=2
            String path = "/1.0/instances/" + i.path("name").asText();
            answers.put(path + "/state", i.path("state").toString());
            answers.put(path, ((ObjectNode) i.deepCopy()).without(List.of("state", "snapshots", "backups")).toString());
        }
        for (String name : gone) {
            answers.remove("/1.0/instances/" + name);
            answers.remove("/1.0/instances/" + name + "/state");
        }
        return operation(description, Json.object());
    }

    private static Reply operation(String description, ObjectNode metadata) {
        ObjectNode op = operation(UUID.randomUUID().toString(), "Running", 103, metadata).put("description", description);
        String body = Json.object().put("type", "async").put("status", "Operation created").put("status_code", 100)
                .put("operation", "/1.0/operations/" + op.path("id").asText()).put("error_code", 0).put("error", "")
                .set("metadata", op).toString();
        return new Reply(202, body);
    }

    private static ObjectNode operation(String id, String status, int code, ObjectNode metadata) {
        ObjectNode op = Json.object().put("id", id).put("class", "task").put("description", "")
                .put("created_at", "2026-12-04T20:30:38.000000000Z").put("updated_at", "2026-12-04T20:30:38.000000000Z")
                .put("status", status).put("status_code", code);
        op.putObject("resources");
        op.set("metadata", metadata);
        return op.put("may_cancel", false).put("err", "").put("location", "none");
    }

    private ArrayNode list() {
        return (ArrayNode) Json.parse(answers.get(StandIn.INSTANCES).getBytes(StandardCharsets.UTF_8));
    }

    private static int indexOf(ArrayNode all, String name) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).path("name").asText().equals(name)) return i;
        }
        return -1;
    }

    /**
     * One of an exec's websockets: stdout and stderr end at once (an empty message, Incus's end of
     * a stream, then a close); stdin and control are read until the client closes them.
     */
    static void stream(String requestLine, String key, InputStream in, OutputStream out) throws IOException {
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept(key)
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        if (requestLine.endsWith(EXEC_SECRET + "1") || requestLine.endsWith(EXEC_SECRET + "2")) {
            // binary frame, empty; then close, code 1000
            out.write(new byte[] {(byte) 0x82, 0, (byte) 0x88, 2, 0x03, (byte) 0xe8});
            out.flush();
        }
        in.transferTo(OutputStream.nullOutputStream());
    }

    private static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
