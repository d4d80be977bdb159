package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.FakeDaemon;
import coi.incus.Json;
import coi.session.SessionMetadata;
import coi.session.SessionStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `coi list --all`: who stopped a saved session, from its metadata.json, in the JSON and in its block of the text. */
class ListStoppedByTest {
    @TempDir
    Path dir;
    FakeDaemon daemon;
    Map<String, String> env;

    @BeforeEach
    void sessions() throws Exception {
        daemon = FakeDaemon.start(dir);
        env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("incus.socket").toString());
        SessionStore store = new SessionStore(dir.resolve(".coi"));
        store.save(new SessionMetadata("s-1", "coi-aaaa1111-1", "claude", false, "/home/u/p", "2026-12-04T11:00:00Z",
                "2026-12-04T10:39:24Z", 1, "coi", "ended").stoppedBy("monitor: reverse shell to 203.0.113.9", "2026-12-04T11:00:00Z"));
        store.save(new SessionMetadata("s-2", "coi-aaaa1111-2", "claude", false, "/home/u/p", "2026-12-04T12:00:00Z",
                "2026-12-04T11:30:00Z", 2, "coi", "ended"));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void theJsonSaysWhoStoppedASessionAsInfoDoes() throws Exception {
        Answer json = Answer.ordinary(env, "list", "--all", "--format", "json");
        assertThat(json.code()).isZero();
        JsonNode saved = Json.MAPPER.readTree(json.out()).get("saved_sessions");
        JsonNode stopped = null, ended = null;
        for (JsonNode s : saved) {
            if (s.get("ID").asText().equals("s-1")) stopped = s;
            if (s.get("ID").asText().equals("s-2")) ended = s;
        }
        assertThat(stopped).isNotNull();
        assertThat(stopped.get("stopped_by").asText()).isEqualTo("monitor: reverse shell to 203.0.113.9");
        assertThat(ended).isNotNull();
        assertThat(ended.has("stopped_by")).as("the user or the tool ended it: absent, as in `coi info`").isFalse();

        Answer info = Answer.ordinary(env, "info", "s-1");
        assertThat(info.out()).contains("monitor: reverse shell to 203.0.113.9");
    }

    /** The original's block per saved session, with who stopped it after its lines, printable whatever the agent named its program. */
    @Test
    void theTextSaysWhoStoppedASessionInItsBlockPrintably() {
        SessionStore store = new SessionStore(dir.resolve(".coi"));
        store.save(new SessionMetadata("s-3", "coi-aaaa1111-3", "claude", false, "/home/u/p", "2026-12-04T13:00:00Z",
                "2026-12-04T12:30:00Z", 3, "coi", "ended").stoppedBy("monitor: /tmp/\u001b]0;pwned\u0007x\nFAKE LINE", "2026-12-04T13:00:00Z"));
        Answer text = Answer.ordinary(env, "list", "--all");
        assertThat(text.code()).isZero();
        String nl = System.lineSeparator();
        assertThat(text.out()).contains("  s-1" + nl + "    Saved: 2026-12-04 11:00:00" + nl + "    Workspace: /home/u/p" + nl + "    Tool: claude" + nl
                        + "    Status: ended" + nl + "    Stopped by: monitor: reverse shell to 203.0.113.9" + nl)
                .contains("  s-2" + nl + "    Saved: 2026-12-04 12:00:00" + nl + "    Workspace: /home/u/p" + nl + "    Tool: claude" + nl
                        + "    Status: ended" + nl)
                .as("the user or the tool ended s-2: no one named").doesNotContainPattern("  s-2\\R(    .*\\R)*    Stopped by")
                .contains("    Stopped by: monitor: /tmp/\\u001b]0;pwned\\u0007x\\u000aFAKE LINE" + nl)
                .doesNotContain("\u001b").doesNotContain(nl + "FAKE LINE");
    }
}
