package coi.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/**
 * Build tooling: renders `coi --help` as picocli prints it, plain and with colours, into the
 * classes folder (the build runs {@code main} before packaging the jar) for {@link coi.QuickAnswers}.
 */
public final class HelpText {
    private HelpText() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]).resolve("coi"));
        Files.writeString(dir.resolve("help.txt"), render(CommandLine.Help.Ansi.OFF), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("help.ansi.txt"), render(CommandLine.Help.Ansi.ON), StandardCharsets.UTF_8);
    }

    /** What `coi --help` prints with these colours. */
    static String render(CommandLine.Help.Ansi ansi) {
        StringWriter text = new StringWriter();
        CommandLine root = CoiCommand.commandLine(new Context(Map.of()), "--help");
        root.setOut(new PrintWriter(text));
        root.setColorScheme(CommandLine.Help.defaultColorScheme(ansi));
        root.execute("--help");
        return text.toString();
    }
}
