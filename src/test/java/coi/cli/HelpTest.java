package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every command and subcommand in {@link CoiCommand#COMMANDS}, walked as a user types them. */
class HelpTest {
    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cli = CoiCommand.commandLine(new Context(Map.of()), args);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Command paths such as ["container", "exec"], read from the tree so commands added later are walked too. */
    static Stream<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        collect(CoiCommand.commandLine(new Context(Map.of()), "--help"), List.of(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> paths) {
        for (var sub : command.getSubcommands().entrySet()) {
            if (!sub.getKey().equals(sub.getValue().getCommandName())) continue; // an alias: walked under its name
            List<String> here = new ArrayList<>(path);
            here.add(sub.getKey());
            paths.add(here);
            collect(sub.getValue(), here, paths);
        }
    }

    @ParameterizedTest
    @MethodSource("commandPaths")
    void longAndShortHelpPrintTheCommandsUsage(List<String> path) {
        for (String flag : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(path);
            args.add(flag);
            Result r = run(args.toArray(String[]::new));
            assertThat(r.code()).as("coi %s", String.join(" ", args)).isZero();
            assertThat(r.out()).as("coi %s", String.join(" ", args)).startsWith("Usage: coi " + String.join(" ", path));
            assertThat(r.err()).isEmpty();
        }
    }

    @org.junit.jupiter.api.Test
    void theWalkCoversNestedCommands() {
        assertThat(commandPaths().map(p -> String.join(" ", p)))
                .contains("shell", "run", "container exec", "image cleanup", "snapshot list", "tmux send", "file push", "build custom");
    }

    @org.junit.jupiter.api.Test
    void aUsageErrorExitsTwoAndPointsAtAHelpThatWorks() {
        Result r = run("run");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Try `coi run --help` for usage.");
        assertThat(run("run", "--help").code()).isZero();
    }

    @org.junit.jupiter.api.Test
    void anUnknownOptionIsNamedEvenWhenAParameterIsMissingToo() {
        Result r = run("run", "--bogus");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("coi: Unknown option: '--bogus'\n").contains("Try `coi run --help` for usage.");
        assertThat(run("--debug", "run", "--bogus=1").err()).contains("Unknown option: '--bogus'");
        // known options (also the root's) and what follows -- are not taken for the mistake
        assertThat(run("--debug", "run", "--dry-run").err()).contains("Missing required parameter: 'CMD'");
        var run = CoiCommand.commandLine(new Context(Map.of()), "run").getSubcommands().get("run").getCommandSpec();
        assertThat(Errors.unknownOption(run, new String[] {"run", "--", "--bogus"})).isNull();
        assertThat(Errors.unknownOption(run, new String[] {"run", "-it"})).as("a cluster is picocli's to judge").isNull();
    }

    @org.junit.jupiter.api.Test
    void aHostFileErrorIsNotPutInTheDaemonsMouth() {
        StringWriter err = new StringWriter();
        int code = Errors.report(new coi.incus.IncusException.HostFile("cannot write out/h: out is a symbolic link"), "coi file pull",
                new PrintWriter(err), false);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("coi: cannot write out/h: out is a symbolic link\n");
        err.getBuffer().setLength(0);
        Errors.report(new coi.incus.IncusException(500, "boom"), "coi list", new PrintWriter(err), false);
        assertThat(err.toString()).isEqualTo("coi: Incus: boom\n");
    }
}
