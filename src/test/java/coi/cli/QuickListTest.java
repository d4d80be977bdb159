package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.FakeDaemon;
import coi.session.Labels;
import coi.session.SessionMetadata;
import coi.session.SessionStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `coi list` without picocli: the same bytes on stdout and stderr, and the same exit codes, as the ordinary path. */
class QuickListTest {
    @TempDir
    Path dir;
    FakeDaemon daemon;
    Map<String, String> env;

    @BeforeEach
    void daemon() throws Exception {
        daemon = FakeDaemon.start(dir);
        env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("incus.socket").toString());
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private Answer quick(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        QuickList.Question question = QuickList.question(args);
        assertThat(question).as(String.join(" ", args)).isNotNull();
        int code = QuickList.answer(new Context(env), question, new PrintWriter(out), new PrintWriter(err, true));
        return new Answer(code, out.toString(), err.toString());
    }

    private Answer ordinary(String... args) {
        return Answer.ordinary(env, args);
    }

    private void sameBothWays(String... args) {
        Answer quick = quick(args);
        assertThat(quick).as(String.join(" ", args)).isEqualTo(ordinary(args));
    }

    @Test
    void noContainersAndNoSessions() {
        daemon.existing("someone-elses", "Running", Map.of(), false);
        String nl = System.lineSeparator();
        assertThat(quick("list")).isEqualTo(new Answer(0, "Active Containers:" + nl + "------------------" + nl + "  (none)" + nl, ""));
        assertThat(quick("list", "--all").out()).endsWith(nl + "Saved Sessions:" + nl + "---------------" + nl + "  (none)" + nl);
        assertThat(quick("list", "--format", "json").out()).isEqualTo("{\n  \"active_containers\" : [ ]\n}" + System.lineSeparator());
        for (String[] args : new String[][] {{"list"}, {"list", "--all"}, {"list", "--format", "json"}, {"list", "--all", "--format=json"}}) {
            sameBothWays(args);
        }
    }

    @Test
    void containersAndSavedSessionsPrintAsTheOrdinaryPathPrintsThem() {
        daemon.alias("coi").alias("coi-20261204-103000");
        daemon.existing("coi-aaaa1111-1", "Running", Map.of(Labels.WORKSPACE, "/home/u/p ü", Labels.SESSION, "s-1", Labels.TOOL, "claude",
                Labels.SLOT, "1", Labels.PERSISTENT, "false", Labels.NETWORK, "open", Labels.MONITOR, "on",
                "volatile.base_image", "abc", "image.description", "coi image"), false);
        daemon.existing("coi-aaaa1111-2", "Stopped", Map.of(Labels.WORKSPACE, "/home/u/p", Labels.PERSISTENT, "true",
                "volatile.base_image", "0123456789abcdef"), false);
        daemon.existing("coi-byhand", "Frozen", Map.of(), true);
        daemon.existing("other", "Running", Map.of(), false);
        SessionStore store = new SessionStore(dir.resolve(".coi"));
        store.save(new SessionMetadata("s-1", "coi-aaaa1111-1", "claude", false, "/home/u/p ü", "2026-12-04T11:00:00Z",
                "2026-12-04T10:39:24Z", 1, "coi", "running"));
        store.save(new SessionMetadata("s-0", "coi-aaaa1111-9", "claude", true, "/home/u/q", "2026-12-03T09:00:00Z",
                "2026-12-03T08:00:00Z", 9, "coi", "ended", "the monitor"));

        Answer text = quick("list");
        assertThat(text.code()).isZero();
        // the original's block per container, coi's own lines after its
        assertThat(text.out()).startsWith("Active Containers:\n------------------\n")
                .contains("  coi-aaaa1111-1 (ephemeral)\n    Status: Running\n    IPv4: 10.99.0.50\n", "    Image: coi\n    Workspace: /home/u/p ü\n"
                        + "    Network: open\n    Monitor: watched\n", "  coi-aaaa1111-2 (persistent)\n    Status: Stopped\n", "  coi-byhand (")
                .containsPattern("    Created: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\n")
                .doesNotContain("other", "Saved Sessions:");
        assertThat(quick("list", "--all").out()).contains("Saved Sessions:\n---------------\n",
                "  s-0\n    Saved: 2026-12-03 09:00:00\n    Workspace: /home/u/q\n    Tool: claude\n    Status: ended\n");
        Answer json = quick("list", "--all", "--format", "json");
        assertThat(json.out()).contains("\"ipv4\" : \"10.99.0.50\"", "\"saved_sessions\"", "\"ID\" : \"s-0\"");
        for (String[] args : new String[][] {{"list"}, {"list", "--all"}, {"list", "--format", "JSON"}, {"list", "--format=text", "--all"},
                {"list", "--all", "--format", "json"}}) {
            sameBothWays(args);
        }
        assertThat(store.find("claude", "s-1")).get().extracting(SessionMetadata::status).as("its container runs").isEqualTo("running");
    }

