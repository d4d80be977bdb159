package coi.config;

import java.util.List;

/** The workspace paths read-only inside by default: each is something a tool on the HOST runs or loads hooks from. */
public final class ProtectedPaths {
    public static final List<String> DEFAULTS = List.of(
            ".git/hooks",                   // git runs them at the user's next commit, merge, checkout
            ".git/config",                  // core.hooksPath, core.fsmonitor, filter/diff drivers, aliases: commands git runs
            ".git/info",                    // info/attributes selects filter drivers; info/exclude hides files from review
            ".husky",                       // husky's hooks (core.hooksPath points here)
            ".pre-commit-config.yaml",      // pre-commit runs its `repo: local` entries as commands
            "lefthook.yml",                 // lefthook hook commands
            ".lefthook.yml",
            ".vscode",                      // tasks.json runOn folderOpen, settings that name executables
            ".idea",                        // JetBrains run configurations and startup tasks
            ".devcontainer",                // initializeCommand runs on the host
            ".claude/settings.json",        // Claude Code hooks, run on the host when the user runs Claude there
            ".claude/settings.local.json",
            ".mcp.json",                    // MCP servers: commands Claude Code starts
            ".codex/config.toml",           // Codex MCP servers and settings
            ".cursor/mcp.json",             // Cursor's MCP servers
            ".gemini/settings.json");       // Gemini CLI hooks and MCP servers

    private ProtectedPaths() {}
}
