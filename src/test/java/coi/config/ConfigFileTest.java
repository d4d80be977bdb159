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

    @Test
    void equalityIsEveryComponentsAsARecordsWouldBe() {
        ConfigFile file = new ConfigFile(Path.of("/a.toml"), "COI_CONFIG", false);
        assertThat(file).isEqualTo(new ConfigFile(Path.of("/a.toml"), "COI_CONFIG", false))
                .hasSameHashCodeAs(new ConfigFile(Path.of("/a.toml"), "COI_CONFIG", false));
        assertThat(new ConfigFile(Path.of("/a.toml"), null, false)).isEqualTo(new ConfigFile(Path.of("/a.toml"), null, false))
                .hasSameHashCodeAs(new ConfigFile(Path.of("/a.toml"), null, false));
        // one component different at a time; a component added to the record must be added here and to equals
        assertThat(ConfigFile.class.getRecordComponents()).hasSize(3);
        assertThat(file).isNotEqualTo(new ConfigFile(Path.of("/b.toml"), "COI_CONFIG", false))
                .isNotEqualTo(new ConfigFile(Path.of("/a.toml"), null, false))
                .isNotEqualTo(new ConfigFile(Path.of("/a.toml"), "COI_CONFIG", true))
                .isNotEqualTo(Path.of("/a.toml"));
        assertThat(Map.of(file, 1)).containsKey(new ConfigFile(Path.of("/a.toml"), "COI_CONFIG", false));
    }
}
