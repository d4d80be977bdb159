package coi.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * `-h`/`--help` on every command and subcommand, as the original has them: every error message
 * points at `coi X --help`, so that help must exist. Added to the tree rather than to each
 * annotation so a command added later cannot miss it; `--version` stays on the root only.
 */
final class HelpOptions {
    private HelpOptions() {}

    static void addEverywhere(CommandLine command) {
        var spec = command.getCommandSpec();
        if (spec.findOption("--help") == null && spec.findOption("-h") == null) {
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        if (command.getCommand() instanceof CommandLine.HelpCommand) startWithUsage(spec.usageMessage());
        for (CommandLine sub : command.getSubcommands().values()) addEverywhere(sub);
    }

    /** picocli's `help` prints a header above its usage; every other command starts with "Usage:". */
    private static void startWithUsage(CommandLine.Model.UsageMessageSpec usage) {
        if (usage.header().length == 0) return;
        usage.description("Show the help of COMMAND (or of coi).");
        usage.header(new String[0]);
        usage.synopsisHeading("Usage: ");
    }
}
