package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The incus CLI's config.yml as `incus remote add` and `incus remote switch` write it. */
class IncusRemotesTest {
    @TempDir
    Path dir;

    @Test
    void readsTheRemotesAndTheDefault() throws Exception {
        Files.writeString(dir.resolve("config.yml"), """
                default-remote: build
                remotes:
                  build:
                    addr: https://10.0.0.5:8443
                    auth_type: tls
                    project: ci
                    protocol: incus
                    public: false
                  images:
                    addr: https://images.linuxcontainers.org
                    protocol: simplestreams
                    public: true
                  local:
                    addr: unix://
                    protocol: incus
                    public: false
                  other-socket:
                    addr: unix:///run/incus/other.socket
                    protocol: incus
                aliases: {}
                """);

        IncusRemotes remotes = IncusRemotes.load(dir);

        assertThat(remotes.defaultRemote()).isEqualTo("build");
        assertThat(remotes.find("build")).contains(new IncusRemotes.Remote("build", "https://10.0.0.5:8443", "incus", Optional.of("ci")));
        assertThat(remotes.find("local").orElseThrow().local()).isTrue();
        assertThat(remotes.find("local").orElseThrow().socket()).isEqualTo(IncusClient.DEFAULT_SOCKET);
        assertThat(remotes.find("other-socket").orElseThrow().socket()).isEqualTo(Path.of("/run/incus/other.socket"));
        assertThat(remotes.find("nope")).isEmpty();
    }

    @Test
    void withoutAConfigFileThereIsTheLocalDaemon() {
        IncusRemotes remotes = IncusRemotes.load(dir);

        assertThat(remotes.defaultRemote()).isEqualTo("local");
        assertThat(remotes.remotes()).containsOnlyKeys("local");
    }

    @Test
    void theLocalRemoteUsesItsSocketAndTheRemoteItsProject() throws Exception {
        Files.writeString(dir.resolve("config.yml"), """
                remotes:
                  mine:
                    addr: unix:///tmp/coi-nowhere.socket
                    project: team
                """);
        IncusRemotes remotes = IncusRemotes.load(dir);

        try (IncusClient client = remotes.connect(remotes.find("mine").orElseThrow(), Timeouts.DEFAULT)) {
            assertThat(client.address()).isEqualTo("/tmp/coi-nowhere.socket");
            assertThat(client.project()).isEqualTo("team");
            assertThat(client.cliRemote()).as("incus exec -t for a terminal names it").contains("mine");
        }
    }

    @Test
    void anImageServerIsNoDaemon() {
        IncusRemotes remotes = IncusRemotes.load(dir);
        var images = new IncusRemotes.Remote("images", "https://images.linuxcontainers.org", "simplestreams", Optional.empty());

        assertThatThrownBy(() -> remotes.connect(images, Timeouts.DEFAULT))
                .hasMessage("remote 'images' (https://images.linuxcontainers.org) is a simplestreams image server, not an Incus daemon: pick another with --remote");
    }

    @Test
    void aBrokenFileIsNamed() throws Exception {
        Files.writeString(dir.resolve("config.yml"), "remotes: [unclosed\n");

        assertThatThrownBy(() -> IncusRemotes.load(dir))
                .isInstanceOf(IncusException.class)
                .hasMessageStartingWith("cannot read the incus CLI's configuration " + dir.resolve("config.yml"));
    }

    @Test
    void quotedEmptyAndNullValuesReadAsTheCliReadsThem() throws Exception {
        Files.writeString(dir.resolve("config.yml"), """
                default-remote: "quoted"
                remotes:
                  quoted:
                    addr: 'unix:///run/coitest/q.socket'
                    protocol: incus
                    project: ""
                  nulls:
                    addr: unix://
                    project: ~
                  "null":
                    addr: unix:///run/coitest/null.socket
                    project: "null"
                """);

        IncusRemotes remotes = IncusRemotes.load(dir);

        assertThat(remotes.defaultRemote()).isEqualTo("quoted");
        assertThat(remotes.find("quoted")).contains(new IncusRemotes.Remote("quoted", "unix:///run/coitest/q.socket", "incus", Optional.empty()));
        assertThat(remotes.find("nulls")).contains(new IncusRemotes.Remote("nulls", "unix://", "incus", Optional.empty()));
        assertThat(remotes.find("null")).contains(new IncusRemotes.Remote("null", "unix:///run/coitest/null.socket", "incus", Optional.of("null")));
    }
}
