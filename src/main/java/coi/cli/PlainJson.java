package coi.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Maps, lists, strings, numbers, booleans and nulls printed as {@link Output#json} prints them
 * (the same bytes), with Jackson's generator alone: `coi list --format json` then needs no
 * ObjectMapper, whose serializers cost a short command tens of milliseconds (bench/startup).
 */
final class PlainJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private PlainJson() {}

    static void print(PrintWriter out, Object value) {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = FACTORY.createGenerator(text)) {
            json.setPrettyPrinter(new DefaultPrettyPrinter());
            write(json, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println(text);
        out.flush();
    }

    /**
     * An instanceof chain, not a pattern switch: the JVM spins a class for each such switch at its first
     * use, which the AOT cache does not hold (10-15 ms of a `coi list --format json`, 2026-12-08).
     */
    private static void write(JsonGenerator json, Object value) throws IOException {
        if (value == null) json.writeNull();
        else if (value instanceof String s) json.writeString(s);
        else if (value instanceof Boolean b) json.writeBoolean(b);
        else if (value instanceof Integer i) json.writeNumber(i);
        else if (value instanceof Long l) json.writeNumber(l);
        else if (value instanceof Map<?, ?> map) {
            json.writeStartObject();
            for (var e : map.entrySet()) {
                json.writeFieldName(String.valueOf(e.getKey()));
                write(json, e.getValue());
            }
            json.writeEndObject();
        } else if (value instanceof List<?> list) {
            json.writeStartArray();
            for (Object element : list) write(json, element);
            json.writeEndArray();
        } else throw new IllegalArgumentException("not a plain JSON value: " + value.getClass().getName());
    }
}
