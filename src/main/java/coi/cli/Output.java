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
            case "text", "pretty" -> TEXT;
            case "json" -> JSON;
            default -> throw new UsageException("--format must be text or json (pretty: text, as the original's), not '" + value + "'");
        };
    }

    /**
     * `--format` of `coi shell`, which prints a plan only with --dry-run: json without it would be
     * ignored while a session starts, so it is a usage error. (`coi run` has JSON output of its
     * own, as the original's.)
     */
    static Output ofPlan(String value, boolean dryRun, String command) {
        Output output = parse(value);
        if (output == JSON && !dryRun) {
            throw new UsageException("--format json prints the plan of `coi " + command + " --dry-run` only: add --dry-run, or leave --format out");
        }
        return output;
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
