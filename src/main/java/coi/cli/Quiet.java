package coi.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * `-q`/`--quiet` for commands that change state: one confirmation line per action by default, in
 * the original's wording where it has one (users grep for it), nothing with `-q`. Errors still go
 * to stderr.
 */
final class Quiet {
    @Option(names = {"-q", "--quiet"}, description = "Do not print what was done.")
    boolean quiet;

    void say(PrintWriter out, String line) {
        if (quiet) return;
        // a line may name what the agent made (a placeholder, a moved git config): one printable line
        out.println(coi.Printable.line(line));
        out.flush();
    }
}
