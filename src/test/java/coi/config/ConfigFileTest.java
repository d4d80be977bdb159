package coi.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigFileTest {
    private final Path home = Path.of("/home/u");
    private final Path workspace = Path.of("/home/u/project");

    @Test
    void theStandardLayersAreSystemUserAndWorkspace() {
        assertThat(ConfigFile.standard(Map.of(), home, workspace)).containsExactly(
                ConfigFile.optional(Path.of("/etc/coi/config.toml")),
                ConfigFile.optional(Path.of("/home/u/.config/coi/config.toml")),
                ConfigFile.project(Path.of("/home/u/project")));
    }

    @Test
    void coiConfigAddsARequiredTopFile() {
        assertThat(ConfigFile.standard(Map.of("COI_CONFIG", "~/team.toml"), home, workspace))
                .hasSize(4)
                .last().isEqualTo(ConfigFile.required(Path.of("/home/u/team.toml"), "COI_CONFIG"));
    }
}
