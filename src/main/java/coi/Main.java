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
        if (answered < 0) answered = QuickSessions.answer(args);
        if (answered >= 0) System.exit(answered);
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = CoiCommand.commandLine(args);
        Trace.mark("cli: commands built");
        return cli.execute(args);
    }
}
