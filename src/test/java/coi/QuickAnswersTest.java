package coi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class QuickAnswersTest {
    private static String answered(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(QuickAnswers.answer(args, new PrintStream(bytes, true, StandardCharsets.UTF_8))).isZero();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** What picocli prints for these arguments when it builds the whole command tree. */
    private static String picocli(CommandLine.Help.Ansi ansi, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = coi.cli.CoiCommand.commandLine(new coi.cli.Context(Map.of()), args);
        cli.setOut(new PrintWriter(out));
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(ansi));
        assertThat(cli.execute(args)).isZero();
        return out.toString();
    }

    @Test
    void helpIsTheBytesPicocliPrintsForTheCommandTreeOfThisBuild() throws Exception {
        // the test JVM has no terminal: the plain text, as picocli prints it there
        assertThat(answered("--help")).isEqualTo(picocli(CommandLine.Help.Ansi.OFF, "--help")).startsWith("Usage: coi ").contains("shell", "list");
        assertThat(answered("-h")).isEqualTo(answered("--help"));
        try (var in = QuickAnswers.class.getResourceAsStream(QuickAnswers.HELP_ANSI)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(picocli(CommandLine.Help.Ansi.ON, "--help")).contains("\u001b[");
        }
    }

    @Test
    void versionIsPicocliS() {
        // the original's lines, which scripts parse: "coi version X", and for `coi version` "code-on-incus (coi) vX"
        assertThat(answered("--version")).isEqualTo(picocli(CommandLine.Help.Ansi.OFF, "--version")).startsWith("coi version ");
        assertThat(answered("version")).isEqualTo(picocli(CommandLine.Help.Ansi.OFF, "version")).startsWith("code-on-incus (coi) v");
        assertThat(answered("-V")).isEqualTo(answered("--version"));
    }

    @Test
    void everythingElseGoesToPicocli() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertThat(QuickAnswers.answer(new String[] {"--help", "list"}, out)).isEqualTo(-1);
        assertThat(QuickAnswers.answer(new String[] {"list"}, out)).isEqualTo(-1);
        assertThat(QuickAnswers.answer(new String[] {}, out)).isEqualTo(-1);
        assertThat(QuickAnswers.answer(new String[] {"--debug", "--version"}, out)).isEqualTo(-1);
    }

    @Test
    void coloursFollowPicocliSRuleOnLinux() {
        assertThat(QuickAnswers.colours(Map.of(), true)).isTrue();
        assertThat(QuickAnswers.colours(Map.of(), false)).isFalse();
        assertThat(QuickAnswers.colours(Map.of("NO_COLOR", ""), true)).isFalse();
        assertThat(QuickAnswers.colours(Map.of("NO_COLOR", "1", "CLICOLOR_FORCE", "1"), false)).isFalse();
        assertThat(QuickAnswers.colours(Map.of("CLICOLOR_FORCE", "1"), false)).isTrue();
        assertThat(QuickAnswers.colours(Map.of("CLICOLOR_FORCE", "0"), false)).isFalse();
        assertThat(QuickAnswers.colours(Map.of("CLICOLOR", "0"), true)).isFalse();
        assertThat(QuickAnswers.colours(Map.of("ConEmuANSI", "OFF"), true)).isFalse();
    }
}
