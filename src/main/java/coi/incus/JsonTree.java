package coi.incus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON trees without {@link Json#MAPPER}: read by {@link JsonReader} into Jackson's nodes, written with
 * Jackson's streaming generator. Building that ObjectMapper cost a short command like `coi container
 * exists` about a third of its time (bench/startup), and a request that only looks at the answer's
 * fields needs no data binding.
 */
public final class JsonTree {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTree() {}

    /**
     * The first JSON value in {@code bytes}, as ObjectMapper.readTree reads it (nothing: a missing node),
     * read by {@link JsonReader}: Jackson's parser initialises BigDecimal, tens of milliseconds of every
     * command (see there).
     */
    public static JsonNode parse(byte[] bytes) {
        return JsonReader.parse(bytes);
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    /**
     * A request body: the tree as {@code MAPPER.writeValueAsBytes} writes it (JsonTreeTest), with the
     * streaming generator. The supervisor's responses (a warning shown, a freeze, a stop) send bodies,
     * and building the ObjectMapper for the first one cost the detection loop a second under load.
     */
    static byte[] bytes(JsonNode tree) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (var field : n.properties()) {
                    g.writeFieldName(field.getKey());
                    write(g, field.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode v : n) write(g, v);
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    case DOUBLE -> g.writeNumber(n.doubleValue());
                    case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case BINARY, POJO -> throw new IllegalArgumentException("not a plain JSON tree: " + n.getNodeType());
        }
    }
}
