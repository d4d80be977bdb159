package coi.tool;

import static coi.config.PermissionMode.BYPASS;
import static coi.config.PermissionMode.INTERACTIVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.config.Config;
import coi.config.PermissionMode;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ToolCommandTest {
    static Stream<Arguments> commands() {
        return Stream.of(
                row("claude", BYPASS, Resume.none(), "claude --dangerously-skip-permissions"),
                row("claude", BYPASS, Resume.latest(), "claude --continue --dangerously-skip-permissions"),
                row("claude", BYPASS, Resume.id("abc-123"), "claude --resume abc-123 --dangerously-skip-permissions"),
                row("claude", INTERACTIVE, Resume.none(), "claude"),
                row("claude", INTERACTIVE, Resume.latest(), "claude --continue"),
                row("claude", INTERACTIVE, Resume.id("abc-123"), "claude --resume abc-123"),

                row("opencode", BYPASS, Resume.none(), "opencode --auto"),
                row("opencode", BYPASS, Resume.latest(), "opencode --continue --auto"),
                row("opencode", BYPASS, Resume.id("ses_1"), "opencode --session ses_1 --auto"),
                row("opencode", INTERACTIVE, Resume.none(), "opencode"),
                row("opencode", INTERACTIVE, Resume.latest(), "opencode --continue"),
                row("opencode", INTERACTIVE, Resume.id("ses_1"), "opencode --session ses_1"),

                row("codex", BYPASS, Resume.none(), "codex --dangerously-bypass-approvals-and-sandbox"),
                row("codex", BYPASS, Resume.latest(), "codex resume --last --dangerously-bypass-approvals-and-sandbox"),
                row("codex", BYPASS, Resume.id("0199-uuid"), "codex resume 0199-uuid --dangerously-bypass-approvals-and-sandbox"),
                row("codex", INTERACTIVE, Resume.none(), "codex"),
                row("codex", INTERACTIVE, Resume.latest(), "codex resume --last"),
                row("codex", INTERACTIVE, Resume.id("0199-uuid"), "codex resume 0199-uuid"),

                row("aider", BYPASS, Resume.none(), "aider --config /home/code/.aider/aider.conf.yml --yes-always"),
                row("aider", BYPASS, Resume.latest(), "aider --config /home/code/.aider/aider.conf.yml --restore-chat-history --yes-always"),
                row("aider", BYPASS, Resume.id("x"), "aider --config /home/code/.aider/aider.conf.yml --restore-chat-history --yes-always"),
                row("aider", INTERACTIVE, Resume.none(), "aider --config /home/code/.aider/aider.conf.yml"),
                row("aider", INTERACTIVE, Resume.latest(), "aider --config /home/code/.aider/aider.conf.yml --restore-chat-history"),
                row("aider", INTERACTIVE, Resume.id("x"), "aider --config /home/code/.aider/aider.conf.yml --restore-chat-history"),

                row("fake", BYPASS, Resume.none(), "fake-ai --bypass-permissions"),
                row("fake", BYPASS, Resume.latest(), "fake-ai --resume --bypass-permissions"),
                row("fake", BYPASS, Resume.id("s1"), "fake-ai --resume s1 --bypass-permissions"),
                row("fake", INTERACTIVE, Resume.none(), "fake-ai"),
                row("fake", INTERACTIVE, Resume.latest(), "fake-ai --resume"),
                row("fake", INTERACTIVE, Resume.id("s1"), "fake-ai --resume s1"));
    }

    private static Arguments row(String tool, PermissionMode mode, Resume resume, String argv) {
        return Arguments.of(tool, mode, resume, List.of(argv.split(" ")));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("commands")
    void startsEachToolWithItsOwnFlags(String tool, PermissionMode mode, Resume resume, List<String> argv) {
        assertThat(Tool.named(tool).command(new Launch(Optional.empty(), mode, resume))).isEqualTo(argv);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void aConfiguredBinaryReplacesOnlyTheFirstWord(String tool, PermissionMode mode, Resume resume, List<String> argv) {
        List<String> command = Tool.named(tool).command(new Launch(Optional.of("/opt/bin/agent"), mode, resume));

        assertThat(command.getFirst()).isEqualTo("/opt/bin/agent");
        assertThat(command.subList(1, command.size())).isEqualTo(argv.subList(1, argv.size()));
    }

    @Test
    void aLaunchTakesBinaryAndPermissionModeFromTheConfig() {
        Launch launch = Launch.of(new Config.Tool("claude", INTERACTIVE, Optional.of("claude-beta")), Resume.latest());

        assertThat(launch).isEqualTo(new Launch(Optional.of("claude-beta"), INTERACTIVE, Resume.latest()));
    }

    @Test
    void aToolSessionIdThatCouldPassForAFlagIsRefused() {
        for (String id : Arrays.asList("", " ", "--print", null)) {
            assertThatThrownBy(() -> Resume.id(id))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid tool session id");
        }
    }
}
