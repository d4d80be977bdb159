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
        if (ex instanceof CommandLine.MissingParameterException) {
            // `coi run --bogus`: picocli says the missing CMD first, while the mistake is the option
            String unknown = unknownOption(cmd.getCommandSpec(), args);
            if (unknown != null) message = "Unknown option: '" + unknown + "'";
        }
        err.println("coi: " + coi.Printable.of(message));
        err.println("Try `" + hint + " --help` for usage.");
        err.flush();
        return 2;
    }

    /**
     * The first argument before {@code --} that looks like an option ({@code --name}, {@code
     * --name=value} or {@code -x}) and is none of {@code spec}'s or its parents'; null when all are.
     */
    static String unknownOption(CommandLine.Model.CommandSpec spec, String[] args) {
        for (String arg : args) {
            if (arg.equals("--")) return null;
            if (!arg.startsWith("-") || arg.equals("-")) continue;
            String name = arg.startsWith("--") ? arg.split("=", 2)[0] : arg.length() == 2 ? arg : null;
            if (name == null) continue; // a cluster of short options (-it): picocli's own word stands
            boolean known = false;
            for (CommandLine.Model.CommandSpec s = spec; s != null && !known; s = s.parent()) known = s.findOption(name) != null;
            if (!known) return arg.split("=", 2)[0];
        }
        return null;
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
        // an instanceof chain, not a pattern switch: see PlainJson.write (a daemon that is down is a quick path's answer too)
        if (ex instanceof UsageException u) { code = 2; message = u.getMessage() + " (see `" + command + " --help`)"; }
        else if (ex instanceof ConfigException c) { code = 2; message = c.getMessage(); }
        else if (ex instanceof CoiException c) { code = c.exitCode(); message = c.getMessage(); }
        else if (ex instanceof IncusException.Unreachable || ex instanceof IncusException.HostFile) { code = 1; message = ex.getMessage(); }
        else if (ex instanceof IncusException) { code = 1; message = "Incus: " + ex.getMessage(); }
        else { code = 1; message = "internal error: " + ex + " (run with --debug for details)"; }
        // messages quote what the agent may have written (a key of .coi.toml): no terminal control from it
        err.println("coi: " + coi.Printable.of(message));
        err.flush();
        return code;
    }
}
