package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.cli.Context;
import coi.cli.Services;
import coi.cli.WatchCommand;
import coi.config.ConfigException;
import coi.config.Overrides;
import coi.incus.IncusClient;
import coi.incus.Json;
import coi.incus.Model;
import coi.network.PoolMembers;
import coi.pool.Fit;
import coi.pool.Pool;
import coi.testing.CoiProcess.Result;
import coi.testing.Sandbox;
import coi.testing.TestImages;
import coi.testing.TestIncus;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The agent against the background process's pool keeper ({@link PoolKeeper}): between sessions
 * (and during one: the workspace is mounted live) it rewrites the workspace's `.coi.toml`, which
 * the keeper loads every round to fill the pool. Here the keeper of the production code runs
 * its rounds in this JVM against the real daemon, with the config loading of the background
 * process ({@link WatchCommand#poolConfig}), so each attack is one round and not a ten-second
 * wait. The pool holds one member made from the user's own config; after every attack it must
 * still hold exactly that member, untouched: what would widen is left out (as the file is
 * untrusted), what is no config (raw Incus keys) or no plain file (a link, a FIFO, a huge
 * file) is refused without a fill, and a request file that names another workspace is dropped.
 * An image the project names instead (which it may) gets the pool, and the old image's member
 * goes. Then a `coi run` claims the member: its fixed settings are those of a cold launch of the
 * same config, and nothing of the sessions folder where requests live is mounted in it.
 */
@Tag("incus")
class PoolKeeperAttackIT {
    /** Keys whose values belong to the member's making or to Incus, not to its settings. */
    private static boolean own(String key) {
        return key.startsWith("volatile.") || key.startsWith("image.") || key.equals(Pool.OWNER) || key.equals(Pool.KEEPER);
    }

    @Test
    void aHostileProjectConfigNeverWidensWhatTheKeeperFillsNorWhatAClaimGets() throws Exception {
        Sandbox box = new Sandbox();
        Path sessionsRoot = box.home.resolve(".coi");
        Files.createDirectories(box.home.resolve(".config/coi"));
        Files.writeString(box.home.resolve(".config/coi/config.toml"), """
                [defaults]
                image = "%s"
                [security]
                protected_paths = []
                [pool]
                size = 1
                [limits]
                cpu = "1"
                memory = "1GiB"
                processes = 300
                """.formatted(TestImages.fakeTool()));
        // the image comes from the user's config, where a project file may change it
        box.with("COI_IMAGE", "");
        Map<String, String> env = new HashMap<>(box.env());
        Path projectFile = box.workspace.resolve(".coi.toml");
        try (IncusClient incus = TestIncus.client(); Context context = new Context(env)) {
            Services services = context.services(context.config(Path.of("/nonexistent-workspace")));
            PoolKeeper keeper = services.sessions(new PrintWriter(OutputStream.nullOutputStream(), true)).pool()
                    .keeper((workspace, coiEnv) -> WatchCommand.poolConfig(env, workspace, coiEnv));
            PoolKeeper.request(sessionsRoot, new Workspace(box.workspace), env);
            Path request = PoolKeeper.dir(sessionsRoot).resolve(new Workspace(box.workspace).hash() + ".json");
            try {
                keeper.tick();
                List<Model.Instance> made = PoolMembers.of(incus);
                assertThat(made).as("the user's own config fills one member").hasSize(1);
                Model.Instance member = made.getFirst();
                assertThat(member.configValue(Pool.STATE)).isEqualTo(Pool.READY);

                Map<String, String> widening = Map.of(
                        "network, host mount, [incus], looser limits, redirecting environment, a bigger pool", """
                                [network]
                                mode = "open"
                                [[mounts]]
                                host = "/"
                                container = "/host"
                                [incus]
                                code_uid = 0
                                pool = "default"
                                [limits]
                                cpu = "2"
                                memory = "64GiB"
                                processes = 100000
                                [environment]
                                ANTHROPIC_BASE_URL = "http://198.51.100.7"
                                LD_PRELOAD = "/workspace/evil.so"
                                [pool]
                                size = 3
                                """,
                        "a bigger pool alone", "[pool]\nsize = 5\n",
                        "the storage and sessions folders", "[paths]\nsessions_dir = \"/tmp\"\nstorage_dir = \"/\"\n");
                for (var attack : widening.entrySet()) {
                    Files.writeString(projectFile, attack.getValue());
                    assertThatThrownBy(() -> context.config(box.workspace, Overrides.NONE)).as(attack.getKey() + ": a session refuses it")
                            .isInstanceOf(ConfigException.class).hasMessageContaining("is not trusted and would widen the sandbox");
                    keeper.tick();
                    assertUnchanged(incus, member, attack.getKey());
                }

                Map<String, String> noConfig = Map.of(
                        "raw Incus config", "[incus]\n\"raw.lxc\" = \"lxc.apparmor.profile=unconfined\"\n",
                        "a privileged, nested container", "[security]\nprivileged = true\nnesting = true\n",
                        "a raw device", "[devices.host]\ntype = \"disk\"\nsource = \"/\"\npath = \"/host\"\n");
                for (var attack : noConfig.entrySet()) {
                    Files.writeString(projectFile, attack.getValue());
                    assertThatThrownBy(() -> WatchCommand.poolConfig(env, box.workspace, Map.of())).as(attack.getKey())
                            .isInstanceOf(ConfigException.class);
                    keeper.tick();
                    assertUnchanged(incus, member, attack.getKey());
                }

                // a link out of the workspace, to a file the user trusts elsewhere
                Files.delete(projectFile);
                Path outside = Files.writeString(box.root.resolve("elsewhere.toml"), "[network]\nmode = \"open\"\n");
                Files.createSymbolicLink(projectFile, outside);
                assertThatThrownBy(() -> WatchCommand.poolConfig(env, box.workspace, Map.of())).hasMessageContaining("is a symbolic link");
                keeper.tick();
                assertUnchanged(incus, member, "a symbolic link");
                Files.delete(projectFile);

                // a FIFO: opening it would block the keeper until the agent writes to it
                Process mkfifo = new ProcessBuilder("mkfifo", projectFile.toString()).start();
                assertThat(mkfifo.waitFor()).isZero();
                CompletableFuture<Void> round = CompletableFuture.runAsync(keeper::tick);
                try {
                    round.get(30, TimeUnit.SECONDS);
                } finally {
                    if (!round.isDone()) {
                        // unblock the reader the fix should have kept from opening it
                        try (OutputStream w = Files.newOutputStream(projectFile)) {
                            w.flush();
                        }
                    }
                }
                assertThatThrownBy(() -> WatchCommand.poolConfig(env, box.workspace, Map.of())).hasMessageContaining("is not a plain file");
                assertUnchanged(incus, member, "a FIFO");
                Files.delete(projectFile);

                // a huge file: the background process runs in a few MiB of heap
                try (var out = Files.newOutputStream(projectFile)) {
                    byte[] comments = ("#".repeat(1023) + "\n").getBytes();
                    for (int i = 0; i < 64 * 1024; i++) out.write(comments);
                }
                assertThatThrownBy(() -> WatchCommand.poolConfig(env, box.workspace, Map.of())).hasMessageContaining("is larger than 1 MiB");
                keeper.tick();
                assertUnchanged(incus, member, "a 64 MiB file");
                Files.delete(projectFile);

                // a request that names another workspace than the one it is filed under is dropped, and fills nothing
                Sandbox other = new Sandbox();
                try {
                    Files.writeString(other.workspace.resolve(".coi.toml"), "[limits]\nmemory = \"512MiB\"\n");
                    Path forged = PoolKeeper.dir(sessionsRoot).resolve(new Workspace(box.root).hash() + ".json");
                    Files.write(forged, Json.MAPPER.writeValueAsBytes(new PoolKeeper.Request(other.workspace.toString(), Map.of())));
                    keeper.tick();
                    assertThat(forged).as("the forged request").doesNotExist();
                    assertUnchanged(incus, member, "a request naming another workspace");
                } finally {
                    other.close();
                }
                assertThat(request).as("the genuine request stays").exists();

                // the agent names another image, which a project may do untrusted: the keeper fills that image's pool
                // and the member of the old one goes (it does not keep a pool of every alias the agent names)
                Files.writeString(projectFile, "[defaults]\nimage = \"" + TestIncus.baseImage() + "\"\n");
                keeper.tick();
                List<Model.Instance> flipped = PoolMembers.of(incus);
                assertThat(flipped).as("one member, of the image the project names now").hasSize(1);
                assertThat(flipped.getFirst().configValue(Pool.ALIAS)).isEqualTo(TestIncus.baseImage());
                member = flipped.getFirst();

                // a session claims the member: never wider than the same config (the user's and the project's) launched cold
                Result plan = box.run("run", "--dry-run", "--format", "json", "--", "true");
                assertThat(plan.exitCode()).as(plan.toString()).isZero();
                JsonNode cold = Json.MAPPER.readTree(plan.out());
                Result claim = box.coi().env("COI_TRACE", "1").run("run", "--", "sudo", "cat", "/proc/self/mountinfo");
                assertThat(claim.exitCode()).as(claim.toString()).isZero();
                assertThat(claim.err()).contains("pool: claimed " + member.name());
                Map<String, String> coldFixed = Fit.fixedConfig(Json.MAPPER.convertValue(cold.get("config"), Json.MAPPER.getTypeFactory()
                        .constructMapType(TreeMap.class, String.class, String.class)));
                assertThat(fixed(member)).as("the member's fixed settings are the cold launch's").isEqualTo(coldFixed);
                List<String> roots = claim.out().lines().map(l -> l.split(" ")[3]).toList();
                assertThat(roots).as("the workspace is mounted").anyMatch(root -> root.endsWith("/project\\040dir"));
                assertThat(roots.stream().filter(root -> root.contains("/.coi")))
                        .as("of the sessions folder, where the pool's requests live, nothing is mounted but a session's own folder")
                        .allMatch(root -> root.contains("/.coi/sessions-"));
            } finally {
                // a FIFO left by a failed attack would block the drain's own config loading
                Files.deleteIfExists(projectFile);
                Result drain = box.run("pool", "drain");
                assertThat(drain.exitCode()).as(drain.toString()).isZero();
                box.close();
                PoolMembers.removeUntilQuiet(incus);
            }
        }
    }

    private static void assertUnchanged(IncusClient incus, Model.Instance member, String attack) {
        List<Model.Instance> now = PoolMembers.of(incus);
        assertThat(now).as(attack + ": the keeper made or removed no member").extracting(Model.Instance::name).containsExactly(member.name());
        Model.Instance after = now.getFirst();
        assertThat(fixed(after)).as(attack + ": the member's settings").isEqualTo(fixed(member));
        assertThat(after.devices()).as(attack + ": the member's devices").isEqualTo(member.devices());
        assertThat(after.devices().keySet()).as(attack + ": a member has its NIC and nothing else of a session").containsExactly("eth0");
    }

    /** The member's own settings: what a claim cannot change, without the pool's labels. */
    private static Map<String, String> fixed(Model.Instance i) {
        return Fit.fixedConfig(i.config()).entrySet().stream().filter(e -> !own(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }
}
