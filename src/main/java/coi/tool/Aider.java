package coi.tool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Aider (PyPI {@code aider-chat}). Aider keeps its chat history in the workspace
 * ({@code .aider.chat.history.md}), so it survives on its own; {@code ~/.aider} holds caches,
 * analytics consent and the keys aider's own OAuth login stored.
 */
public record Aider() implements Tool {
    /**
     * The host's {@code ~/.aider.conf.yml} lives outside the state dir, so the session keeps its
     * copy inside and names it with {@code --config}. ConfigArgParse, which parses aider's options,
     * reads its default files (the workspace's {@code .aider.conf.yml} among them) besides that one.
     */
    static final String CONFIG_FILE = "aider.conf.yml";

    @Override
    public String name() {
        return "aider";
    }

    @Override
    public String defaultBinary() {
        return "aider";
    }

    @Override
    public List<String> command(Launch launch) {
        List<String> argv = new ArrayList<>(List.of(launch.binaryOr(defaultBinary()),
                "--config", containerStateDir() + "/" + CONFIG_FILE));
        switch (launch.resume()) {
            case Resume.None _ -> {}
            // Aider has one chat history per workspace and no session ids: both mean "restore it".
            case Resume.Latest _, Resume.Id _ -> argv.add("--restore-chat-history");
        }
        if (launch.bypass()) {
            argv.add("--yes-always");
        }
        return List.copyOf(argv);
    }

    @Override
    public String installHint() {
        return "`coi build` installs it when the build container reaches the Python package index (PyPI, or PIP_INDEX_URL)";
    }

    @Override
    public String stateDir() {
        return ".aider";
    }

    @Override
    public Map<String, String> environment() {
        // The image pins aider's version; its update check would offer a pip install in a throwaway container.
        return Map.of("AIDER_CHECK_UPDATE", "false");
    }

    @Override
    public void seed(Path hostHome, Path stateDir) throws IOException {
        StateFiles.copyIfPresent(hostHome.resolve(".aider/oauth-keys.env"), stateDir.resolve("oauth-keys.env"));
        // --config names this file, so it must exist and be a YAML mapping even when the host has none.
        String config = StateFiles.readIfPresent(hostHome.resolve(".aider.conf.yml"))
                .filter(text -> !text.isBlank())
                .orElse("{}\n");
        StateFiles.writeString(stateDir.resolve(CONFIG_FILE), config);
    }
}
