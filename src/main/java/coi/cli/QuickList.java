package coi.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * `coi list`, with `--all` and `--format text|json` in any order, answered without picocli (whose
 * model of coi's commands costs a short command most of its own time, bench/startup): what
 * people type most, and scripts poll. The launcher starts it with the quick AOT cache (bin/coi).
 * Anything else, another flag, a repeated one or a format that is neither, takes the ordinary
 * path; both print through {@link ListView} and say errors through {@link Errors}.
 */
public final class QuickList {
    private QuickList() {}

    /** What `coi list` was asked: with saved sessions, and how. */
    public record Question(boolean all, Output output) {}

    /** The exit code when {@code args} is such a `coi list`; -1 for everything else. */
    public static int answer(String[] args) {
        Question question = question(args);
        if (question == null) return -1;
        coi.incus.Warmup.startForQueries();
        return answer(new Context(System.getenv()), question, writer(System.out), writer(System.err));
    }

    /** As picocli writes to the terminal (UTF-8, whatever the locale says), so both paths print the same bytes. */
    static PrintWriter writer(OutputStream stream) {
        return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, Charset.defaultCharset())), true);
    }

    /** The question {@code args} ask, or null when they are not one this path answers. */
    public static Question question(String[] args) {
        if (args.length == 0 || !args[0].equals("list")) return null;
        boolean all = false;
        String format = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--all") && !all) all = true;
            else if (arg.equals("--format") && format == null && i + 1 < args.length) format = args[++i];
            else if (arg.startsWith("--format=") && format == null) format = arg.substring("--format=".length());
            else return null;
        }
        return switch (format == null ? "text" : format.toLowerCase()) {
            case "text" -> new Question(all, Output.TEXT);
            case "json" -> new Question(all, Output.JSON);
            default -> null;
        };
    }

    /** `coi list` in {@code context}; closes it. */
    public static int answer(Context context, Question question, PrintWriter out, PrintWriter err) {
        try (context) {
            coi.Trace.mark("list: asked");
            ListView.print(context.services().admin(), question.all(), question.output(), out);
            return 0;
        } catch (RuntimeException e) {
            return Errors.report(e, "coi list", err, Errors.debug(new String[0]));
        }
    }
}
