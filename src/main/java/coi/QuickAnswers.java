package coi;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * `coi --version` and `coi --help` without building the command tree: the version is in the jar's
 * manifest, the help text is rendered by picocli at build time ({@code coi.cli.HelpText}) into
 * the jar, plain and with colours. Building picocli's tree of 28 commands from their annotations
 * is what made these take four times a bare JVM's start; a user sees the same bytes either way.
 */
public final class QuickAnswers {
    static final String HELP = "/coi/help.txt";
    static final String HELP_ANSI = "/coi/help.ansi.txt";

    private QuickAnswers() {}

    /** The exit code when {@code args} is a question answered here; -1 for everything else. */
    public static int answer(String[] args, PrintStream out) {
        if (args.length != 1) return -1;
        return switch (args[0]) {
            case "--version", "-V", "-v", "version" -> {
                out.println(args[0].equals("version") ? Version.banner() : Version.line());
                out.flush();
                yield 0;
            }
            case "--help", "-h" -> help(out);
            default -> -1;
        };
    }

    private static int help(PrintStream out) {
        // picocli.ansi set by hand: leave the choice of colours to picocli itself
        if (System.getProperty("picocli.ansi") != null) return -1;
        java.io.Console console = System.console();
        String resource = colours(System.getenv(), console != null && console.isTerminal()) ? HELP_ANSI : HELP;
        try (InputStream in = QuickAnswers.class.getResourceAsStream(resource)) {
            if (in == null) return -1;
            out.write(in.readAllBytes());
            out.flush();
            return 0;
        } catch (IOException e) {
            return -1;
        }
    }

    /** picocli's rule for colours on Linux (Help.Ansi.AUTO): NO_COLOR, CLICOLOR_FORCE, CLICOLOR=0, else a terminal. */
    static boolean colours(Map<String, String> env, boolean terminal) {
        if (env.get("NO_COLOR") != null) return false;
        String force = env.get("CLICOLOR_FORCE");
        if (force != null && !force.equals("0")) return true;
        if ("0".equals(env.get("CLICOLOR")) || "OFF".equals(env.get("ConEmuANSI"))) return false;
        return terminal;
    }
}
