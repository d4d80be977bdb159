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
    void writesTheBytesTheMapperWrites() throws Exception {
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree("""
                {"action":"stop","timeout":-1,"force":true,"size":12345678901,"huge":123456789012345678901234567890,"ratio":0.25,
                 "text":"quote \\" backslash \\\\ tab \\t nl \\n \u00e9\u2603 \\u0001","none":null,"empty":{},"list":[],
                 "nested":[[1,"a"],{"k":false,"v":[null]}]}""");
        tree.put("float", 1.5f).put("decimal", new java.math.BigDecimal("3.14159265358979323846"));
        assertThat(new String(JsonTree.bytes(tree), StandardCharsets.UTF_8)).isEqualTo(new String(Json.bytes(tree), StandardCharsets.UTF_8));
        var body = JsonTree.object().put("action", "freeze").put("timeout", -1).put("force", false);
        assertThat(JsonTree.bytes(body)).isEqualTo(Json.bytes(body));
    }

    @Test
    void brokenJsonIsAnError() {
        assertThatThrownBy(() -> JsonTree.parse("{\"a\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(UncheckedIOException.class).hasMessageStartingWith("invalid JSON from Incus");
    }

    @Test
    void anObjectOfStringsIsWhatTheMapperMakesOfTheMap() {
        java.util.Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("type", "disk");
        values.put("source", "/home/u/project \"quoted\" \u00e9");
        values.put("path", "/workspace");
        values.put("empty", "");
        assertThat(Json.strings(values)).isEqualTo(Json.MAPPER.valueToTree(values));
        assertThat(Json.strings(java.util.Map.of())).isEqualTo(Json.MAPPER.valueToTree(java.util.Map.of()));
    }
}
