package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.FakeDaemon;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `coi container exists|running NAME` without picocli: the same answers and errors as the ordinary path. */
class QuickQueriesTest {
    @TempDir
    Path dir;
    FakeDaemon daemon;
    Map<String, String> env;

    @BeforeEach
    void daemonWithTwoContainers() throws Exception {
        daemon = FakeDaemon.start(dir);
        daemon.existing("up", "Running", Map.of(), false);
        daemon.existing("down", "Stopped", Map.of(), false);
        env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("incus.socket").toString());
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    /** Exit code and stderr of the quick path, and exit code and stderr of picocli's. */
    private record Both(int quick, String quickErr, int ordinary, String ordinaryErr) {}

    private Both ask(String question, String name) {
        StringWriter quickErr = new StringWriter();
        int quick = QuickQueries.answer(new Context(env), question.equals("running"), name, new PrintWriter(quickErr, true));
        StringWriter ordinaryErr = new StringWriter();
        int ordinary;
        try (Context context = new Context(env)) {
            var cli = CoiCommand.commandLine(context, "container", question, name);
            cli.setErr(new PrintWriter(ordinaryErr, true));
            ordinary = cli.execute("container", question, name);
        }
        return new Both(quick, quickErr.toString(), ordinary, ordinaryErr.toString());
    }

    @Test
    void answersAsTheOrdinaryPath() {
        assertThat(ask("exists", "up")).isEqualTo(new Both(0, "", 0, ""));
        assertThat(ask("exists", "down")).isEqualTo(new Both(0, "", 0, ""));
        assertThat(ask("exists", "gone")).isEqualTo(new Both(1, "", 1, ""));
        assertThat(ask("running", "up")).isEqualTo(new Both(0, "", 0, ""));
        assertThat(ask("running", "down")).isEqualTo(new Both(1, "", 1, ""));
        assertThat(ask("running", "gone")).isEqualTo(new Both(1, "", 1, ""));
    }

    @Test
    void anUnreachableDaemonIsSaidTheSameWay() {
        env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("absent.socket").toString());
        Both both = ask("exists", "up");
        assertThat(both.quick()).isEqualTo(1).isEqualTo(both.ordinary());
        assertThat(both.quickErr()).startsWith("coi: ").contains("absent.socket").isEqualTo(both.ordinaryErr());
    }

    @Test
    void onlyTheseExactQuestionsTakeTheQuickPath() {
        for (String[] args : new String[][] {{"container", "exists"}, {"container", "exists", "--help"}, {"container", "exists", "a", "b"},
                {"container", "exists", "-h"}, {"container", "delete", "x"}, {"--debug", "container", "exists"}, {"list"}}) {
            assertThat(QuickQueries.answer(args)).as(String.join(" ", args)).isEqualTo(-1);
        }
    }
}
