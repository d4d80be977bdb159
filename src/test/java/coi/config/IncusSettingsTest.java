package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one rule for {@code [incus]}: the `--remote` flag over COI_INCUS_* variables over the files
 * (later over earlier) over the defaults. The endpoint is one setting however it is named: the
 * highest layer naming one decides it whole; within a layer a URL beats a remote beats a socket.
 */
class IncusSettingsTest {
    private static final IncusEndpoint.Socket FILE_SOCKET = new IncusEndpoint.Socket(Path.of("/run/file.socket"));
    private static final IncusEndpoint.Socket ENV_SOCKET = new IncusEndpoint.Socket(Path.of("/run/env.socket"));

    @TempDir
    Path tmp;
    Layers layers;

    @BeforeEach
    void setUp() {
        layers = new Layers(tmp);
    }

    private Config.Incus incus() {
        return layers.load().incus();
    }

    @Test
    void nothingSetIsTheIncusCliDefaultInTheRemotesOwnProjectAndIncusAdmin() {
        Config.Incus incus = incus();
        assertThat(incus.endpoint()).isEqualTo(IncusEndpoint.CLI_DEFAULT);
        assertThat(incus.project()).isEmpty();
        assertThat(incus.group()).isEqualTo("incus-admin");
        assertThat(incus.timeoutSeconds()).isEmpty();
        assertThat(incus.serverCert()).isEmpty();
        assertThat(incus.pool()).isEmpty();
    }

    @Test
    void eachFileKeyIsReadAndEachVariableBeatsItsKey() {
        layers.file("user.toml", """
                [incus]
                socket = "/run/file.socket"
                project = "file-project"
                group = "file-group"
                server_cert = "/etc/file.crt"
                timeout = 7
                """);
        assertThat(incus()).isEqualTo(new Config.Incus(FILE_SOCKET, Optional.of("file-project"), "file-group", 1000,
                Optional.empty(), Optional.of(Path.of("/etc/file.crt")), Optional.of(7)));

        layers.env.put("COI_INCUS_SOCKET", "/run/env.socket");
        layers.env.put("COI_INCUS_PROJECT", "env-project");
        layers.env.put("COI_INCUS_GROUP", "env-group");
        layers.env.put("COI_INCUS_SERVER_CERT", "/etc/env.crt");
        layers.env.put("COI_INCUS_TIMEOUT", "9");
        assertThat(incus()).isEqualTo(new Config.Incus(ENV_SOCKET, Optional.of("env-project"), "env-group", 1000,
                Optional.empty(), Optional.of(Path.of("/etc/env.crt")), Optional.of(9)));
    }

    @Test
    void aSocketInTheEnvironmentBeatsARemoteInAFile() {
        layers.file("user.toml", "[incus]\nremote = \"lab\"\n");
        layers.env.put("COI_INCUS_SOCKET", "/run/env.socket");
        assertThat(incus().endpoint()).isEqualTo(ENV_SOCKET);
    }

    @Test
    void aRemoteInTheEnvironmentBeatsAUrlInAFile() {
        layers.file("user.toml", "[incus]\nurl = \"https://lab.example:8443\"\n");
        layers.env.put("COI_INCUS_REMOTE", "other");
        assertThat(incus().endpoint()).isEqualTo(new IncusEndpoint.Remote("other"));
    }

    @Test
    void withinTheEnvironmentAUrlBeatsARemoteBeatsASocket() {
        layers.env.put("COI_INCUS_SOCKET", "/run/env.socket");
        assertThat(incus().endpoint()).isEqualTo(ENV_SOCKET);
        layers.env.put("COI_INCUS_REMOTE", "other");
        assertThat(incus().endpoint()).isEqualTo(new IncusEndpoint.Remote("other"));
        layers.env.put("COI_INCUS_URL", "https://127.0.0.1:8443");
        assertThat(incus().endpoint()).isEqualTo(new IncusEndpoint.Url(URI.create("https://127.0.0.1:8443")));
    }

