package coi.tool;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What Aider (PyPI {@code aider-chat}, {@link Tool#AIDER}) needs beyond data. Aider keeps its chat
 * history in the workspace ({@code .aider.chat.history.md}), so it survives on its own.
 */
final class Aider {
    /**
     * The host's {@code ~/.aider.conf.yml} lives outside the state dir, so the session keeps its
     * copy inside and names it with {@code --config}. ConfigArgParse, which parses aider's options,
     * reads its default files (the workspace's {@code .aider.conf.yml} among them) besides that one.
     */
    static final String CONFIG_FILE = "aider.conf.yml";

    private Aider() {}

    static void seed(Path hostHome, Path stateDir) throws IOException {
        StateFiles.copyIfPresent(hostHome.resolve(".aider/oauth-keys.env"), stateDir.resolve("oauth-keys.env"));
        // --config names this file, so it must exist and be a YAML mapping even when the host has none.
        String config = StateFiles.readIfPresent(hostHome.resolve(".aider.conf.yml"))
                .filter(text -> !text.isBlank())
                .orElse("{}\n");
        StateFiles.writeString(stateDir.resolve(CONFIG_FILE), config);
    }
}
