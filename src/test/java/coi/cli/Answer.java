package coi.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** What a command printed and returned: the quick paths' tests compare theirs with the ordinary path's. */
record Answer(int code, String out, String err) {
    /** {@code args} through picocli, as coi.Main runs what no quick path answers, in a context of {@code env}. */
    static Answer ordinary(Map<String, String> env, String... given) {
        String[] args = CoiCommand.expand(given);
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code;
        try (Context context = new Context(env)) {
            var cli = CoiCommand.commandLine(context, args);
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        }
        return new Answer(code, out.toString(), err.toString());
    }
}
