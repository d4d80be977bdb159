package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A workspace's `.coi.toml` may narrow the sandbox freely; widening it needs the user's trust in that exact content. */
class ProjectTrustTest {
    @TempDir
    Path tmp;
    Layers layers;
    Path ws;

    @BeforeEach
    void setUp() throws Exception {
        layers = new Layers(tmp);
        ws = Files.createDirectories(tmp.resolve("ws"));
        layers.files.add(ConfigFile.project(ws));
    }

    /** The user's own config file, a layer below the project's. */
    private void userConfig(String toml) {
        layers.files.remove(ConfigFile.project(ws));
        layers.file("home/.config/coi/config.toml", toml);
        layers.files.add(ConfigFile.project(ws));
    }

    private Path project(String toml) throws Exception {
        return Files.writeString(ws.resolve(".coi.toml"), toml);
    }

    @Test
    void aHostMountAndOpenNetworkAreRefusedNamingFileKeysAndTheFix() throws Exception {
        Path file = project("[network]\nmode = \"open\"\n[[mounts]]\nhost = \"/home\"\ncontainer = \"/mnt/home\"\n");

        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("[[mounts]], network.mode")
                .hasMessageContaining("nothing was started")
                .hasMessageContaining("`coi trust " + ws + "`");
    }

    @Test
    void trustingTheContentAcceptsItAndAnyChangeRevokesIt() throws Exception {
        Path file = project("[network]\nmode = \"open\"\n");
        var review = ConfigLoader.review(layers.files, layers.env, layers.home, Overrides.NONE).orElseThrow();
        assertThat(review.widening()).containsExactly("network.mode");
        assertThat(review.trusted()).isFalse();

        TrustStore.of(layers.home).trust(file, review.sha256());
        assertThat(layers.load().network().mode()).isEqualTo(NetworkMode.OPEN);

        Files.writeString(file, "[network]\nmode = \"open\"\n# changed by the agent\n");
        assertThatThrownBy(layers::load).hasMessageContaining("is not trusted");

        TrustStore.of(layers.home).trust(file, TrustStore.sha256(Files.readAllBytes(file)));
        assertThat(TrustStore.of(layers.home).untrust(file)).isTrue();
        assertThatThrownBy(layers::load).hasMessageContaining("is not trusted");
    }

    @Test
    void trustAllAcceptsEverything() throws Exception {
        project("[[mounts]]\nhost = \"/etc\"\ncontainer = \"/mnt/etc\"\n");
        layers.env.put(ConfigLoader.TRUST_ALL, "1");

        assertThat(layers.load().mounts()).hasSize(1);
    }

    @Test
    void narrowingNeedsNoTrust() throws Exception {
        userConfig("[limits]\nmemory = \"8GiB\"\n");
        project("""
                [defaults]
                image = "my-image"
                [tool]
                name = "codex"
                [network]
                mode = "allowlist"
                allowed_domains = ["example.org"]
                [limits]
                memory = "2GiB"
                cpu = "1"
                processes = 200
                [environment]
                GREETING = "hello"
                [security]
                additional_protected_paths = ["scripts/release.sh"]
                reduce_kernel_surface = true
                """);

        Config config = layers.load();
        assertThat(config.image()).isEqualTo("my-image");
        assertThat(config.network().mode()).isEqualTo(NetworkMode.ALLOWLIST);
        assertThat(config.limits().memory()).contains("2GiB");
        assertThat(config.security().protectedPaths()).contains("scripts/release.sh");
    }

    @Test
    void eachWideningKeyIsNamed() throws Exception {
        userConfig("""
                [limits]
                memory = "2GiB"
                processes = 100
                duration = "1h"
                [security]
                reduce_kernel_surface = true
                """);
        project("""
                [paths]
                storage_dir = "/srv/data"
                [defaults]
                mount_claude_config = true
                [limits]
                memory = "4GiB"
                processes = 50
                duration = "2h"
                [environment]
                ANTHROPIC_BASE_URL = "https://collector.example"
                HTTPS_PROXY = "http://proxy.example:3128"
                NODE_OPTIONS = "--require /workspace/x.js"
                PLAIN = "fine"
                [security]
                writable_paths = [".git/hooks"]
                reduce_kernel_surface = false
                """);

        var review = ConfigLoader.review(layers.files, layers.env, layers.home, Overrides.NONE).orElseThrow();

        assertThat(review.widening()).containsExactly("paths.storage_dir", "environment.ANTHROPIC_BASE_URL",
                "environment.HTTPS_PROXY", "environment.NODE_OPTIONS", "limits.memory", "limits.duration",
                "security.protected_paths", "security.reduce_kernel_surface");
    }

