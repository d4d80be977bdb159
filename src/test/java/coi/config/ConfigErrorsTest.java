package coi.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigErrorsTest {
    @TempDir
    Path tmp;
    Layers layers;

    @BeforeEach
    void setUp() {
        layers = new Layers(tmp);
    }

    private AbstractThrowableAssert<?, ?> loading() {
        return assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class);
    }

    @Test
    void anUnknownKeyIsReportedWithItsPositionAndTheKnownKeys() {
        Path file = layers.file(".coi.toml", """
                # project settings
                [defaults]
                  imgae = "coi"
                """);

        loading().hasMessage(file + ":3:3: unknown key 'imgae' in [defaults] "
                + "(known: image, persistent, mount_claude_config)");
    }

    /** A config written for the Go original keeps working: its keys this coi lacks are warnings that point at them, and change nothing. */
    @Test
    void theGoOriginalsKeysAreReadPastWithAWarningAndApplyNothing() throws Exception {
        Path file = layers.file("go.toml", """
                [defaults]
                model = "claude-sonnet"
                [paths]
                logs_dir = "~/.coi/logs"
                [incus]
                code_user = "code"
                disable_shift = true
                [network]
                mode = "restricted"
                block_private_networks = false
                allow_local_network_access = true
                [network.logging]
                enabled = true
                """);
        Config[] config = new Config[1];
        String err = coi.testing.Stderr.of(() -> config[0] = layers.load());
        org.assertj.core.api.Assertions.assertThat(config[0].network().mode()).isEqualTo(NetworkMode.RESTRICTED);
        org.assertj.core.api.Assertions.assertThat(err.lines()).containsExactly(
                "coi: warning: " + file + ":2:1: 'model' in [defaults] is a setting of the Go coi that this coi does not have: ignored"
                        + " (choose the model in the tool itself)",
                "coi: warning: " + file + ":4:1: 'logs_dir' in [paths] is a setting of the Go coi that this coi does not have: ignored"
                        + " (coi's logs are under ~/.coi; the monitor's are read with `coi audit`)",
                "coi: warning: " + file + ":6:1: 'code_user' in [incus] is a setting of the Go coi that this coi does not have: ignored"
                        + " (the user inside is always `code`; its uid is [incus] code_uid)",
                "coi: warning: " + file + ":7:1: 'disable_shift' in [incus] is a setting of the Go coi that this coi does not have: ignored"
                        + " (coi chooses how files keep their owner (idmapped mounts or shifting) itself)",
                "coi: warning: " + file + ":10:1: 'block_private_networks' in [network] is a setting of the Go coi that this coi does not have:"
                        + " ignored (restricted and allowlist modes always block private networks)",
                "coi: warning: " + file + ":11:1: 'allow_local_network_access' in [network] is a setting of the Go coi that this coi does not"
                        + " have: ignored (local networks stay blocked; [network] mode = \"open\" opens everything)",
                "coi: warning: " + file + ":12:1: 'logging' in [network] is a setting of the Go coi that this coi does not have: ignored"
                        + " (blocked connections are counted in `coi list`; the monitor records to `coi audit`)");
    }

    @Test
    void anUnknownSectionIsReported() {
        Path file = layers.file("c.toml", "[netwrok]\nmode = \"open\"\n");

        loading().hasMessageStartingWith(file + ":1:1: unknown key 'netwrok' in the top level (known: defaults, tool,");
    }

    @Test
    void aValueOfTheWrongTypeIsReportedAtTheValue() {
        Path file = layers.file("config.toml", """
                [defaults]
                image = "coi"

                persistent = "yes"
                """);

        loading().hasMessage(file + ":4:14: 'persistent' in [defaults] must be a boolean (true/false), got string \"yes\"");
    }

    @Test
    void aSectionThatIsNotATableIsReported() {
        Path file = layers.file("c.toml", "network = \"open\"\n");

        loading().hasMessage(file + ":1:11: 'network' in the top level must be a table, got string \"open\"");
    }

    @Test
    void aBadEnumValueListsTheAllowedOnes() {
        Path file = layers.file("c.toml", "[tool]\nname = \"cursor\"\n");

        loading().hasMessage(file + ":2:8: 'name' in [tool] must be one of claude, opencode, codex, aider, got \"cursor\"");
    }

    @Test
    void aBadNetworkModeListsTheModes() {
        Path file = layers.file("c.toml", "[network]\nmode = \"closed\"\n");

        loading().hasMessage(file + ":2:8: 'mode' in [network] must be one of restricted, allowlist, open, got \"closed\"");
    }

    @Test
    void aRefreshIntervalBelowOneMinuteIsRejected() {
        Path file = layers.file("c.toml", "[network]\nrefresh_interval_minutes = 0\n");

        loading().hasMessage(file + ":2:28: 'refresh_interval_minutes' in [network] must be at least 1, got 0");
    }

    @Test
    void aNonStringAllowedDomainIsReportedAtTheElement() {
        Path file = layers.file("c.toml", "[network]\nallowed_domains = [\"a.org\", 42]\n");

        loading().hasMessage(file + ":2:29: 'allowed_domains' in [network] must contain only strings, got integer 42");
    }

    @Test
    void aMalformedDurationIsRejected() {
        Path file = layers.file("c.toml", "[limits]\nduration = \"2 hours\"\n");

        loading().hasMessage(file + ":2:12: 'duration' in [limits] must be a duration like 90s, 30m or 2h, got \"2 hours\"");
    }

    @Test
    void aMountWithoutContainerPathIsReported() {
        Path file = layers.file("c.toml", "\n[[mounts]]\nhost = \"/srv\"\n");

        loading().hasMessage(file + ":2:1: missing key 'container' in [[mounts]]");
    }

    @Test
    void aRelativeContainerPathIsRejected() {
        Path file = layers.file("c.toml", "[[mounts]]\nhost = \"/srv\"\ncontainer = \"srv\"\n");

        loading().hasMessage(file + ":3:13: 'container' in [[mounts]] must be an absolute path inside the container, got \"srv\"");
    }

    @Test
    void environmentValuesMustBeStrings() {
        Path file = layers.file("c.toml", "[environment]\nDEBUG = 1\n");

        loading().hasMessage(file + ":2:9: 'DEBUG' in [environment] must be a string, got integer 1");
    }

    @Test
    void environmentNamesMustBeVariableNames() {
        Path file = layers.file("c.toml", "[environment]\n\"MY-VAR\" = \"x\"\n");

        loading().hasMessage(file + ":2:12: 'MY-VAR' in [environment] must be a variable name of letters, digits and _, got \"MY-VAR\"");
    }

    @Test
    void emptyStringsAreRejected() {
        Path file = layers.file("c.toml", "[defaults]\nimage = \"\"\n");

        loading().hasMessage(file + ":2:9: 'image' in [defaults] must not be empty");
    }

    @Test
    void aTomlSyntaxErrorIsReportedWithItsPosition() {
        Path file = layers.file("c.toml", "[defaults]\nimage = \n");

        loading().hasMessage(file + ":2:9: invalid TOML: Unexpected end of line, expected a value");
    }

    @Test
    void aMissingCoiConfigFileIsAnError() {
        Path missing = tmp.resolve("team.toml");
        layers.files.add(ConfigFile.required(missing, "COI_CONFIG"));

        loading().hasMessage("config file " + missing + " does not exist (named by COI_CONFIG): "
                + "create it or point COI_CONFIG at an existing file");
    }

    @Test
    void aMalformedBooleanVariableNamesTheVariableAndTheAcceptedValues() {
        layers.env.put("COI_PERSISTENT", "maybe");

        loading().hasMessage("COI_PERSISTENT must be one of true, false, 1, 0, got \"maybe\"");
    }

    @Test
    void aMalformedEnumVariableNamesTheVariable() {
        layers.env.put("COI_PERMISSION_MODE", "yolo");

        loading().hasMessage("COI_PERMISSION_MODE must be one of bypass, interactive, got \"yolo\"");
    }

    @Test
    void anUnknownToolInTheEnvironmentIsRejected() {
        layers.env.put("COI_TOOL", "cursor");

        loading().hasMessage("COI_TOOL must be one of claude, opencode, codex, aider, got \"cursor\"");
    }

    @Test
    void badFlagsNameTheFlag() {
        layers.network = "none";
        loading().hasMessage("--network must be one of restricted, allowlist, open, got \"none\"");

        layers.network = null;
        layers.flagMounts.add("/srv");
        loading().hasMessage("--mount must be HOST:CONTAINER, got \"/srv\"");

        layers.flagMounts.clear();
        layers.limitMemory = "lots";
        loading().hasMessage("--limit-memory must be a size like 4GiB, 512MiB or 50%, got \"lots\"");
    }

    @Test
    void aFileThatIsNotUtf8SaysSo() throws Exception {
        Path file = layers.file("latin1.toml", "");
        java.nio.file.Files.write(file, "[defaults]\nimage = \"caf\u00e9\"\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        loading().hasMessage(file + ": not UTF-8 text (TOML files are UTF-8): save it as UTF-8")
                .message().doesNotContain("Input length");
    }

    @Test
    void aFileThatCannotBeReadSaysWhyAndWhatItMustBe() throws Exception {
        Path dir = tmp.resolve("a-directory.toml");
        java.nio.file.Files.createDirectories(dir);
        layers.files.add(ConfigFile.optional(dir));

        loading().hasMessageStartingWith("cannot read config file " + dir + ": ")
                .hasMessageEndingWith(": it must be a readable UTF-8 TOML file");
    }
}
