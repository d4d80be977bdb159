package coi.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * `coi run [--] CMD...`, `coi shell` and a plain `coi` (which is `coi shell`), with no flags,
 * started without picocli: building its model of the command and of the session flags from their
 * annotations took about 80 ms of every session's start (`cli: commands built` with COI_TRACE),
 * all of it before the first launch step. The command objects are the ones picocli fills, made
 * here as picocli leaves a flag that is not given, and they run the same code and say errors
 * through {@link Errors}. Anything else (a flag, an @file, which picocli expands anywhere, a
 * `run` without a command) takes the ordinary path. QuickSessionsTest holds the two to the same objects.
 */
public final class QuickSessions {
    private QuickSessions() {}

    /** The exit code when {@code args} is a session this path starts; -1 for everything else. */
    public static int answer(String[] args) {
        if (!asks(args)) return -1;
        Context context = new Context(System.getenv());
        return answer(context, command(context, args), args, QuickList.writer(System.out), QuickList.writer(System.err));
    }

    /** Runs {@code command} (made by {@link #command}) in {@code context}, which it closes. */
    static int answer(Context context, SessionCommand command, String[] args, PrintWriter out, PrintWriter err) {
        try (context) {
            return command.call(out);
        } catch (RuntimeException e) {
            return Errors.report(e, command instanceof RunCommand ? "coi run" : "coi shell", err, Errors.debug(args));
        }
    }

    /** Whether this path answers {@code args} (public for the build's training, which asks it what coi.Main does). */
    public static boolean asks(String[] args) {
        if (Arrays.stream(args).anyMatch(a -> a.startsWith("@"))) return false;
        if (args.length == 0 || args.length == 1 && args[0].equals("shell")) return true;
        return args[0].equals("run") && !words(args).isEmpty();
    }

    /**
     * What {@link #answer} does for {@code args} (which this path answers) with `--dry-run`: the
     * plan printed, nothing started. For the build's training, so that the session cache holds
     * this path's own classes.
     */
    public static int plan(Context context, String[] args, PrintWriter out, PrintWriter err) {
        return answer(context, command(context, args, true), args, out, err);
    }

    /** The command picocli would fill for {@code args}, which {@link #asks} this path. */
    static SessionCommand command(Context context, String[] args) {
        return command(context, args, false);
    }

    private static SessionCommand command(Context context, String[] args, boolean dryRun) {
        if (args.length == 0 || args[0].equals("shell")) {
            ShellCommand shell = new ShellCommand(context);
            shell.options = new SessionOptions();
            shell.format = "text";
            shell.dryRun = dryRun;
            return shell;
        }
        RunCommand run = new RunCommand(context);
        run.options = new SessionOptions();
        run.command = words(args);
        run.format = "text";
        run.dryRun = dryRun;
        return run;
    }

    /** `run`'s command words: all after `--`, or all of them when none looks like a flag; empty when this path does not answer. */
    private static List<String> words(String[] args) {
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (!rest.isEmpty() && rest.getFirst().equals("--")) return new ArrayList<>(rest.subList(1, rest.size()));
        return rest.stream().anyMatch(a -> a.startsWith("-")) ? List.of() : new ArrayList<>(rest);
    }
}