    @Test
    void aSessionWhoseContainerIsGoneIsEndedByEitherPath() {
        SessionStore store = new SessionStore(dir.resolve(".coi"));
        store.save(new SessionMetadata("s-1", "coi-aaaa1111-1", "claude", false, "/w", "2026-12-04T11:00:00Z",
                "2026-12-04T10:39:24Z", 1, "coi", "running"));
        assertThat(quick("list", "--all").out()).contains("s-1", "ended");
        assertThat(store.find("claude", "s-1")).get().extracting(SessionMetadata::status).isEqualTo("ended");
    }

    @Test
    void anUnreachableDaemonIsSaidTheSameWay() {
        env = Map.of("HOME", dir.toString(), "PWD", dir.toString(), "COI_INCUS_SOCKET", dir.resolve("absent.socket").toString());
        Answer quick = quick("list");
        assertThat(quick.code()).isEqualTo(1);
        assertThat(quick.out()).isEmpty();
        assertThat(quick.err()).startsWith("coi: ").contains("absent.socket");
        sameBothWays("list");
        sameBothWays("list", "--all", "--format", "json");
    }

    @Test
    void anInvalidConfigurationIsSaidTheSameWay() throws Exception {
        Files.writeString(Files.createDirectories(dir.resolve(".config/coi")).resolve("config.toml"), "[incus\nsocket = 1\n");
        Answer quick = quick("list");
        assertThat(quick.code()).isEqualTo(2);
        assertThat(quick.err()).startsWith("coi: ").contains("config.toml");
        sameBothWays("list");
    }

    /** The workspace's file is the agent's to write: a broken one is left out of a listing (with a warning), both ways. */
    @Test
    void anInvalidProjectFileIsLeftOutTheSameWay() throws Exception {
        Files.writeString(dir.resolve(".coi.toml"), "[incus\nsocket = 1\n");
        Answer quick = quick("list");
        assertThat(quick.code()).isZero();
        assertThat(quick.err()).doesNotContain(".coi.toml");
        sameBothWays("list");
    }

    @Test
    void onlyListWithAllAndATextOrJsonFormatTakesTheQuickPath() {
        for (String[] args : new String[][] {{"list"}, {"list", "--all"}, {"list", "--format", "json"}, {"list", "--format=TEXT", "--all"},
                {"list", "--all", "--format", "Json"}}) {
            assertThat(QuickList.question(args)).as(String.join(" ", args)).isNotNull();
        }
        for (String[] args : new String[][] {{}, {"--debug", "list"}, {"list", "--debug"}, {"list", "-h"}, {"list", "--help"},
                {"list", "--all", "--all"}, {"list", "--format"}, {"list", "--format", "yaml"}, {"list", "--format", "--all"},
                {"list", "--format", "json", "--format", "text"}, {"list", "-w", "/tmp"}, {"list", "--workspace=/tmp"},
                {"list", "--remote", "r"}, {"list", "extra"}, {"ls"}, {"container", "exists", "x"}}) {
            assertThat(QuickList.question(args)).as(String.join(" ", args)).isNull();
            assertThat(QuickList.answer(args)).as(String.join(" ", args)).isEqualTo(-1);
        }
    }
}
