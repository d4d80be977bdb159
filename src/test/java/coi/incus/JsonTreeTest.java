package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Trees read without the ObjectMapper are the trees the ObjectMapper reads. */
class JsonTreeTest {
    private static void sameAsTheMapper(String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertThat(JsonTree.parse(bytes)).as(json).isEqualTo(Json.MAPPER.readTree(bytes));
    }

    @Test
    void readsWhatTheMapperReads() throws Exception {
        sameAsTheMapper("""
                {"type":"sync","status_code":200,"metadata":{"name":"coi-1a2b3c4d-1","status":"Running","stateful":false,
                 "config":{"user.coi":"1","limits.memory":null},"devices":{},"profiles":["default"],"last_used_at":"2026-12-04T17:00:00Z",
                 "size":12345678901,"huge":123456789012345678901234567890,"ratio":0.25,"neg":-3,"empty":[],"nested":[[1,"a"],{"k":true}]}}""");
        sameAsTheMapper("[]");
        sameAsTheMapper("\"text\"");
        sameAsTheMapper("404 page not found");
        sameAsTheMapper("");
    }

    @Test
    void brokenJsonIsAnError() {
        assertThatThrownBy(() -> JsonTree.parse("{\"a\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(UncheckedIOException.class).hasMessageStartingWith("invalid JSON from Incus");
    }
}
