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

    @Test
    void unknownShellIsAUsageError() {
        assertThat(run("completion", "tcsh")).startsWith("2\n").contains("unknown shell 'tcsh'");
    }
}
