package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.UsageException;
import coi.config.ConfigException;
import coi.incus.IncusClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which daemon and project a command's services talk to: --remote, the environment, the config
 * files and the incus CLI's default, by the one rule (see {@code IncusSettingsTest} for the layers).
 */
class ContextIncusTest {
    @TempDir
    Path home;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void incusCliWithThreeRemotes() throws Exception {
        Path conf = Files.createDirectories(home.resolve(".config/incus"));
        Files.writeString(conf.resolve("config.yml"), """
                default-remote: usual
                remotes:
                  usual:
                    addr: unix:///run/coitest/usual.socket
                    protocol: incus
                  other:
                    addr: unix:///run/coitest/other.socket
                    protocol: incus
                    project: team
                """);
        env.put("HOME", home.toString());
        env.put("PWD", home.toString());
    }

    private IncusClient client(Context context) {
        try (context) {
            return context.services().incus();
        }
    }

    private void userConfig(String toml) throws Exception {
        Files.createDirectories(home.resolve(".config/coi"));
        Files.writeString(home.resolve(".config/coi/config.toml"), toml);
    }

    @Test
    void theIncusCliDefaultRemoteIsTheDefault() {
        IncusClient client = client(new Context(env));
        assertThat(client.address()).isEqualTo("/run/coitest/usual.socket");
        assertThat(client.project()).isEqualTo("default");
    }

    @Test
    void anExplicitSocketBeatsTheDefaultRemote() {
        env.put("COI_INCUS_SOCKET", "/run/coitest/mine.socket");
        assertThat(client(new Context(env)).address()).isEqualTo("/run/coitest/mine.socket");
    }

    @Test
    void aRemoteBringsItsOwnProjectUnlessOneIsConfigured() throws Exception {
        env.put("COI_INCUS_REMOTE", "other");
        IncusClient client = client(new Context(env));
        assertThat(client.address()).isEqualTo("/run/coitest/other.socket");
        assertThat(client.project()).isEqualTo("team");

        userConfig("[incus]\nproject = \"default\"\n");
        assertThat(client(new Context(env)).project()).as("an explicit default is a choice too").isEqualTo("default");
        env.put("COI_INCUS_PROJECT", "mine");
        assertThat(client(new Context(env)).project()).isEqualTo("mine");
    }

    @Test
    void theProjectReachesEveryKindOfEndpoint() {
        env.put("COI_INCUS_PROJECT", "mine");
        assertThat(client(new Context(env)).project()).as("the CLI's default remote").isEqualTo("mine");
        env.put("COI_INCUS_SOCKET", "/run/coitest/mine.socket");
        assertThat(client(new Context(env)).project()).as("a socket").isEqualTo("mine");
        Context flagged = new Context(env);
        flagged.useRemote("local");
        assertThat(client(flagged).project()).as("--remote").isEqualTo("mine");
    }

    @Test
    void theRemoteFlagWinsOverEverything() throws Exception {
        userConfig("[incus]\nsocket = \"/run/coitest/file.socket\"\n");
        env.put("COI_INCUS_REMOTE", "other");
        env.put("COI_INCUS_URL", "https://127.0.0.1:1");
        Context context = new Context(env);
        context.useRemote("local");
        assertThat(client(context).address()).isEqualTo("/var/lib/incus/unix.socket");
    }

    @Test
    void theConfigFilesEndpointIsUsedByEveryCommandAndTheEnvironmentBeatsIt() throws Exception {
        // the user's own config: a project's .coi.toml may not pick the daemon unless trusted
        userConfig("[incus]\nremote = \"other\"\n");
        assertThat(client(new Context(env)).address()).isEqualTo("/run/coitest/other.socket");
        env.put("COI_INCUS_SOCKET", "/run/coitest/mine.socket");
        assertThat(client(new Context(env)).address()).isEqualTo("/run/coitest/mine.socket");
    }

    @Test
    void anUntrustedProjectFileCannotPickTheDaemonOrProject() throws Exception {
        Path workspace = Files.createDirectories(home.resolve("repo"));
        Files.writeString(workspace.resolve(".coi.toml"), "[incus]\nsocket = \"/run/coitest/agent.socket\"\nproject = \"agent\"\n");
        env.put("PWD", workspace.toString());
        IncusClient client = client(new Context(env));
        assertThat(client.address()).isEqualTo("/run/coitest/usual.socket");
        assertThat(client.project()).isEqualTo("default");
    }

    @Test
    void oneContextGivesEachConfigurationItsOwnClient() throws Exception {
        try (Context context = new Context(env)) {
            IncusClient plain = context.services().incus();
            env.put("COI_INCUS_PROJECT", "mine");
            IncusClient withProject = context.services().incus();
            assertThat(plain.project()).isEqualTo("default");
            assertThat(withProject.project()).as("no first-caller-wins cache").isEqualTo("mine");
        }
    }

    @Test
    void unknownRemotesAndBadTimeoutsAreUsageErrors() {
        Context unknown = new Context(env);
        unknown.useRemote("nope");
        assertThatThrownBy(() -> client(unknown)).isInstanceOf(UsageException.class).hasMessageStartingWith("unknown Incus remote 'nope'");

        env.put("COI_INCUS_TIMEOUT", "soon");
        assertThatThrownBy(() -> client(new Context(env))).isInstanceOf(ConfigException.class)
                .hasMessage("COI_INCUS_TIMEOUT must be a positive number of seconds, got \"soon\"");
    }
}
