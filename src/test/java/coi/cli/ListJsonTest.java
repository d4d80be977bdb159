package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.Json;
import coi.session.SessionAdmin;
import coi.session.SessionMetadata;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape the original prints (taken from `../shared/baseline/coi list --all --format json`). */
class ListJsonTest {
    static final List<String> ORIGINAL_CONTAINER_FIELDS = List.of("name", "status", "created_at", "image", "persistent", "ipv4", "workspace");

    static JsonNode render(Object value) throws Exception {
        StringWriter out = new StringWriter();
        Output.json(new PrintWriter(out), value);
        return Json.MAPPER.readTree(out.toString());
    }

    static List<String> names(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void containersAndSavedSessionsUseTheOriginalsNamesWithCoisBesideThem() throws Exception {
        var labelled = new SessionAdmin.Entry("coi-1a2b3c4d-1", "Running", false, "ephemeral", "/home/u/p", "coi image", "coi",
                "10.147.83.20", "2026-12-04T10:39:24.123456789Z", "sid-1", "claude", "restricted", 1, 3,
                java.util.Map.of("processes", "300"), true,
                "large workspace read: 200 MB in 0s");
        var byHand = new SessionAdmin.Entry("coi-1a2b3c4d-2", "Stopped", true, "persistent", null, "", null, null,
                "2026-12-04T10:40:00Z", null, null, null, 0, 0, java.util.Map.of(), false, null);
        var saved = new SessionMetadata("sid-1", "coi-1a2b3c4d-1", "claude", false, "/home/u/p", "2026-12-04T11:00:00Z",
                "2026-12-04T10:39:24Z", 1, "coi", "running");
        JsonNode json = render(ListJson.of(List.of(labelled, byHand), List.of(saved), true));

        assertThat(names(json)).containsExactly("active_containers", "saved_sessions");
        JsonNode first = json.get("active_containers").get(0);
        assertThat(names(first)).containsAll(ORIGINAL_CONTAINER_FIELDS)
                .contains("alias", "mode", "network", "blocked", "session", "tool", "slot", "limits");
        assertThat(first.get("limits").get("processes").asText()).isEqualTo("300");
        assertThat(first.get("created_at").asText()).isEqualTo("2026-12-04 10:39:24");
        assertThat(first.get("persistent").isBoolean()).isTrue();
        assertThat(first.get("ipv4").asText()).isEqualTo("10.147.83.20");
        assertThat(first.get("blocked").asLong()).isEqualTo(3);
        assertThat(first.get("monitored").asBoolean()).isTrue();
        assertThat(first.get("frozen_by").asText()).startsWith("large workspace read");

        JsonNode second = json.get("active_containers").get(1);
        assertThat(second.get("ipv4").asText()).as("the original prints an empty string").isEmpty();
        assertThat(second.has("workspace")).as("the original omits an unknown workspace").isFalse();
        assertThat(second.get("persistent").asBoolean()).isTrue();
        assertThat(second.get("monitored").asBoolean()).isFalse();
        assertThat(second.has("frozen_by")).isFalse();

        JsonNode session = json.get("saved_sessions").get(0);
        assertThat(session.get("ID").asText()).isEqualTo("sid-1");
        assertThat(session.get("SavedAt").asText()).isEqualTo("2026-12-04T11:00:00Z");
        assertThat(session.get("Workspace").asText()).isEqualTo("/home/u/p");
        assertThat(session.get("tool").asText()).isEqualTo("claude");
    }

    @Test
    void aSavedSessionSaysWhoStoppedItAsInfoDoesAndTheTableKeepsItsColumns() throws Exception {
        var stopped = new SessionMetadata("sid-2", "coi-1a2b3c4d-2", "claude", false, "/home/u/p", "2026-12-04T11:00:00Z",
                "2026-12-04T10:39:24Z", 2, "coi", "ended", "monitor: reverse shell");
        var ended = new SessionMetadata("sid-3", "coi-1a2b3c4d-3", "claude", false, "/home/u/p", "2026-12-04T11:05:00Z",
                "2026-12-04T10:50:00Z", 3, "coi", "ended");
        JsonNode sessions = render(ListJson.of(List.of(), List.of(stopped, ended), true)).get("saved_sessions");

        assertThat(sessions.get(0).get("stopped_by").asText()).isEqualTo("monitor: reverse shell");
        assertThat(sessions.get(1).has("stopped_by")).as("absent as in `coi info`: the user or the tool ended it").isFalse();

    }

    @Test
    void withoutAllThereAreNoSavedSessionsAndNoContainersIsAnEmptyList() throws Exception {
        JsonNode json = render(ListJson.of(List.of(), List.of(), false));
        assertThat(names(json)).containsExactly("active_containers");
        assertThat(json.get("active_containers").isArray()).isTrue();
        assertThat(json.get("active_containers")).isEmpty();
    }
}
