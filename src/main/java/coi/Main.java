package coi;

import coi.cli.CoiCommand;
import java.time.Duration;
import picocli.CommandLine;

public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int answered = QuickAnswers.answer(args, System.out);
        if (answered >= 0) System.exit(answered);
        // the background supervisor stays resident all day: keep only the pages it keeps using
        if (args.length > 0 && args[0].equals("__watch")) ResidentSet.trimEvery(Duration.ofSeconds(15), Duration.ofMinutes(5));
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = CoiCommand.commandLine(args);
        return cli.execute(args);
    }
}
