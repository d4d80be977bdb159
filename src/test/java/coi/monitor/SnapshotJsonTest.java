package coi.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** `coi monitor --format json` writes a snapshot with the shared mapper, which has no java.time module. */
class SnapshotJsonTest {
    @Test
    void aSnapshotWritesItsInstantAsIsoTextAndItsProcesses() {
        JsonNode json = Json.parse(Json.bytes(new Snapshots().idleContainer().build()));
        assertThat(json.path("at").asText()).isEqualTo("2026-12-04T10:00:00Z");
        assertThat(json.path("processes")).hasSize(5);
        assertThat(json.path("processes").get(0).path("exe").asText()).isEqualTo("/usr/lib/systemd/systemd");
    }
}
