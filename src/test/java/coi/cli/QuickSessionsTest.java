package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** `coi run` and `coi shell` without picocli: the command objects picocli fills, and the same errors and exit codes. */
class QuickSessionsTest {
    @TempDir
    Path dir;

    static Stream<Arguments> quick() {
        return Stream.<Object>of(new String[] {"run", "--", "true"}, new String[] {"run", "true"}, new String[] {"run", "npm test && npm run lint"},
                new String[] {"run", "ls", "x y", "help"}, new String[] {"run", "--", "ls", "-la"}, new String[] {"run", "--", "--", "x"},
                new String[] {"run", "--", "--debug"}, new String[] {"run", "shell"}, new String[] {"shell"},
                new String[] {}).map(args -> Arguments.of(args));
    }

    static Stream<Arguments> ordinary() {
        return Stream.<Object>of(new String[] {"run"}, new String[] {"run", "--"}, new String[] {"run", "ls", "-la"},
                new String[] {"run", "--slot", "2", "--", "x"}, new String[] {"run", "--dry-run", "true"}, new String[] {"run", "@args"},
                new String[] {"run", "--", "@args"}, new String[] {"run", "@"}, new String[] {"run", "-h"}, new String[] {"shell", "--detach"},
                new String[] {"shell", "x"}, new String[] {"--debug"}, new String[] {"list"}, new String[] {"RUN", "x"},
                new String[] {"--remote", "r", "run", "--", "x"}, new String[] {"-w", "/tmp", "shell"}).map(args -> Arguments.of(args));
    }

    @ParameterizedTest
    @MethodSource("quick")
    void makesTheCommandPicocliFills(String[] args) {
        assertThat(QuickSessions.asks(args)).isTrue();
        Context context = new Context(Map.of());
        // a plain `coi` is `coi shell` (CoiCommand.call)
        String[] picocliArgs = args.length == 0 ? new String[] {"shell"} : args;
        CommandLine cli = CoiCommand.commandLine(context, picocliArgs);
        Object filled = cli.parseArgs(picocliArgs).asCommandLineList().getLast().getCommand();
        assertThat((Object) QuickSessions.command(context, args)).usingRecursiveComparison().ignoringFields("spec")
                .isEqualTo(filled);
    }

    @ParameterizedTest
    @MethodSource("ordinary")
    void leavesEverythingElseToPicocli(String[] args) {
        assertThat(QuickSessions.asks(args)).isFalse();
    }

    /** bin/coi starts what this path answers, and only that, on the session cache (trained on this path's launches). */
    @ParameterizedTest
    @MethodSource({"quick", "ordinary"})
    void theLauncherPicksTheSessionCacheForExactlyWhatThisPathAnswers(String[] args) throws Exception {
        String launcher = Files.readString(Path.of("bin/coi"));
        Matcher function = Pattern.compile("(?ms)^quick_session\\(\\) \\{$.*?^}$").matcher(launcher);
        assertThat(function.find()).as("bin/coi defines quick_session").isTrue();
        List<String> command = new ArrayList<>(List.of("sh", "-c", function.group() + "\nquick_session \"$@\"", "sh"));
        command.addAll(List.of(args));
        Process sh = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(sh.getInputStream().readAllBytes());
        assertThat(sh.waitFor() == 0).as("quick_session %s (%s)", List.of(args), output).isEqualTo(QuickSessions.asks(args));
    }

    private Answer quick(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        Context context = new Context(env);
        int code = QuickSessions.answer(context, QuickSessions.command(context, args), args, new PrintWriter(out), new PrintWriter(err, true));
        return new Answer(code, out.toString(), err.toString());
    }

    /** A pooled shell's refill request (RefillRequest) is written when it always was: before the plan, so also when the plan fails. */
    @Test
    void aPooledShellRequestsItsRefillAlsoWhenItsPlanFails() throws Exception {
        Path config = Files.writeString(dir.resolve("pool.toml"), "[security]\nprotected_paths = []\n[pool]\nsize = 1\n");
        Map<String, String> env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_CONFIG", config.toString(),
                "COI_INCUS_SOCKET", dir.resolve("no.socket").toString(), "COI_TOOL", "fake");
        Answer shell = quick(env, "shell");
        assertThat(shell.code()).isEqualTo(1);
        assertThat(shell.err()).contains("no.socket");
        try (Stream<Path> requests = Files.list(dir.resolve(".coi/pool"))) {
            assertThat(requests.map(p -> p.getFileName().toString())).singleElement().asString().endsWith(".json");
        }
        assertThat(Files.readString(dir.resolve(".coi/pool").resolve(coi.session.Workspace.of(dir).hash() + ".json")))
                .contains(dir.toString(), config.toString());
    }

    /** A refill request that cannot be written is a warning, given once: the session goes on without it. */
    @Test
    void aRefillRequestThatCannotBeWrittenIsAWarningGivenOnce() throws Exception {
        Path config = Files.writeString(dir.resolve("pool.toml"), "[security]\nprotected_paths = []\n[pool]\nsize = 1\n");
        Files.createDirectories(dir.resolve(".coi"));
        Files.writeString(dir.resolve(".coi/pool"), "a file where the requests' folder goes\n");
        Map<String, String> env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_CONFIG", config.toString(),
                "COI_INCUS_SOCKET", dir.resolve("no.socket").toString(), "COI_TOOL", "fake");
        // the warning goes to the process's stderr, as coi's other background warnings do
        Answer[] shell = new Answer[1];
        String stderr = coi.testing.Stderr.of(() -> shell[0] = quick(env, "shell"));
        assertThat(shell[0].code()).isEqualTo(1);
        assertThat(shell[0].err()).contains("no.socket");
        assertThat(stderr.lines().filter(l -> l.startsWith("coi: warning: cannot write " + dir.resolve(".coi/pool")))).singleElement()
                .asString().endsWith("the pool is refilled only by `coi pool fill`");
    }

    @Test
    void aMissingConfigFileAndAnUnreachableDaemonReadAsOnTheOrdinaryPath() {
        Map<String, String> missingConfig = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_CONFIG", dir.resolve("nope.toml").toString());
        Map<String, String> noDaemon = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("no.socket").toString(),
                "COI_TOOL", "fake");
        for (String[] args : new String[][] {{"run", "--", "true"}, {"shell"}}) {
            Answer config = quick(missingConfig, args);
            assertThat(config).isEqualTo(Answer.ordinary(missingConfig, args));
            assertThat(config.code()).isEqualTo(2);
            assertThat(config.err()).contains("nope.toml does not exist (named by COI_CONFIG)");
            Answer daemon = quick(noDaemon, args);
            assertThat(daemon).isEqualTo(Answer.ordinary(noDaemon, args));
            assertThat(daemon.code()).isEqualTo(1);
            assertThat(daemon.err()).contains("no.socket");
        }
    }
}
