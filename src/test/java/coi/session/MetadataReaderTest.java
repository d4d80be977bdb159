package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metadata.json read by hand is what binding reads; anything not plainly such a file is left to binding. */
class MetadataReaderTest {
    @TempDir
    Path dir;

    private Path file(String json) throws Exception {
        return Files.writeString(dir.resolve("metadata.json"), json);
    }

    @Test
    void whatCoiWritesReadsBackAsBindingReadsIt() throws Exception {
        for (SessionMetadata m : new SessionMetadata[] {
                new SessionMetadata("s-1", "coi-1a2b3c4d-1", "claude", true, "/home/u/p ü", "2026-12-04T11:00:00Z", "2026-12-04T10:00:00Z", 3, "coi", "running"),
                new SessionMetadata("s-2", "coi-1a2b3c4d-2", "aider", false, "/w", "2026-12-04T11:00:00Z", null, 0, null, "ended", "the monitor: reverse shell")}) {
            Path f = Files.write(dir.resolve("metadata.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
            assertThat(MetadataReader.plain(f)).isEqualTo(m).isEqualTo(Json.MAPPER.readValue(f.toFile(), SessionMetadata.class));
        }
        Path older = file("{\"session_id\":\"s\",\"tool\":\"claude\",\"future_field\":{\"x\":1}}");
        assertThat(MetadataReader.plain(older)).isEqualTo(Json.MAPPER.readValue(older.toFile(), SessionMetadata.class));
    }

    @Test
    void anythingElseIsLeftToBinding() throws Exception {
        for (String odd : new String[] {"", "not json", "[1]", "{\"slot\":\"3\"}", "{\"persistent\":\"true\"}", "{\"tool\":7}",
                "{\"slot\":3.5}", "{\"session_id\":{\"a\":1}}"}) {
            assertThat(MetadataReader.plain(file(odd))).as(odd).isNull();
        }
        assertThat(MetadataReader.plain(dir.resolve("missing.json"))).isNull();
    }
}
