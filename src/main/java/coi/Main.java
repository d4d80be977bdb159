package coi;

import coi.cli.CoiCommand;
import picocli.CommandLine;

public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = CoiCommand.commandLine(args);
        return cli.execute(args);
    }
}
