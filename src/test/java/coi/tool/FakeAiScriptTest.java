package coi.tool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake-ai script itself, run with bash the way the container runs it. */
class FakeAiScriptTest {
    @TempDir
    Path tmp;
    Path script;
    Path state;

    @BeforeEach
    void installScript() throws IOException {
        script = tmp.resolve("fake-ai");
        Files.write(script, FakeAi.script());
        state = tmp.resolve("home/.fake-ai");
    }

    @Test
    void echoesEachLineAndKeepsItInItsHistory() throws Exception {
        Run run = run("hello\nsecond line\nquit\n", "--bypass-permissions");

        assertThat(run.exitCode).isZero();
        assertThat(run.output).startsWith("fake-ai ready (state: " + state + ")\n"
                + "args: --bypass-permissions\n"
                + "fake-ai> echo: hello\n"
                + "fake-ai> echo: second line\n"
                + "fake-ai> ");
        assertThat(run.output).doesNotContain("resume");
        assertThat(state.resolve("history")).hasContent("hello\nsecond line");
        assertThat(state.resolve("last")).hasContent("second line");
    }

    @Test
    void endOfInputEndsItCleanly() throws Exception {
        Run run = run("only\n");

        assertThat(run.exitCode).isZero();
        assertThat(state.resolve("history")).hasContent("only");
    }

    @Test
    void quitWithANumberExitsWithIt() throws Exception {
        Run run = run("kept\nquit 7\nnot read\n");

        assertThat(run.exitCode).isEqualTo(7);
        assertThat(state.resolve("history")).hasContent("kept");
    }

    @Test
    void resumingCountsTheEarlierHistoryAndShowsTheFlag() throws Exception {
        run("one\ntwo\nquit\n");

        Run run = run("three\n", "--resume", "s-42");

        assertThat(run.output).startsWith("fake-ai ready (state: " + state + ")\n"
                + "fake-ai resumed 2 earlier lines\n"
                + "resume-flag-seen\n"
                + "args: --resume s-42\n");
        assertThat(state.resolve("history")).hasContent("one\ntwo\nthree");
    }

    @Test
    void resumingWithoutHistoryCountsNone() throws Exception {
        assertThat(run("", "--resume").output).contains("fake-ai resumed 0 earlier lines\nresume-flag-seen\n");
    }

    private record Run(int exitCode, String output) {}

    private Run run(String input, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("HOME", tmp.resolve("home").toString());
        builder.environment().put("FAKE_AI_STATE", state.toString());
        Process process = builder.start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("fake-ai exited").isTrue();
        return new Run(process.exitValue(), output);
    }
}
