package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generator-only printer writes the bytes the ObjectMapper wrote for `coi list --format json`. */
class PlainJsonTest {
    private static String plain(Object value) {
        StringWriter out = new StringWriter();
        PlainJson.print(new PrintWriter(out), value);
        return out.toString();
    }

    private static String mapper(Object value) {
        StringWriter out = new StringWriter();
        Output.json(new PrintWriter(out), value);
        return out.toString();
    }

    @Test
    void theSameBytesAsTheObjectMapper() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("name", "coi-1a2b3c4d-1");
        inner.put("quoted \"and\" escaped\n\ttab \\ ü €", "ok");
        inner.put("absent", null);
        inner.put("persistent", true);
        inner.put("slot", 3);
        inner.put("blocked", -1L);
        inner.put("big", Long.MAX_VALUE);
        inner.put("limits", Map.of("processes", "300"));
        inner.put("empty map", Map.of());
        inner.put("empty list", List.of());
        List<Object> mixed = new ArrayList<>(List.of("a", 1, false));
        mixed.add(null);
        mixed.add(List.of(Map.of("x", "y")));
        inner.put("mixed", mixed);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("active_containers", List.of(inner, inner));
        json.put("saved_sessions", List.of());
        assertThat(plain(json)).isEqualTo(mapper(json));
        assertThat(plain(Map.of("active_containers", List.of()))).isEqualTo(mapper(Map.of("active_containers", List.of())));
    }

    @Test
    void aValueThatIsNotPlainIsRefused() {
        assertThatThrownBy(() -> plain(Map.of("when", java.time.Instant.EPOCH))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Instant");
    }
}
