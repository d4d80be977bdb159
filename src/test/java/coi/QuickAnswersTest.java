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

    @Test
    void aTerminalIsToldFromProcAsTheConsoleTellsIt() {
        // the test JVM's stdin and stdout are pipes or files: no terminal either way
        java.io.Console console = System.console();
        assertThat(QuickAnswers.terminal()).isEqualTo(console != null && console.isTerminal()).isFalse();
        assertThat(QuickAnswers.terminal("/dev/pts/3")).isTrue();
        assertThat(QuickAnswers.terminal("/dev/tty1")).isTrue();
        assertThat(QuickAnswers.terminal("/dev/console")).isTrue();
        assertThat(QuickAnswers.terminal("pipe:[123456]")).isFalse();
        assertThat(QuickAnswers.terminal("/dev/null")).isFalse();
        assertThat(QuickAnswers.terminal("/home/me/out.txt")).isFalse();
    }

    @Test
    void theHelpIsReadFromTheJarOnTheClassPathElseFromTheClassLoader(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path jar = tmp.resolve("coi.jar");
        try (var out = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.zip.ZipEntry("coi/help.txt"));
            out.write("from the jar\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        assertThat(new String(QuickAnswers.resource(jar.toString(), QuickAnswers.HELP), StandardCharsets.UTF_8)).isEqualTo("from the jar\n");
        // classes (the tests' class path), or a jar without it: the class loader's copy
        byte[] loaders;
        try (var in = QuickAnswers.class.getResourceAsStream(QuickAnswers.HELP)) {
            loaders = in.readAllBytes();
        }
        assertThat(QuickAnswers.resource("target/classes:target/test-classes", QuickAnswers.HELP)).isEqualTo(loaders);
        assertThat(QuickAnswers.resource(jar.toString(), QuickAnswers.HELP_ANSI)).isNotNull().isNotEqualTo(loaders);
        assertThat(QuickAnswers.resource(jar.toString(), "/coi/no-such-text.txt")).isNull();
    }
}
