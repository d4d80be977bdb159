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
        spec.usageMessage().description(paragraphs(spec.usageMessage().description()));
        for (CommandLine sub : command.getSubcommands().values()) addEverywhere(sub);
    }

    /**
     * A command's description lines as paragraphs: a line that does not end a sentence goes on in
     * the next, so that picocli wraps them as one text (a break kept from the source read
     * "`sudo" / "poweroff` inside" / "ends the session" on a terminal). The first line stays alone
     * (it is the command's summary in its parent's list), as does an indented one (an example).
     */
    static String[] paragraphs(String[] lines) {
        if (lines.length < 3) return lines;
        java.util.List<String> out = new java.util.ArrayList<>(java.util.List.of(lines[0]));
        for (int i = 1; i < lines.length; i++) {
            String previous = out.getLast();
            boolean goesOn = out.size() > 1 && !endsSentence(previous) && !lines[i].startsWith(" ") && !previous.startsWith(" ");
            if (goesOn) out.set(out.size() - 1, previous + " " + lines[i]);
            else out.add(lines[i]);
        }
        return out.toArray(String[]::new);
    }

    private static boolean endsSentence(String line) {
        String t = line.strip();
        return t.isEmpty() || ".:;!?)".indexOf(t.charAt(t.length() - 1)) >= 0;
    }

    /** picocli's `help` prints a header above its usage; every other command starts with "Usage:". */
    private static void startWithUsage(CommandLine.Model.UsageMessageSpec usage) {
        if (usage.header().length == 0) return;
        usage.description("Show the help of COMMAND (or of coi).");
        usage.header(new String[0]);
        usage.synopsisHeading("Usage: ");
    }
}
