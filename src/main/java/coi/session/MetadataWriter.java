package coi.session;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * `metadata.json` written with the streaming generator, byte for byte as the ObjectMapper's pretty
 * printer wrote it (MetadataWriterTest; null fields left out, as SessionMetadata's NON_NULL says).
 * The supervisor saves a session the moment its monitor stops the container (stopped_by), and it
 * holds no ObjectMapper: building one there took a second under load, while the container was already
 * gone and the session's coi was reading the file (MonitorAttacksIT).
 */
final class MetadataWriter {
    private static final JsonFactory FACTORY = new JsonFactory();

    private MetadataWriter() {}

    static byte[] bytes(SessionMetadata m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            text(g, "session_id", m.sessionId());
            text(g, "container_name", m.containerName());
            text(g, "tool", m.tool());
            g.writeBooleanField("persistent", m.persistent());
            text(g, "workspace", m.workspace());
            text(g, "saved_at", m.savedAt());
            text(g, "created_at", m.createdAt());
            g.writeNumberField("slot", m.slot());
            text(g, "image", m.image());
            text(g, "status", m.status());
            text(g, "stopped_by", m.stoppedBy());
            g.writeEndObject();
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return out.toByteArray();
    }

    private static void text(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) g.writeStringField(field, value);
    }
}
