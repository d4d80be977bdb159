package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileTest {
    @TempDir
    Path tmp;
    Layers layers;

    @BeforeEach
    void setUp() {
        layers = new Layers(tmp);
        layers.file("user.toml", """
                [defaults]
                image = "base"
                [network]
                mode = "open"
                [environment]
                EDITOR = "vi"
                [[mounts]]
                host = "/srv/a"
                container = "/a"

                [profiles.ci]
                image = "ci-image"
                persistent = true
                tool = "opencode"
                network = "allowlist"
                [profiles.ci.environment]
                CI = "1"
                EDITOR = "ed"
                [[profiles.ci.mounts]]
                host = "/srv/cache"
                container = "/cache"
                readonly = true
                [profiles.ci.limits]
                memory = "8GiB"
                duration = "30m"

                [profiles.web]
                image = "web"
                """);
    }

    @Test
    void anUnselectedProfileChangesNothing() {
        Config config = layers.load();

        assertThat(config.image()).isEqualTo("base");
        assertThat(config.profile()).isEmpty();
        assertThat(config.environment()).containsOnlyKeys("EDITOR");
    }

    @Test
    void aProfileSelectedByFlagAppliesOnTopOfTheFiles() {
        layers.profile = "ci";

        Config config = layers.load();

        assertThat(config.profile()).contains("ci");
        assertThat(config.image()).isEqualTo("ci-image");
        assertThat(config.persistent()).isTrue();
        assertThat(config.tool().name()).isEqualTo("opencode");
        assertThat(config.network().mode()).isEqualTo(NetworkMode.ALLOWLIST);
        assertThat(config.environment()).containsExactly(entry("EDITOR", "ed"), entry("CI", "1"));
        assertThat(config.mounts()).containsExactly(
                new Mount(Path.of("/srv/a"), "/a", false), new Mount(Path.of("/srv/cache"), "/cache", true));
        assertThat(config.limits().memory()).contains("8GiB");
        assertThat(config.limits().duration()).contains(Duration.ofMinutes(30));
    }

    @Test
    void aProfileCanBeSelectedByEnvironmentVariable() {
        layers.env.put("COI_PROFILE", "web");
        assertThat(layers.load().image()).isEqualTo("web");
    }

    @Test
    void theProfileFlagBeatsCoiProfile() {
        layers.env.put("COI_PROFILE", "web");
        layers.profile = "ci";
        assertThat(layers.load().profile()).contains("ci");
    }

    @Test
    void environmentVariablesAndFlagsBeatTheProfile() {
        layers.profile = "ci";
        layers.env.put("COI_IMAGE", "env-image");
        layers.env.put("COI_NETWORK", "restricted");
        layers.tool = "claude";
        layers.limitMemory = "2GiB";
        layers.flagEnv.put("CI", "0");

        Config config = layers.load();

        assertThat(config.image()).isEqualTo("env-image");
        assertThat(config.network().mode()).isEqualTo(NetworkMode.RESTRICTED);
        assertThat(config.tool().name()).isEqualTo("claude");
        assertThat(config.limits().memory()).contains("2GiB");
        assertThat(config.environment()).contains(entry("CI", "0"));
    }

    @Test
    void aProfileDefinedInSeveralFilesIsMergedInLayerOrder() {
        layers.file("ws/.coi.toml", """
                [profiles.ci]
                image = "ws-ci"
                [profiles.ci.environment]
                WS = "yes"
                """);
        layers.profile = "ci";

        Config config = layers.load();

        assertThat(config.image()).isEqualTo("ws-ci");
        assertThat(config.persistent()).isTrue();
        assertThat(config.environment()).contains(entry("CI", "1"), entry("WS", "yes"));
    }

    @Test
    void anUnknownProfileIsAnErrorListingTheDefinedOnes() {
        layers.env.put("COI_PROFILE", "cl");

        assertThatThrownBy(layers::load)
                .isInstanceOf(ConfigException.class)
                .hasMessage("COI_PROFILE names unknown profile 'cl' (defined: ci, web): "
                        + "add a [profiles.cl] section to a config file");
    }

    @Test
    void anUnknownProfileWithNoneDefinedSaysSo() {
        layers.files.clear();
        layers.profile = "ci";

        assertThatThrownBy(layers::load)
                .hasMessageStartingWith("--profile names unknown profile 'ci' (no profiles are defined)");
    }

    @Test
    void mistakesInAProfileAreReportedEvenWhenItIsNotSelected() {
        Path file = layers.file("bad.toml", """
                [profiles.broken]
                network = "closed"
                """);

        assertThatThrownBy(layers::load).hasMessage(file + ":2:11: 'network' in [profiles.broken] "
                + "must be one of restricted, allowlist, open, got \"closed\"");
    }

    @Test
    void unknownKeysInAProfileAreReported() {
        Path file = layers.file("bad.toml", """
                [profiles.x]
                imag = "y"
                """);

        assertThatThrownBy(layers::load).hasMessage(file + ":2:1: unknown key 'imag' in [profiles.x] "
                + "(known: image, persistent, tool, network, environment, mounts, limits, monitoring)");
    }
}
