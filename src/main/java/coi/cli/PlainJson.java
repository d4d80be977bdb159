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

    private static void write(JsonGenerator json, Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case String s -> json.writeString(s);
            case Boolean b -> json.writeBoolean(b);
            case Integer i -> json.writeNumber(i);
            case Long l -> json.writeNumber(l);
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (var e : map.entrySet()) {
                    json.writeFieldName(String.valueOf(e.getKey()));
                    write(json, e.getValue());
                }
                json.writeEndObject();
            }
            case List<?> list -> {
                json.writeStartArray();
                for (Object element : list) write(json, element);
                json.writeEndArray();
            }
            default -> throw new IllegalArgumentException("not a plain JSON value: " + value.getClass().getName());
        }
    }
}
