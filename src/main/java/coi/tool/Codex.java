package coi.tool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;

/** What the OpenAI Codex CLI ({@link Tool#CODEX}) needs beyond data: its config.toml carried over, trusting the workspace. */
final class Codex {
    private static final Pattern TABLE_HEADER = Pattern.compile("^\\s*\\[");
    private static final Pattern PROJECTS_HEADER = Pattern.compile("^\\s*\\[\\s*projects\\s*[.\\]]");
    private static final String WORKSPACE_TRUST =
            "[projects.\"" + Tool.WORKSPACE + "\"]\ntrust_level = \"trusted\"\n";

    private Codex() {}

    static void seed(Path hostHome, Path stateDir) throws IOException {
        Path hostDir = hostHome.resolve(".codex");
        StateFiles.copyIfPresent(hostDir.resolve("auth.json"), stateDir.resolve("auth.json"));

        Path hostConfig = hostDir.resolve("config.toml");
        String settings = StateFiles.readIfPresent(hostConfig).map(Codex::withoutProjects).orElse("");
        String config = settings.isBlank() ? WORKSPACE_TRUST : settings.stripTrailing() + "\n\n" + WORKSPACE_TRUST;
        TomlParseResult parsed = Toml.parse(config);
        if (parsed.hasErrors()) {
            throw new IOException(hostConfig + " cannot be carried into the session: " + parsed.errors().getFirst()
                    + "; fix it or move it aside");
        }
        StateFiles.writeString(stateDir.resolve("config.toml"), config);
    }

    /**
     * The config without its {@code [projects."<path>"]} tables: those are trust decisions about
     * host paths, and codex would reject the workspace's table appearing twice. TOML tables run
     * from their header to the next header, so dropping those lines drops exactly those tables.
     */
    static String withoutProjects(String toml) {
        StringBuilder kept = new StringBuilder();
        boolean inProjects = false;
        for (String line : toml.split("\n", -1)) {
            if (TABLE_HEADER.matcher(line).find()) {
                inProjects = PROJECTS_HEADER.matcher(line).find();
            }
            if (!inProjects) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString();
    }
}
