package coi.cli;

import coi.UsageException;
import coi.incus.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;

/** Text or JSON rendering for commands that have `--format`. */
public enum Output {
    TEXT, JSON;

    public static Output parse(String value) {
        return switch (value == null ? "text" : value.toLowerCase()) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new UsageException("--format must be text or json, not '" + value + "'");
        };
    }

    public static void json(PrintWriter out, Object value) {
        try {
            out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
