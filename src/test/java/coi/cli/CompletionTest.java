package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompletionTest {
    static String run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cli = CoiCommand.commandLine(new Context(Map.of()), args);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return code + "\n" + out + err;
    }

    @Test
    void bashScriptCompletesCommandsAndTheirOptions() {
        String bash = run("completion", "bash");
        assertThat(bash).startsWith("0\n").contains("complete -F", "shell", "container", "--workspace").doesNotContain("__train", "__watch");
    }

    @Test
    void fishScriptHasALinePerCommandSubcommandAndOption() {
        String fish = run("completion", "fish");
        assertThat(fish).startsWith("0\n")
                .contains("complete -c coi -n '__fish_use_subcommand' -a shell -d 'Start the AI tool")
                .contains("-a exec -d 'Run a command in a running container without a terminal.'")
                .contains("complete -c coi -n '__fish_seen_subcommand_from shell' -s w -l workspace -r")
                .doesNotContain("__train", "__watch");
    }

    /** The original's flag and its bare `coi completion`. */
    @Test
    void noDescriptionsLeavesFishsOutAndNoShellPrintsTheHelp() {
        String fish = run("completion", "fish", "--no-descriptions");
        assertThat(fish).startsWith("0\n").contains("complete -c coi -n '__fish_use_subcommand' -a shell\n").doesNotContain(" -d ");
        assertThat(run("completion", "bash", "--no-descriptions")).isEqualTo(run("completion", "bash"));
        assertThat(run("completion")).startsWith("0\n").contains("Usage: coi completion", "bash, zsh or fish");
    }

    @Test
    void unknownShellIsAUsageError() {
        assertThat(run("completion", "tcsh")).startsWith("2\n").contains("unknown shell 'tcsh'");
        assertThat(run("completion", "powershell")).startsWith("2\n").contains("not powershell");
    }
}
