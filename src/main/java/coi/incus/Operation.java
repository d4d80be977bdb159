package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;

/** A background operation of the daemon (create, start, exec, publish...). */
final class Operation {
    private final DaemonConnection incus;
    private final String id;
    private final JsonNode initial;

    Operation(DaemonConnection incus, String id, JsonNode initial) {
        this.incus = incus;
        this.id = id;
        this.initial = initial;
    }

    String id() {
        return id;
    }

    /** The operation as first returned (its metadata carries e.g. exec's websocket secrets). */
    JsonNode initial() {
        return initial;
    }

    /** Waits until the operation ends; a failed operation throws with the daemon's error. */
    JsonNode await() {
        if (id.isEmpty()) return initial;
        // incusd answers the wait of a failed operation with an error envelope (its error_code the
        // failure's HTTP status, e.g. 409 for an address already taken), which the connection throws
        JsonNode op = incus.longPoll("/1.0/operations/" + DaemonConnection.enc(id) + "/wait?timeout=-1");
        String status = op.path("status").asText();
        // an ended operation handed back as such carries no HTTP status for its failure, only its text
        if ("Failure".equals(status) || "Cancelled".equals(status)) throw IncusException.of(0, op.path("err").asText(status));
        return op;
    }
}
