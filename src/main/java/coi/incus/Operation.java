package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** A background operation of the daemon (create, start, exec, publish...). */
public final class Operation {
    private final IncusClient client;
    private final String id;
    private final JsonNode initial;

    Operation(IncusClient client, String id, JsonNode initial) {
        this.client = client;
        this.id = id;
        this.initial = initial;
    }

    public String id() {
        return id;
    }

    /** The operation as first returned (its metadata carries e.g. exec's websocket secrets). */
    public JsonNode initial() {
        return initial;
    }

    /** Current state, including progress metadata for long operations. */
    public JsonNode refresh() {
        return client.get("/1.0/operations/" + IncusClient.enc(id));
    }

    /** Waits until the operation ends; a failed operation throws with the daemon's error. */
    public JsonNode await() {
        return await(null);
    }

    public JsonNode await(Duration timeout) {
        if (id.isEmpty()) return initial;
        String query = timeout == null ? "?timeout=-1" : "?timeout=" + Math.max(1, timeout.toSeconds());
        JsonNode op = client.longPoll("/1.0/operations/" + IncusClient.enc(id) + "/wait" + query, timeout);
        String status = op.path("status").asText();
        if ("Failure".equals(status) || "Cancelled".equals(status)) {
            String err = op.path("err").asText(status);
            throw IncusException.of(err.contains("not found") ? 404 : err.contains("already exists") ? 409 : 500, err);
        }
        return op;
    }

    public void cancel() {
        client.call("DELETE", "/1.0/operations/" + IncusClient.enc(id), null);
    }
}
