package coi.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeding from a host home that has every tool's credentials, settings, history and more. */
class ToolSeedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    Path home;
    Path state;

    @BeforeEach
    void hostHomeWithEverything() throws IOException {
        home = tmp.resolve("home");
        state = tmp.resolve("state");
        Files.createDirectories(state);

        file(".claude/.credentials.json", "{\"claudeAiOauth\":{\"accessToken\":\"tok\"}}");
        file(".claude/settings.json", "{\"model\":\"opus\",\"permissions\":{\"allow\":[\"Bash(ls)\"]},"
                + "\"skipDangerousModePermissionPrompt\":false}");
        file(".claude/history.jsonl", "{\"display\":\"secret prompt\"}\n");
        file(".claude/projects/-home-me-proj/1.jsonl", "{}\n");
        file(".claude/todos/t.json", "[]");
        file(".claude.json", """
                {"oauthAccount":{"emailAddress":"me@example.org"},"userID":"u1","theme":"light",
                 "hasCompletedOnboarding":false,"numStartups":42,"mcpServers":{"x":{"command":"/home/me/bin/x"}},
                 "projects":{"/home/me/proj":{"hasTrustDialogAccepted":true,"history":["secret"]}}}""");

        file(".local/share/opencode/auth.json", "{\"anthropic\":{\"type\":\"oauth\"}}");
        file(".local/share/opencode/opencode.db", "sessions");
        file(".local/share/opencode/storage/session/s1.json", "{}");
        file(".config/opencode/opencode.json", "{}");

        file(".codex/auth.json", "{\"OPENAI_API_KEY\":\"sk\"}");
        file(".codex/config.toml", """
                model = "o3"

                [projects."/home/me/proj"]
                trust_level = "trusted"

                [mcp_servers.docs]
                command = "docs-server"
                """);
        file(".codex/history.jsonl", "{}\n");
        file(".codex/sessions/2026/01/01/rollout.jsonl", "{}\n");

        file(".aider.conf.yml", "model: sonnet\n");
        file(".aider/oauth-keys.env", "OPENROUTER_API_KEY=or\n");
        file(".aider/caches/cache.db", "x");

        file(".fake-ai/credentials", "fake-token\n");
        file(".fake-ai/history", "old line\n");

        file(".env", "AWS_SECRET_ACCESS_KEY=never\n");
        file(".ssh/id_ed25519", "never");
        file(".bash_history", "never");
    }

    static Stream<Arguments> allowedFiles() {
        return Stream.of(
                Arguments.of("claude", Set.of(".credentials.json", "settings.json", ".claude.json")),
                Arguments.of("opencode", Set.of("auth.json")),
                Arguments.of("codex", Set.of("auth.json", "config.toml")),
                Arguments.of("aider", Set.of("oauth-keys.env", "aider.conf.yml")),
                Arguments.of("fake", Set.of("credentials")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowedFiles")
    void seedingCopiesOnlyCredentialsAndSettings(String name, Set<String> allowed) throws IOException {
        Tool.named(name).seed(home, state);

        assertThat(filesIn(state)).isEqualTo(allowed);
        for (String file : allowed) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve(file))))
                    .as(file).isEqualTo("rw-------");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allowedFiles")
    void anEmptyHostHomeStillGivesTheToolWhatCoiNeeds(String name) throws IOException {
        Tool.named(name).seed(tmp.resolve("empty-home"), state);

        Set<String> expected = switch (name) {
            case "claude" -> Set.of("settings.json", ".claude.json");
            case "codex" -> Set.of("config.toml");
            case "aider" -> Set.of("aider.conf.yml");
            default -> Set.of();
        };
        assertThat(filesIn(state)).isEqualTo(expected);
    }

    @Test
    void credentialsArriveByteForByte() throws IOException {
        Tool.named("claude").seed(home, state);
        Tool.named("fake").seed(home, state.resolve("fake"));

        assertThat(state.resolve(".credentials.json")).hasSameTextualContentAs(home.resolve(".claude/.credentials.json"));
        assertThat(state.resolve("fake/credentials")).hasContent("fake-token");
    }

    @Test
    void claudeSettingsKeepTheUsersAndSkipTheBypassWarning() throws IOException {
        Tool.named("claude").seed(home, state);

        assertThat(json(state.resolve("settings.json"))).isEqualTo(JSON.readTree("""
                {"model":"opus","permissions":{"allow":["Bash(ls)"]},"skipDangerousModePermissionPrompt":true}"""));
    }

    @Test
    void claudeGlobalConfigCarriesLoginAndPreferencesAndTrustsOnlyTheWorkspace() throws IOException {
        Tool.named("claude").seed(home, state);

        assertThat(json(state.resolve(".claude.json"))).isEqualTo(JSON.readTree("""
                {"oauthAccount":{"emailAddress":"me@example.org"},"userID":"u1","hasCompletedOnboarding":true,
                 "theme":"light","projects":{"/workspace":{"hasTrustDialogAccepted":true}}}"""));
    }

    @Test
    void claudeReadsTheLegacyGlobalConfigWhenTheHostHasIt() throws IOException {
        file(".claude/.config.json", "{\"userID\":\"legacy\"}");

        Tool.named("claude").seed(home, state);

        assertThat(json(state.resolve(".claude.json")).get("userID").asText()).isEqualTo("legacy");
    }

    @Test
    void brokenHostJsonIsReportedWithItsPath() throws IOException {
        file(".claude/settings.json", "{\"model\":");

        assertThatThrownBy(() -> Tool.named("claude").seed(home, state))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(home.resolve(".claude/settings.json") + " is not valid JSON");
    }

    @Test
    void codexConfigKeepsSettingsDropsHostProjectsAndTrustsTheWorkspace() throws IOException {
        Tool.named("codex").seed(home, state);

        assertThat(state.resolve("config.toml")).content().isEqualTo("""
                model = "o3"

                [mcp_servers.docs]
                command = "docs-server"

                [projects."/workspace"]
                trust_level = "trusted"
                """);
    }

    @Test
    void codexDropsAnEarlierTrustOfTheWorkspaceRatherThanDefiningItTwice() throws IOException {
        file(".codex/config.toml", """
                [projects."/workspace"]
                trust_level = "untrusted"
                [projects.'/srv/other']
                trust_level = "trusted"
                [tui]
                theme = "dark"
                """);

        Tool.named("codex").seed(home, state);

        assertThat(state.resolve("config.toml")).content().isEqualTo("""
                [tui]
                theme = "dark"

                [projects."/workspace"]
                trust_level = "trusted"
                """);
    }

    @Test
    void anInvalidCodexConfigIsReportedInsteadOfBreakingCodex() throws IOException {
        file(".codex/config.toml", "model = \n");

        assertThatThrownBy(() -> Tool.named("codex").seed(home, state))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(home.resolve(".codex/config.toml") + " cannot be carried into the session");
    }

    @Test
    void aiderConfigIsCopiedAsItIs() throws IOException {
        Tool.named("aider").seed(home, state);

        assertThat(state.resolve("aider.conf.yml")).hasContent("model: sonnet");
    }

    @Test
    void aBlankAiderConfigBecomesAnEmptyMappingSoAiderAcceptsIt() throws IOException {
        file(".aider.conf.yml", "\n");

        Tool.named("aider").seed(home, state);

        assertThat(state.resolve("aider.conf.yml")).hasContent("{}");
    }

    private void file(String relative, String content) throws IOException {
        Path file = home.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static JsonNode json(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    private static Set<String> filesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(file -> dir.relativize(file).toString())
                    .collect(Collectors.toSet());
        }
    }
}
