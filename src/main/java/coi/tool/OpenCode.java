package coi.tool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * opencode (npm {@code opencode-ai}). Its data dir holds the sessions database and
 * {@code auth.json}; its config dir ({@code ~/.config/opencode}) is not carried over.
 */
public record OpenCode() implements Tool {
    @Override
    public String name() {
        return "opencode";
    }

    @Override
    public String defaultBinary() {
        return "opencode";
    }

    @Override
    public List<String> command(Launch launch) {
        List<String> argv = new ArrayList<>(List.of(launch.binaryOr(defaultBinary())));
        switch (launch.resume()) {
            case Resume.None _ -> {}
            case Resume.Latest _ -> argv.add("--continue");
            case Resume.Id(String id) -> argv.addAll(List.of("--session", id));
        }
        if (launch.bypass()) {
            argv.add("--auto");
        }
        return List.copyOf(argv);
    }

    @Override
    public String installHint() {
        return "`coi build` installs it from the npm registry (opencode-ai)";
    }

    @Override
    public String stateDir() {
        return ".local/share/opencode";
    }

    @Override
    public Map<String, String> environment() {
        // The image pins opencode's version; an update inside a throwaway container is wasted and lost.
        return Map.of("OPENCODE_DISABLE_AUTOUPDATE", "true");
    }

    @Override
    public void seed(Path hostHome, Path stateDir) throws IOException {
        StateFiles.copyIfPresent(hostHome.resolve(stateDir()).resolve("auth.json"), stateDir.resolve("auth.json"));
    }
}
