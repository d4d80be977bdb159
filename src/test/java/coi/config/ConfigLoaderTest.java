package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
    @TempDir
    Path tmp;
    Layers layers;

    @BeforeEach
    void setUp() {
        layers = new Layers(tmp);
    }

    @Test
    void withoutAnyLayerTheBuiltInDefaultsApply() {
        Config config = layers.load();

        assertThat(config.image()).isEqualTo("coi");
        assertThat(config.persistent()).isFalse();
        assertThat(config.mountClaudeConfig()).isTrue();
        assertThat(config.tool()).isEqualTo(new Config.Tool("claude", PermissionMode.BYPASS, Optional.empty()));
        assertThat(config.paths()).isEqualTo(new Config.Paths(layers.home.resolve(".coi"), Optional.empty()));
        assertThat(config.incus()).isEqualTo(new Config.Incus(IncusEndpoint.CLI_DEFAULT, Optional.empty(), "incus-admin", 1000,
                Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(config.network()).isEqualTo(new Config.Network(NetworkMode.RESTRICTED, List.of(), 30));
        assertThat(config.limits()).isEqualTo(new Config.Limits(Optional.empty(), Optional.empty(), Optional.empty()));
        assertThat(config.environment()).isEmpty();
        assertThat(config.mounts()).isEmpty();
        assertThat(config.profile()).isEmpty();
    }

    /** Layers 0..top each set the image to their own name; the highest of them must win. */
    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 1, 2, 3, 4, 5, 6})
    void theHighestLayerThatSetsAValueWins(int top) {
        List<String> names = List.of("system", "user", "workspace", "coi-config", "profile", "env", "flag");
        layers.file("etc/coi/config.toml", (top >= 0 ? "[defaults]\nimage = \"system\"\n" : "")
                + "[profiles.p]\n" + (top >= 4 ? "image = \"profile\"\n" : ""));
        layers.file("home/.config/coi/config.toml", top >= 1 ? "[defaults]\nimage = \"user\"\n" : "");
        layers.file("ws/.coi.toml", top >= 2 ? "[defaults]\nimage = \"workspace\"\n" : "");
        layers.files.add(ConfigFile.required(
                layers.write("custom.toml", top >= 3 ? "[defaults]\nimage = \"coi-config\"\n" : ""), "COI_CONFIG"));
        layers.profile = "p";
        if (top >= 5) {
            layers.env.put("COI_IMAGE", "env");
        }
        if (top >= 6) {
            layers.image = "flag";
        }

        assertThat(layers.load().image()).isEqualTo(top < 0 ? "coi" : names.get(top));
    }

    @Test
    void everySectionIsRead() {
        layers.file("c.toml", """
                [defaults]
                image = "dev"
                persistent = true
                mount_claude_config = false
                [tool]
                name = "codex"
                permission_mode = "interactive"
                binary = "/opt/codex/bin/codex"
                [paths]
                sessions_dir = "/srv/coi"
                storage_dir = "/srv/storage"
                [incus]
                project = "agents"
                group = "incus"
                code_uid = 1001
                socket = "/run/incus.sock"
                remote = "lab"
                pool = "fast"
                server_cert = "/etc/coi/lab.crt"
                timeout = 20
                [network]
                mode = "allowlist"
                allowed_domains = ["github.com", "pypi.org"]
                refresh_interval_minutes = 5
                [limits]
                cpu = "2"
                memory = "4GiB"
                duration = "2h"
                """);

        Config config = layers.load();

        assertThat(config.image()).isEqualTo("dev");
        assertThat(config.persistent()).isTrue();
        assertThat(config.mountClaudeConfig()).isFalse();
        assertThat(config.tool()).isEqualTo(
                new Config.Tool("codex", PermissionMode.INTERACTIVE, Optional.of("/opt/codex/bin/codex")));
        assertThat(config.paths()).isEqualTo(new Config.Paths(Path.of("/srv/coi"), Optional.of(Path.of("/srv/storage"))));
        assertThat(config.incus()).isEqualTo(new Config.Incus(new IncusEndpoint.Remote("lab"), Optional.of("agents"), "incus", 1001,
                Optional.of("fast"), Optional.of(Path.of("/etc/coi/lab.crt")), Optional.of(20)));
        assertThat(config.network()).isEqualTo(
                new Config.Network(NetworkMode.ALLOWLIST, List.of("github.com", "pypi.org"), 5));
        assertThat(config.limits()).isEqualTo(
                new Config.Limits(Optional.of("2"), Optional.of("4GiB"), Optional.of(Duration.ofHours(2))));
    }

    @Test
    void environmentVariablesOverrideFiles() {
        layers.file("c.toml", """
                [defaults]
                image = "file"
                persistent = false
                [network]
                mode = "open"
                """);
        layers.env.putAll(Map.of(
                "COI_IMAGE", "from-env",
                "COI_PERSISTENT", "1",
                "COI_TOOL", "aider",
                "COI_NETWORK", "allowlist",
                "COI_PERMISSION_MODE", "interactive",
                "COI_SESSIONS_DIR", "~/state",
                "COI_STORAGE_DIR", "/data",
                "COI_INCUS_SOCKET", "/tmp/incus.sock"));

        Config config = layers.load();

        assertThat(config.image()).isEqualTo("from-env");
        assertThat(config.persistent()).isTrue();
        assertThat(config.tool().name()).isEqualTo("aider");
        assertThat(config.tool().permissionMode()).isEqualTo(PermissionMode.INTERACTIVE);
        assertThat(config.network().mode()).isEqualTo(NetworkMode.ALLOWLIST);
        assertThat(config.paths().sessionsDir()).isEqualTo(layers.home.resolve("state"));
        assertThat(config.paths().storageDir()).contains(Path.of("/data"));
        assertThat(config.incus().endpoint()).isEqualTo(new IncusEndpoint.Socket(Path.of("/tmp/incus.sock")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "1"})
    void persistentFromEnvironmentAcceptsTrueSpellings(String value) {
        layers.env.put("COI_PERSISTENT", value);
        assertThat(layers.load().persistent()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "False", "0"})
    void persistentFromEnvironmentAcceptsFalseSpellings(String value) {
        layers.file("c.toml", "[defaults]\npersistent = true\n");
        layers.env.put("COI_PERSISTENT", value);
        assertThat(layers.load().persistent()).isFalse();
    }

    @Test
    void anEmptyEnvironmentVariableCountsAsUnset() {
        layers.file("c.toml", "[defaults]\nimage = \"file\"\n");
        layers.env.put("COI_IMAGE", "");
        assertThat(layers.load().image()).isEqualTo("file");
    }

    @Test
    void flagsOverrideEnvironmentVariables() {
        layers.env.put("COI_NETWORK", "open");
        layers.env.put("COI_PERSISTENT", "true");
        layers.env.put("COI_TOOL", "codex");
        layers.env.put("COI_STORAGE_DIR", "/env-storage");
        layers.network = "restricted";
        layers.persistent = false;
        layers.tool = "fake";
        layers.storage = "~/flag-storage";
        layers.limitCpu = "0-3";
        layers.limitMemory = "512MiB";
        layers.limitDuration = "90s";

        Config config = layers.load();

        assertThat(config.network().mode()).isEqualTo(NetworkMode.RESTRICTED);
        assertThat(config.persistent()).isFalse();
        assertThat(config.tool().name()).isEqualTo("fake");
        assertThat(config.paths().storageDir()).contains(layers.home.resolve("flag-storage"));
        assertThat(config.limits()).isEqualTo(
                new Config.Limits(Optional.of("0-3"), Optional.of("512MiB"), Optional.of(Duration.ofSeconds(90))));
    }

    @Test
    void environmentTablesMergeKeyByKeyAcrossLayers() {
        layers.file("system.toml", """
                [environment]
                EDITOR = "vi"
                LANG = "C.UTF-8"
                """);
        layers.file("user.toml", """
                [environment]
                EDITOR = "nano"
                TZ = "UTC"
                """);
        layers.flagEnv.put("TZ", "Europe/Paris");
        layers.flagEnv.put("DEBUG", "1");

        assertThat(layers.load().environment()).containsExactly(
                entry("EDITOR", "nano"), entry("LANG", "C.UTF-8"), entry("TZ", "Europe/Paris"), entry("DEBUG", "1"));
    }

    @Test
    void mountsAppendAcrossLayersAndFlags() {
        layers.file("system.toml", """
                [[mounts]]
                host = "/srv/datasets"
                container = "/data"
                readonly = true
                """);
        layers.file("ws/.coi.toml", """
                [[mounts]]
                host = "../shared"
                container = "/shared"

                [[mounts]]
                host = "~/notes"
                container = "/notes"
                """);
        layers.flagMounts.add("/opt/tools:/tools");

        assertThat(layers.load().mounts()).containsExactly(
                new Mount(Path.of("/srv/datasets"), "/data", true),
                new Mount(tmp.resolve("ws/../shared"), "/shared", false),
                new Mount(layers.home.resolve("notes"), "/notes", false),
                new Mount(Path.of("/opt/tools"), "/tools", false));
    }

    @Test
    void tildeExpandsToTheHomeDirectory() {
        layers.file("c.toml", """
                [paths]
                sessions_dir = "~"
                storage_dir = "~/storage"
                """);

        Config config = layers.load();

        assertThat(config.paths().sessionsDir()).isEqualTo(layers.home);
        assertThat(config.paths().storageDir()).contains(layers.home.resolve("storage"));
    }

    @Test
    void missingOptionalFilesAreSkipped() {
        layers.files.add(ConfigFile.optional(tmp.resolve("nowhere/config.toml")));
        assertThat(layers.load().image()).isEqualTo("coi");
    }

    @Test
    void theConfigIsImmutable() {
        layers.flagEnv.put("A", "1");
        Config config = layers.load();

        assertThatThrownBy(() -> config.environment().put("B", "2"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> config.mounts().clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
