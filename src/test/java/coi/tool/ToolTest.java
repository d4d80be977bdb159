package coi.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolTest {
    @Test
    void everyToolIsFoundByItsName() {
        assertThat(Tool.all()).extracting(Tool::name).containsExactly("claude", "opencode", "codex", "aider", "fake");
        for (Tool tool : Tool.all()) {
            assertThat(Tool.named(tool.name())).isEqualTo(tool);
        }
    }

    @Test
    void anUnknownNameIsAnErrorThatListsTheKnownTools() {
        assertThatThrownBy(() -> Tool.named("cursor"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown tool 'cursor': known tools are claude, opencode, codex, aider, fake");
    }

    @Test
    void stateDirsLiveInTheCodeUsersHome() {
        assertThat(Tool.all()).extracting(Tool::containerStateDir).containsExactly(
                "/home/code/.claude", "/home/code/.local/share/opencode", "/home/code/.codex",
                "/home/code/.aider", "/home/code/.fake-ai");
    }

    @Test
    void environmentPointsEachToolAtItsStateDir() {
        assertThat(Tool.named("claude").environment())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "CLAUDE_CONFIG_DIR", "/home/code/.claude", "DISABLE_AUTOUPDATER", "1"));
        assertThat(Tool.named("opencode").environment()).containsExactly(entry("OPENCODE_DISABLE_AUTOUPDATE", "true"));
        assertThat(Tool.named("codex").environment()).containsExactly(entry("CODEX_HOME", "/home/code/.codex"));
        assertThat(Tool.named("aider").environment()).containsExactly(entry("AIDER_CHECK_UPDATE", "false"));
        assertThat(Tool.named("fake").environment()).containsExactly(entry("FAKE_AI_STATE", "/home/code/.fake-ai"));
    }
}
