package coi.cli;

import coi.CoiException;
import coi.UsageException;
import coi.config.ConfigException;
import coi.incus.IncusException;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * Turns every failure into one line on stderr and an exit code: 2 for usage errors, 1 otherwise.
 * A stack trace only with --debug.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

    static boolean debug(String[] args) {
        return Arrays.asList(args).contains("--debug") || "1".equals(System.getenv("COI_DEBUG"));
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        if (debug(args)) ex.printStackTrace(err);
        String hint = cmd.getCommandSpec().qualifiedName();
        String message = ex.getMessage();
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        err.println("coi: " + message);
        err.println("Try `" + hint + " --help` for usage.");
        err.flush();
        return 2;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        return report(ex, cmd.getCommandSpec().qualifiedName(), cmd.getErr(), debug(parsed.originalArgs().toArray(String[]::new)));
    }

    /** Says {@code ex}, a failure of the command {@code command} ("coi container exists"), and returns its exit code. */
    static int report(Exception ex, String command, PrintWriter err, boolean debug) {
        if (debug) ex.printStackTrace(err);
        int code;
        String message;
        switch (ex) {
            case UsageException u -> { code = 2; message = u.getMessage() + " (see `" + command + " --help`)"; }
            case ConfigException c -> { code = 2; message = c.getMessage(); }
            case CoiException c -> { code = c.exitCode(); message = c.getMessage(); }
            case IncusException.Unreachable i -> { code = 1; message = i.getMessage(); }
            case IncusException i -> { code = 1; message = "Incus: " + i.getMessage(); }
            default -> { code = 1; message = "internal error: " + ex + " (run with --debug for details)"; }
        }
        err.println("coi: " + message);
        err.flush();
        return code;
    }
}
