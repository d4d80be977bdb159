package coi.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An {@link AuditEvent} as one line of JSON, written with Jackson's streaming generator: the same
 * bytes as the ObjectMapper wrote (AuditLineTest), without it. The supervisor writes a line for every
 * session it starts watching, and building the mapper and its serializers would keep about 500 classes
 * resident in it all day (bench/background). Reading the log back (`coi audit`) still binds.
 */
final class AuditLine {
    private static final JsonFactory FACTORY = new JsonFactory();

    private AuditLine() {}

    static byte[] of(AuditEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", e.id());
            g.writeStringField("timestamp", e.timestamp());
            g.writeStringField("container", e.container());
            g.writeStringField("level", e.level() == null ? null : e.level().label());
            g.writeStringField("category", e.category());
            g.writeStringField("title", e.title());
            g.writeStringField("description", e.description());
            g.writeStringField("action", e.action() == null ? null : e.action().label());
            g.writeFieldName("evidence");
            evidence(g, e.evidence());
            g.writeEndObject();
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return out.toByteArray();
    }

    /** Evidence leaves out the parts that do not apply (its {@code @JsonInclude(NON_NULL)}). */
    private static void evidence(JsonGenerator g, Evidence evidence) throws IOException {
        if (evidence == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        if (evidence.process() != null) {
            Evidence.ProcessInfo p = evidence.process();
            g.writeObjectFieldStart("process");
            g.writeNumberField("pid", p.pid());
            g.writeNumberField("ppid", p.ppid());
            g.writeNumberField("uid", p.uid());
            g.writeStringField("exe", p.exe());
            g.writeArrayFieldStart("cmdline");
            for (String arg : p.cmdline()) g.writeString(arg);
            g.writeEndArray();
            g.writeEndObject();
        }
        if (evidence.network() != null) {
            Evidence.NetworkInfo n = evidence.network();
            g.writeObjectFieldStart("network");
            g.writeStringField("local", n.local());
            g.writeStringField("remote", n.remote());
            g.writeNumberField("port", n.port());
            g.writeStringField("protocol", n.protocol());
            g.writeEndObject();
        }
        if (evidence.filesystem() != null) {
            Evidence.FilesystemInfo f = evidence.filesystem();
            g.writeObjectFieldStart("filesystem");
            g.writeNumberField("bytes", f.bytes());
            g.writeStringField("window", f.window());
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