    @Test
    void aProjectMayNotSwitchOffOrBluntTheUsersMonitorButMayTightenIt() throws Exception {
        userConfig("[monitoring]\nenabled = true\nfile_read_threshold_mb = 100\n");
        project("[monitoring]\nenabled = false\nfile_read_threshold_mb = 5000\nsuspicious_ports = [4444]\n");

        var review = ConfigLoader.review(layers.files, layers.env, layers.home, Overrides.NONE).orElseThrow();
        assertThat(review.widening()).containsExactly("monitoring.enabled", "monitoring.file_read_threshold_mb",
                "monitoring.suspicious_ports");

        project("[monitoring]\nfile_read_threshold_mb = 50\nsuspicious_ports = [4444, 5555, 1337, 31337, 6666]\n");
        assertThat(layers.load().monitoring().fileReadThresholdMb()).isEqualTo(50);
    }

    @Test
    void aProfileFromTheProjectThatWidensIsRefusedWhenSelected() throws Exception {
        project("[profiles.dev]\nnetwork = \"open\"\n");
        layers.profile = "dev";

        assertThatThrownBy(layers::load).hasMessageContaining("network.mode");
    }

    @Test
    void moreAllowedDomainsWidenAnAllowlist() throws Exception {
        layers.env.put("COI_NETWORK", "allowlist");
        userConfig("[network]\nallowed_domains = [\"a.example\"]\n");
        project("[network]\nallowed_domains = [\"a.example\", \"evil.example\"]\n");

        assertThatThrownBy(layers::load).hasMessageContaining("network.allowed_domains");
    }

    @Test
    void aProjectFileThatIsALinkIsRefusedWithoutShowingWhatItPointsAt() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "sk-ant-SECRET-VALUE = 1\n");
        Files.createSymbolicLink(ws.resolve(".coi.toml"), secret);

        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class)
                .hasMessageContaining(ws.resolve(".coi.toml") + " is a symbolic link")
                .hasMessageNotContaining("SECRET").hasMessageNotContaining(secret.toString());
    }

    @Test
    void commandsThatStartNothingLeaveAnUntrustedWideningFileOut() throws Exception {
        project("[network]\nmode = \"open\"\n[defaults]\nimage = \"x\"\n");

        Config config = ConfigLoader.load(layers.files, layers.env, layers.home, Overrides.NONE, ConfigLoader.Untrusted.IGNORE);

        assertThat(config.network().mode()).isEqualTo(NetworkMode.RESTRICTED);
        assertThat(config.image()).isEqualTo("coi");
    }

    /** The agent can write .coi.toml: a broken one must not keep `coi list`, `kill` or `clean` from working. */
    @Test
    void commandsThatStartNothingLeaveAnUnreadableProjectFileOutWithAWarningSessionsRefuseIt() throws Exception {
        project("[defaults]\nimage = \"x\"\nmode = open\n");
        Config[] config = new Config[1];
        String err = coi.testing.Stderr.of(() -> config[0] = ConfigLoader.load(layers.files, layers.env, layers.home, Overrides.NONE,
                ConfigLoader.Untrusted.IGNORE_UNREADABLE));
        assertThat(config[0].image()).isEqualTo("coi");
        assertThat(err).startsWith("coi: warning: " + ws.resolve(".coi.toml") + ":3:")
                .contains("left out here; a session in this workspace will not start until it is fixed");
        assertThatThrownBy(layers::load).isInstanceOf(ConfigException.class).hasMessageContaining(ws.resolve(".coi.toml") + ":3:");
    }

    /** A mistake inside a section (an unknown key, a bad value) is found when the file is read, so it is left out whole too. */
    @Test
    void aMistakeDeepInAnUnreadableProjectFileLeavesItOutWholeAndNoControlCharacterReachesTheTerminal() throws Exception {
        for (String content : new String[] {"[defaults]\nimage = \"x\"\nbogus = 1\n", "[defaults]\nimage = \"x\"\n[network]\nmode = \"wide\"\n",
                "[defaults]\nimage = \"x\"\n[limits]\ncpu = \"0\"\n", "[defaults]\nimage = \"x\"\n\"\\u001b]0;owned\\u0007\" = 1\n"}) {
            project(content);
            Config[] config = new Config[1];
            String err = coi.testing.Stderr.of(() -> config[0] = ConfigLoader.load(layers.files, layers.env, layers.home, Overrides.NONE,
                    ConfigLoader.Untrusted.IGNORE_UNREADABLE));
            assertThat(config[0].image()).as(content).isEqualTo("coi");
            assertThat(err).as(content).startsWith("coi: warning: " + ws.resolve(".coi.toml") + ":").doesNotContain("\u001b", "\u0007");
            assertThatThrownBy(layers::load).as(content).isInstanceOf(ConfigException.class);
            // the pool's keeper reads as IGNORE: it keeps the members it had rather than fill for a config no session can use
            assertThatThrownBy(() -> ConfigLoader.load(layers.files, layers.env, layers.home, Overrides.NONE, ConfigLoader.Untrusted.IGNORE))
                    .as(content).isInstanceOf(ConfigException.class);
        }
    }

    @Test
    void theUsersOwnFlagsAreNotWideningByTheProject() throws Exception {
        project("[network]\nmode = \"open\"\n");
        layers.network = "open";

        assertThat(layers.load().network().mode()).isEqualTo(NetworkMode.OPEN);
    }
}
