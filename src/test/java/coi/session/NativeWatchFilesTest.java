package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Config;
import coi.incus.Model;
import coi.monitor.Level;
import coi.monitor.Monitor;
import coi.monitor.Threat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files the supervisor and the native waiter hand the monitor over with (NativeWatch, monitor.c). */
class NativeWatchFilesTest {
    @TempDir Path root;

    private static final Config.Monitoring SETTINGS = new Config.Monitoring(true, true, false, 100, 250, 500, 200,
            List.of(4444, 1337), 30);

    private static Model.Instance instance(String name, Map<String, String> config) {
        return new Model.Instance(name, "Running", "container", true, "2026-12-05T10:00:00Z", null, config, config, Map.of(), Map.of(),
                List.of("default"), new Model.InstanceState("Running", 42, Map.of()));
    }

    @Test
    void theTargetsFileSaysWhatToWatchWithWhichSettingsCountersAndRecentThreats() throws Exception {
        var targets = List.of(new Monitor.Target("coi-a-1", "lxc.payload.coi-a-1", SETTINGS, 4242),
                new Monitor.Target("coi-b-1", "lxc.payload.coi-b-1",
                        new Config.Monitoring(true, false, true, 1, 2, 3, 4, List.of(), 30), 0));
        Instant first = Instant.ofEpochMilli(1_764_930_000_123L);
        String key = "reverse_shell|reverse shell: bash with its stdin on a connection to #.#.#.#:#|1.2.3.4";
        var file = NativeWatch.write(root, targets, Map.of("coi-a-1|" + key, first),
                Map.of("coi-a-1", "restricted", "coi-b-1", "allowlist"), List.of(instance("coi-a-1", Map.of("user.coi.tool", "claude"))));

        assertThat(file).contains(root.resolve(NativeWatch.TARGETS));
        assertThat(Files.readAllLines(file.orElseThrow())).containsExactly(
                "coi-monitor-targets\t1",
                "nft\tinet\tcoi",
                "target\tcoi-a-1\tlxc.payload.coi-a-1\t4242\t1\t0\t100\t250\t500\t200\t4444,1337\t-\tcoi-a-1.dns",
                "target\tcoi-b-1\tlxc.payload.coi-b-1\t0\t0\t1\t1\t2\t3\t4\t-\tcoi-b-1.blocked\t-",
                "seen\tcoi-a-1\t1764930000123\t" + HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)));
        // the labels a killed container's session is marked with, if it is gone by the time the supervisor answers
        assertThat(NativeWatch.instances(root)).singleElement().satisfies(i -> {
            assertThat(i.name()).isEqualTo("coi-a-1");
            assertThat(i.configValue("user.coi.tool")).isEqualTo("claude");
            assertThat(i.state().pid()).as("its init, by which a supervisor knows it again").isEqualTo(42);
            assertThat(i.state().network()).as("no network state kept").isNull();
        });
        NativeWatch.forget(root);
        assertThat(root.resolve(NativeWatch.TARGETS)).doesNotExist();
        assertThat(NativeWatch.instances(root)).isEmpty();
    }

    @Test
    void containersTheWaiterHandedBackAreReadOnceByName() throws Exception {
        Files.writeString(root.resolve(NativeWatch.REFUSED), NativeWatch.TOO_MUCH + "coi-a-1: more than 65536 sockets\n"
                + "something else\n" + NativeWatch.TOO_MUCH + "coi-b-1: a look took 1300 ms\n" + NativeWatch.TOO_MUCH + "bad name: x\n");
        java.time.Instant written = Files.getLastModifiedTime(root.resolve(NativeWatch.REFUSED)).toInstant();
        assertThat(NativeWatch.refused(root)).containsExactly(
                java.util.Map.entry("coi-a-1", new NativeWatch.HandedBack("more than 65536 sockets", written)),
                java.util.Map.entry("coi-b-1", new NativeWatch.HandedBack("a look took 1300 ms", written)));
        assertThat(root.resolve(NativeWatch.REFUSED)).doesNotExist();
        assertThat(NativeWatch.refused(root)).isEmpty();
    }

    @Test
    void aNameTheWaiterWouldRefuseIsNotHandedOver() {
        var odd = List.of(new Monitor.Target("coi a\t1", "lxc.payload.coi a\t1", SETTINGS, 1));
        assertThat(NativeWatch.write(root, odd, Map.of(), Map.of(), List.of())).isEmpty();
        assertThat(root.resolve(NativeWatch.TARGETS)).doesNotExist();
    }

    @Test
    void whatTheWaiterFoundIsReadUntilAnsweredAndALineItCouldNotFinishIsSkipped() throws Exception {
        Files.writeString(root.resolve(NativeWatch.THREATS), """
                {"container":"coi-a-1","killed":true,"threat":{"level":"critical","category":"reverse_shell","title":"reverse shell: bash with its stdin on a connection to 1.2.3.4:4444","description":"a shell or interpreter reads commands from a network peer","evidence":{"process":{"pid":7,"ppid":1,"uid":1000,"exe":"/usr/bin/bash","cmdline":["bash","-i","\\ufffd\\"x"]},"network":{"local":"10.0.0.2:5000","remote":"1.2.3.4:4444","port":4444,"protocol":"tcp"}}}}
                {"container":"coi-a-1","killed":false,"threat":{"level":"high","category":"filesystem","title":"large workspace read: 120 MB in 9s","description":"d","evidence":{"filesystem":{"bytes":125829120,"window":"9s"}}}}
                {"container":"coi-a-1","killed":false,"threat":{"level":"warning","category":"cred
                """);
        assertThat(NativeWatch.killedPending(root, "coi-a-1")).map(Threat::category).contains(Threat.REVERSE_SHELL);
        assertThat(NativeWatch.killedPending(root, "coi-b-1")).isEmpty();
        List<NativeWatch.Found> found = NativeWatch.read(root);
        assertThat(found).hasSize(2);
        NativeWatch.Found shell = found.getFirst();
        assertThat(shell.killed()).isTrue();
        Threat t = shell.threat();
        assertThat(t.level()).isEqualTo(Level.CRITICAL);
        assertThat(t.category()).isEqualTo(Threat.REVERSE_SHELL);
        assertThat(t.evidence().process().cmdline()).containsExactly("bash", "-i", "\ufffd\"x");
        assertThat(t.evidence().network().remote()).isEqualTo("1.2.3.4:4444");
        assertThat(t.dedupKey()).isEqualTo("reverse_shell|reverse shell: bash with its stdin on a connection to #.#.#.#:#|1.2.3.4:4444");
        assertThat(found.get(1).threat().evidence().filesystem().bytes()).isEqualTo(125_829_120L);
        assertThat(found.get(1).threat().evidence().process()).isNull();
        assertThat(root.resolve(NativeWatch.THREATS)).as("kept until answered").exists();
        NativeWatch.answered(root);
        assertThat(NativeWatch.read(root)).isEmpty();
        assertThat(NativeWatch.killedPending(root, "coi-a-1")).isEmpty();
    }
}
