package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataWriterTest {
    @Test
    void writesTheBytesTheObjectMappersPrettyPrinterWrote() throws Exception {
        SessionMetadata running = new SessionMetadata("334bb8e6-8ab2-4ee8-a246-05dbf93af10c", "coi-979e8079-1", "fake", false,
                "/tmp/a \"project\" dir \u00e9\u2603\\", "2026-12-05T03:38:07.074960572Z", "2026-12-05T03:38:07.074960572Z", 1, "coi", "running");
        for (SessionMetadata m : List.of(running, running.ended("2026-12-05T04:00:00Z"),
                running.stoppedBy("monitor: reverse shell: bash with its stdio on 198.51.100.7:4444", "2026-12-05T04:00:01Z"),
                new SessionMetadata("id", null, "claude", true, null, null, null, 10, null, null, null))) {
            String mapper = new String(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(m), StandardCharsets.UTF_8);
            assertThat(new String(MetadataWriter.bytes(m), StandardCharsets.UTF_8)).isEqualTo(mapper);
        }
    }

    @Test
    void writesEveryComponentOfTheRecord() throws Exception {
        SessionMetadata full = new SessionMetadata("id", "coi-1a2b3c4d-1", "fake", true, "/w", "2026-12-05T04:00:00Z", "2026-12-05T03:00:00Z", 2, "coi",
                "running").stoppedBy("monitor: reverse shell", "2026-12-05T04:00:01Z");
        assertThat(Json.MAPPER.readTree(MetadataWriter.bytes(full)).size()).as("a component added to SessionMetadata is written by MetadataWriter too")
                .isEqualTo(SessionMetadata.class.getRecordComponents().length);
    }
}
