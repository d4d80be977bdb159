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

    /**
     * Waits at most {@code seconds} (at least 1) for the operation to end: the ended operation, or
     * empty while it still runs. A failed operation throws, as {@link #await} does.
     */
    java.util.Optional<JsonNode> awaitUpTo(long seconds) {
        if (id.isEmpty()) return java.util.Optional.of(initial);
        try {
            return java.util.Optional.of(ended(incus.longPoll("/1.0/operations/" + DaemonConnection.enc(id) + "/wait?timeout=" + Math.max(1, seconds))));
        } catch (IncusException e) {
            // incusd's answer to a wait that timed out: the operation runs on
            if ("context deadline exceeded".equals(e.getMessage())) return java.util.Optional.empty();
            throw e;
        }
    }

    /** Waits until the operation ends; a failed operation throws with the daemon's error. */
    JsonNode await() {
        if (id.isEmpty()) return initial;
        // incusd answers the wait of a failed operation with an error envelope (its error_code the
        // failure's HTTP status, e.g. 409 for an address already taken), which the connection throws
        return ended(incus.longPoll("/1.0/operations/" + DaemonConnection.enc(id) + "/wait?timeout=-1"));
    }

    private static JsonNode ended(JsonNode op) {
        String status = op.path("status").asText();
        // an ended operation handed back as such carries no HTTP status for its failure, only its text
        if ("Failure".equals(status) || "Cancelled".equals(status)) throw IncusException.of(0, op.path("err").asText(status));
        return op;
    }
}
