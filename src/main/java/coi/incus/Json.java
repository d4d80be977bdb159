package coi.incus;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** The one ObjectMapper: Incus speaks snake_case JSON and adds fields between versions. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {}

    /** The first JSON value in {@code bytes}, as {@code MAPPER.readTree} reads it (see {@link JsonTree}). */
    public static JsonNode parse(byte[] bytes) {
        return JsonTree.parse(bytes);
    }

    public static <T> T convert(JsonNode node, Class<T> type) {
        return MAPPER.convertValue(node, type);
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * {@code values} as an object of strings, what {@code MAPPER.valueToTree} makes of it, built
     * without data binding: a launch's first request body (the create, the pool's attach) would
     * otherwise build the map serializers (some 10-30 ms of a fresh JVM, its class-load log says).
     */
    public static ObjectNode strings(Map<String, String> values) {
        ObjectNode node = object();
        values.forEach(node::put);
        return node;
    }
}
