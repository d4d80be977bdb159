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
            // the original's names of its text: pretty (`coi run`), table (`coi image list`)
            case "text", "pretty", "table" -> TEXT;
            case "json" -> JSON;
            default -> throw new UsageException("--format must be text or json (pretty and table: text, as the original's), not '" + value + "'");
        };
    }

    /**
     * `--format` of `coi shell`, which prints a plan only with --dry-run: json without it would be
     * ignored while a session starts, so it is a usage error. (`coi run` has JSON output of its
     * own, as the original's.)
     */
    static Output ofPlan(String value, boolean dryRun) {
        Output output = parse(value);
        if (output == JSON && !dryRun) {
            throw new UsageException("--format json prints the plan of `coi shell --dry-run` only: add --dry-run, or leave --format out");
        }
        return output;
    }

    /**
     * A command's collected output (`container exec --capture`, `run --capture`): as JSON
     * (stdout, stderr, exit_code; then 0 is the exit code), or raw, stdout then stderr, ending
     * with the command's code.
     */
    static int captured(PrintWriter out, coi.incus.Model.ExecResult r, boolean json) {
        if (json) {
            json(out, CoiCommand.ordered("stdout", r.out(), "stderr", r.err(), "exit_code", r.exitCode()));
            return 0;
        }
        System.out.write(r.stdout(), 0, r.stdout().length);
        System.out.flush();
        System.err.write(r.stderr(), 0, r.stderr().length);
        System.err.flush();
        return r.exitCode();
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
