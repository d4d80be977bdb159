package coi.tool;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What Claude Code ({@link Tool#CLAUDE}) needs beyond data. With {@code CLAUDE_CONFIG_DIR} set, claude
 * keeps everything in that directory, its global {@code .claude.json} included, so the one state
 * dir holds the whole tool state.
 */
final class Claude {
    /**
     * Keys of the host's {@code .claude.json} that are the user's login and preferences. The rest
     * stays on the host: projects (host paths, per-project history), mcpServers (host commands),
     * env, caches, counters and machine ids.
     */
    static final List<String> CARRIED_GLOBAL_KEYS = List.of(
            "oauthAccount", "userID", "primaryApiKey", "customApiKeyResponses",
            "hasCompletedOnboarding", "lastOnboardingVersion",
            "theme", "editorMode", "preferredNotifChannel", "autoCompactEnabled", "verbose");
    /** How a user's message starts in claude's transcript lines. */
    static final String USER_MESSAGE = "\"type\":\"user\"";

    private Claude() {}

    /**
     * {@code claude --continue} exits with "No conversation found to continue" unless a transcript
     * of the workspace holds a user message; a session that never got one starts afresh instead.
     */
    static Resume resumeFrom(Path stateDir) {
        return Transcripts.anyHolds(stateDir, "projects/" + Tool.WORKSPACE.replace('/', '-'), ".jsonl", USER_MESSAGE)
                ? Resume.latest() : Resume.none();
    }

    static void seed(Path hostHome, Path stateDir) throws IOException {
        Path hostDir = hostHome.resolve(".claude");
        StateFiles.copyIfPresent(hostDir.resolve(".credentials.json"), stateDir.resolve(".credentials.json"));

        ObjectNode settings = StateFiles.readObject(hostDir.resolve("settings.json"));
        // claude shows its bypass-permissions warning until this user setting is true.
        settings.put("skipDangerousModePermissionPrompt", true);
        StateFiles.writeJson(stateDir.resolve("settings.json"), settings);

        StateFiles.writeJson(stateDir.resolve(".claude.json"), globalConfig(hostHome));
    }

    private static ObjectNode globalConfig(Path hostHome) throws IOException {
        ObjectNode host = StateFiles.readObject(hostGlobalConfig(hostHome));
        ObjectNode config = host.objectNode();
        for (String key : CARRIED_GLOBAL_KEYS) {
            if (host.has(key)) {
                config.set(key, host.get(key));
            }
        }
        // Without these claude opens with its onboarding and then the workspace trust dialog.
        config.put("hasCompletedOnboarding", true);
        config.putObject("projects").putObject(Tool.WORKSPACE).put("hasTrustDialogAccepted", true);
        return config;
    }

    /** claude prefers {@code ~/.claude/.config.json} when it exists, else {@code ~/.claude.json}. */
    private static Path hostGlobalConfig(Path hostHome) {
        Path legacy = hostHome.resolve(".claude/.config.json");
        return Files.isRegularFile(legacy) ? legacy : hostHome.resolve(".claude.json");
    }
}
