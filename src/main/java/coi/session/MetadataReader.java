package coi.session;

import coi.incus.JsonTree;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * `metadata.json` as coi writes it, read with the streaming parser and filled by hand: `coi list`
 * reads every saved session (its sweep, and --all), and binding them built an ObjectMapper that
 * cost it tens of milliseconds (bench/startup). Anything not plainly such a file (unreadable,
 * not JSON, a field of another type) is left to data binding, whose answer and errors stay the
 * reference ({@link SessionStore}).
 */
final class MetadataReader {
    private MetadataReader() {}

    /** The metadata in {@code file}, or null when the file is not plainly one. */
    static SessionMetadata plain(Path file) {
        JsonNode n;
        try {
            n = JsonTree.parse(Files.readAllBytes(file));
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
        if (!n.isObject()) return null;
        for (String field : new String[] {"session_id", "container_name", "tool", "workspace", "saved_at", "created_at", "image", "status", "stopped_by"}) {
            if (!absent(n.get(field)) && !n.get(field).isTextual()) return null;
        }
        if (!absent(n.get("persistent")) && !n.get("persistent").isBoolean()) return null;
        if (!absent(n.get("slot")) && !n.get("slot").isInt()) return null;
        return new SessionMetadata(text(n, "session_id"), text(n, "container_name"), text(n, "tool"), n.path("persistent").asBoolean(false),
                text(n, "workspace"), text(n, "saved_at"), text(n, "created_at"), n.path("slot").asInt(0), text(n, "image"),
                text(n, "status"), text(n, "stopped_by"));
    }

    private static boolean absent(JsonNode v) {
        return v == null || v.isNull();
    }

    private static String text(JsonNode n, String field) {
        return absent(n.get(field)) ? null : n.get(field).asText();
    }
}
