package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which daemon a command talks to: the order of --remote, the environment, the config and the incus CLI's default. */
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

    private String address(Context context) {
        try (context) {
            return context.incus().address();
        }
    }

    @Test
    void theIncusCliDefaultRemoteIsTheDefault() {
        assertThat(address(new Context(env))).isEqualTo("/run/coitest/usual.socket");
    }

    @Test
    void anExplicitSocketBeatsTheDefaultRemote() {
        env.put("COI_INCUS_SOCKET", "/run/coitest/mine.socket");
        assertThat(address(new Context(env))).isEqualTo("/run/coitest/mine.socket");
    }

    @Test
    void coiIncusRemoteNamesOne() {
        env.put("COI_INCUS_SOCKET", "/run/coitest/mine.socket");
        env.put("COI_INCUS_REMOTE", "other");
        Context context = new Context(env);
        assertThat(address(context)).isEqualTo("/run/coitest/other.socket");
        assertThat(new Context(env).incus().project()).isEqualTo("team");
    }

    @Test
    void theRemoteFlagWinsOverEverything() {
        env.put("COI_INCUS_REMOTE", "other");
        env.put("COI_INCUS_URL", "https://127.0.0.1:1");
        Context context = new Context(env);
        context.useRemote("local");
        assertThat(address(context)).isEqualTo("/var/lib/incus/unix.socket");
    }

    @Test
    void theConfigsRemoteIsUsedBySessionCommands() throws Exception {
        // the user's own config: a project's .coi.toml may not pick the daemon unless trusted
        Files.createDirectories(home.resolve(".config/coi"));
        Files.writeString(home.resolve(".config/coi/config.toml"), "[incus]\nremote = \"other\"\n");
        Context context = new Context(env);
        try (context) {
            assertThat(context.incus(context.config(home)).address()).isEqualTo("/run/coitest/other.socket");
        }
    }

    @Test
    void unknownRemotesAndBadTimeoutsAreUsageErrors() {
        Context unknown = new Context(env);
        unknown.useRemote("nope");
        assertThatThrownBy(unknown::incus).isInstanceOf(UsageException.class).hasMessageStartingWith("unknown Incus remote 'nope'");

        env.put("COI_INCUS_TIMEOUT", "soon");
        assertThatThrownBy(new Context(env)::incus).isInstanceOf(UsageException.class)
                .hasMessage("COI_INCUS_TIMEOUT='soon' is not a positive number of seconds");
    }
}
