package coi;

import coi.cli.CoiCommand;
import coi.cli.QuickList;
import coi.cli.QuickQueries;
import coi.cli.QuickSessions;
import picocli.CommandLine;

public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Trace.mark("main");
        int answered = QuickAnswers.answer(args, System.out);
        if (answered < 0) answered = QuickQueries.answer(args);
        if (answered < 0) answered = QuickList.answer(args);
        if (answered >= 0) halt(answered);
        answered = QuickSessions.answer(args);
        if (answered < 0) answered = run(args);
        Trace.mark("exit");
        System.exit(answered);
    }

    /**
     * The end of a quick answer (`--version`, `--help`, `list`, `container exists|running`): what it
     * printed flushed, then the process ends without {@link System#exit}, which since JDK 21 first asks
     * the logger "java.lang.Runtime" whether to log the exit and so starts java.util.logging (a
     * LogManager, its configuration file, handlers): 40-45 ms of `coi list` in the interpreter here,
     * for a line nobody asked for. These answers register no shutdown hook and hold nothing to undo.
     */
    static void halt(int code) {
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }

    public static int run(String... given) {
        String[] args = CoiCommand.expand(given);
        CommandLine cli = CoiCommand.commandLine(args);
        Trace.mark("cli: commands built");
        return cli.execute(args);
    }
}