    @Test
    void withinOneFileAUrlBeatsARemoteBeatsASocket() {
        layers.file("user.toml", "[incus]\nsocket = \"/run/file.socket\"\nremote = \"lab\"\n");
        assertThat(incus().endpoint()).isEqualTo(new IncusEndpoint.Remote("lab"));
        layers.file("more.toml", "[incus]\nsocket = \"/run/file.socket\"\nremote = \"lab\"\nurl = \"https://lab.example\"\n");
        assertThat(incus().endpoint()).isEqualTo(new IncusEndpoint.Url(URI.create("https://lab.example")));
    }

    @Test
    void aLaterFileNamingASocketReplacesAnEarlierFilesRemote() {
        layers.file("system.toml", "[incus]\nremote = \"lab\"\nproject = \"team\"\n");
        layers.file("user.toml", "[incus]\nsocket = \"/run/file.socket\"\n");
        Config.Incus incus = incus();
        assertThat(incus.endpoint()).isEqualTo(FILE_SOCKET);
        assertThat(incus.project()).as("other keys stay with the layer that set them").contains("team");
    }

    @Test
    void theRemoteFlagBeatsEveryVariableAndFile() {
        layers.file("user.toml", "[incus]\nurl = \"https://lab.example\"\nproject = \"file-project\"\n");
        layers.env.put("COI_INCUS_URL", "https://127.0.0.1:8443");
        layers.env.put("COI_INCUS_REMOTE", "other");
        layers.env.put("COI_INCUS_SOCKET", "/run/env.socket");
        layers.remote = "flagged";
        Config.Incus incus = incus();
        assertThat(incus.endpoint()).isEqualTo(new IncusEndpoint.Remote("flagged"));
        assertThat(incus.project()).as("--remote chooses the daemon, not the project").contains("file-project");
    }

    @Test
    void emptyVariablesCountAsUnset() {
        layers.file("user.toml", "[incus]\nremote = \"lab\"\nproject = \"team\"\ngroup = \"incus\"\n");
        for (String name : new String[] {"COI_INCUS_URL", "COI_INCUS_REMOTE", "COI_INCUS_SOCKET", "COI_INCUS_PROJECT", "COI_INCUS_GROUP"}) {
            layers.env.put(name, "");
        }
        Config.Incus incus = incus();
        assertThat(incus.endpoint()).isEqualTo(new IncusEndpoint.Remote("lab"));
        assertThat(incus.project()).contains("team");
        assertThat(incus.group()).isEqualTo("incus");
    }

    @Test
    void badValuesNameTheirOrigin() {
        layers.env.put("COI_INCUS_TIMEOUT", "soon");
        assertThatThrownBy(this::incus).isInstanceOf(ConfigException.class)
                .hasMessage("COI_INCUS_TIMEOUT must be a positive number of seconds, got \"soon\"");
        layers.env.put("COI_INCUS_TIMEOUT", "0");
        assertThatThrownBy(this::incus).hasMessage("COI_INCUS_TIMEOUT must be a positive number of seconds, got \"0\"");
        layers.env.remove("COI_INCUS_TIMEOUT");

        layers.env.put("COI_INCUS_URL", "http://lab.example:8443");
        assertThatThrownBy(this::incus).isInstanceOf(ConfigException.class)
                .hasMessage("COI_INCUS_URL must be an https:// URL such as https://host:8443, got \"http://lab.example:8443\"");
        layers.env.remove("COI_INCUS_URL");

        Path file = layers.file("user.toml", "[incus]\nproject = \"p\"\nurl = \"lab.example\"\n");
        assertThatThrownBy(this::incus).isInstanceOf(ConfigException.class)
                .hasMessage(file + ":3:7: 'url' in [incus] must be an https:// URL such as https://host:8443, got \"lab.example\"");
    }
}
