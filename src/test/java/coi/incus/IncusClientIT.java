package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.testing.TestIncus;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("incus")
class IncusClientIT {
    static IncusClient incus;
    static String name;

    @BeforeAll
    static void launch() {
        incus = TestIncus.client();
        name = TestIncus.name("client");
        incus.createInstance(InstanceSpec.of(name, TestIncus.baseImage()).withStart(true)
                .withConfig(Map.of("user.coi.test", "yes")));
    }

    @AfterAll
    static void remove() {
        Retries.delete(incus, name);
        assertThat(incus.instanceExists(name)).isFalse();
        incus.close();
    }

    @Test
    void serverInfoAndInventory() {
        Model.Server server = incus.server();
        assertThat(server.apiVersion()).isEqualTo("1.0");
        assertThat(server.version()).matches("\\d+\\.\\d+.*");
        assertThat(incus.storagePools()).extracting(Model.StoragePool::name).contains("default");
        assertThat(incus.networks()).anyMatch(n -> n.managed() && n.type().equals("bridge"));
        assertThat(incus.profile("default").devices()).containsKey("root");
        assertThat(incus.images()).anyMatch(i -> i.aliases().stream().anyMatch(a -> a.name().equals(TestIncus.baseImage())));
    }

    @Test
    void instanceStateAndList() {
        Model.Instance instance = incus.instance(name);
        assertThat(instance.running()).isTrue();
        assertThat(instance.configValue("user.coi.test")).isEqualTo("yes");
        assertThat(incus.instanceState(name).pid()).isPositive();
        assertThat(incus.instances()).extracting(Model.Instance::name).contains(name);
        assertThatThrownBy(() -> incus.instance("coitest-no-such")).isInstanceOf(IncusException.NotFound.class);
    }

    @Test
    void execPropagatesExitCodesOutputEnvUserAndCwd() {
        Model.ExecResult r = incus.execCapture(name, new ExecRequest(
                List.of("sh", "-c", "echo out; echo err >&2; id -u; pwd; echo $GREETING; exit 42"),
                Map.of("GREETING", "hello there"), 1000, 1000, "/tmp"));
        assertThat(r.exitCode()).isEqualTo(42);
        assertThat(r.out()).isEqualTo("out\n1000\n/tmp\nhello there\n");
        assertThat(r.err()).isEqualTo("err\n");
        assertThat(incus.execCapture(name, ExecRequest.of("true")).exitCode()).isZero();
        assertThat(incus.execCapture(name, ExecRequest.of("false")).exitCode()).isEqualTo(1);
    }

    @Test
    void execForwardsStdin() {
        var out = new ByteArrayOutputStream();
        int code = incus.exec(name, ExecRequest.of("sh", "-c", "wc -c"),
                new ByteArrayInputStream(new byte[100_000]), out, new ByteArrayOutputStream());
        assertThat(code).isZero();
        assertThat(out.toString().trim()).isEqualTo("100000");
    }

    @Test
    void fileTreeRoundTripKeepsModesBinaryAndSpaces(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("src tree");
        Files.createDirectories(src.resolve("sub dir/deeper"));
        byte[] binary = new byte[70_000];
        new Random(7).nextBytes(binary);
        Files.write(src.resolve("sub dir/blob.bin"), binary);
        Files.writeString(src.resolve("name with spaces.txt"), "spaces ok\n");
        Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(src.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(src.resolve("sub dir/deeper"), PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(src.resolve("link"), Path.of("run.sh"));

        InstanceFiles files = incus.files(name);
        files.pushTree(src, "/opt/round trip", 1000, 1000);

        Model.ExecResult inside = incus.sh(name, "cd '/opt/round trip' && stat -c '%a %u %n' run.sh 'sub dir/deeper' 'name with spaces.txt'"
                + " && ./run.sh && sha256sum 'sub dir/blob.bin' && readlink link");
        assertThat(inside.exitCode()).as(inside.err()).isZero();
        assertThat(inside.out()).contains("750 1000 run.sh", "700 1000 sub dir/deeper", "1000 name with spaces.txt", "ran", "run.sh");

        Path back = tmp.resolve("back");
        int entries = files.pullTree("/opt/round trip", back);
        assertThat(entries).as("root, sub dir, deeper, blob, spaces, run.sh, link").isEqualTo(7);
        assertThat(Files.readAllBytes(back.resolve("sub dir/blob.bin"))).isEqualTo(binary);
        assertThat(Files.readString(back.resolve("name with spaces.txt"))).isEqualTo("spaces ok\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("run.sh")))).isEqualTo("rwxr-x---");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("sub dir/deeper")))).isEqualTo("rwx------");
        assertThat(Files.readSymbolicLink(back.resolve("link"))).isEqualTo(Path.of("run.sh"));
        assertThat(files.stat("/opt/round trip/no such")).isNull();
    }

    @Test
    void configAndDeviceUpdatesUseEtags(@TempDir Path tmp) throws Exception {
        incus.setConfig(name, "user.coi.note", "first");
        assertThat(incus.instance(name).configValue("user.coi.note")).isEqualTo("first");
        Files.writeString(tmp.resolve("shared.txt"), "from host");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        incus.addDevice(name, "shared", Map.of("type", "disk", "source", tmp.toString(), "path", "/mnt/shared", "readonly", "true"));
        assertThat(incus.sh(name, "cat /mnt/shared/shared.txt").out()).isEqualTo("from host");
        assertThatThrownBy(() -> incus.addDevice(name, "shared", Map.of("type", "disk", "source", "/tmp", "path", "/mnt/x")))
                .isInstanceOf(IncusException.AlreadyExists.class);
        incus.removeDevice(name, "shared");
        assertThat(incus.instance(name).devices()).doesNotContainKey("shared");
        incus.setConfig(name, "user.coi.note", null);
        assertThat(incus.instance(name).configValue("user.coi.note")).isNull();
    }

    @Test
    void lifecycleEventsArriveOnTheEventsWebsocket() throws Exception {
        String other = TestIncus.name("events");
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        var created = new CountDownLatch(1);
        try (EventStream stream = incus.events("lifecycle", e -> {
            events.add(e);
            if (e.path("metadata").path("source").asText().endsWith("/" + other)
                    && e.path("metadata").path("action").asText().equals("instance-created")) created.countDown();
        })) {
            incus.createInstance(InstanceSpec.of(other, TestIncus.baseImage()));
            assertThat(created.await(30, TimeUnit.SECONDS)).as("instance-created event for %s, got %s", other, events).isTrue();
        } finally {
            Retries.delete(incus, other);
        }
    }

    @Test
    void stopStartFreezeAndOperationErrors() {
        String other = TestIncus.name("state");
        incus.createInstance(InstanceSpec.of(other, TestIncus.baseImage()).withStart(true));
        try {
            incus.freeze(other);
            assertThat(incus.instance(other).status()).isEqualTo("Frozen");
            incus.unfreeze(other);
            incus.stop(other, 30, true);
            assertThat(incus.instance(other).status()).isEqualTo("Stopped");
            assertThatThrownBy(() -> incus.stop(other, 5, false)).isExactlyInstanceOf(IncusException.class)
                    .hasMessageContaining("already stopped");
            incus.start(other);
            assertThat(incus.instance(other).running()).isTrue();
            assertThatThrownBy(() -> incus.start(other)).as("already running is no reason to try again")
                    .isExactlyInstanceOf(IncusException.class).hasMessageContaining("already running");
            assertThatThrownBy(() -> incus.delete(other, false)).isInstanceOf(IncusException.Busy.class);
            // incusd 6.0 refuses a taken name with a database error (500), not a 409: callers ask instanceExists
            assertThatThrownBy(() -> incus.createInstance(InstanceSpec.of(other, TestIncus.baseImage())))
                    .isExactlyInstanceOf(IncusException.class);
            assertThat(incus.instance(other).running()).as("a refused duplicate create leaves the original alone").isTrue();
        } finally {
            Retries.delete(incus, other);
        }
        assertThatThrownBy(() -> incus.createInstance(InstanceSpec.of(TestIncus.name("noimg"), "coitest-no-such-image")))
                .isInstanceOf(IncusException.NotFound.class).hasMessage("image 'coitest-no-such-image' not found");
    }

    @Test
    void anInstanceStillStartingIsBusyAndRetriesDeleteIt() throws Exception {
        String other = TestIncus.name("busy");
        incus.createInstance(InstanceSpec.of(other, TestIncus.baseImage()));
        Thread starting = new Thread(() -> {
            try {
                incus.start(other);
            } catch (IncusException deletedWhileStarting) {
                // the point of the test: the delete below may win
            }
        });
        try {
            starting.start();
            Thread.sleep(50);
            // during the start ("Instance is busy running a "start" operation") or just after it ("Instance is running")
            assertThatThrownBy(() -> incus.delete(other, false)).isInstanceOf(IncusException.Busy.class)
                    .satisfies(e -> System.out.println("[figures] delete while starting: " + e.getMessage()));
            Retries.delete(incus, other);
            assertThat(incus.instanceExists(other)).isFalse();
        } finally {
            starting.join(30_000);
            Retries.delete(incus, other);
        }
    }

    @Test
    void anAddressAlreadyOnAnotherNicRefusesTheStartAsAlreadyExists() {
        String network = incus.profile("default").devices().get("eth0").get("network");
        String bridge = incus.networks().stream().filter(n -> n.name().equals(network)).findFirst().orElseThrow()
                .config().get("ipv4.address");
        // incusd compares the static addresses in NIC config (stopped instances' too), not DHCP leases
        String address = bridge.substring(0, bridge.lastIndexOf('.') + 1) + "251";
        Map<String, Map<String, String>> nic = Map.of("eth0", Map.of("type", "nic", "network", network, "name", "eth0", "ipv4.address", address));
        String first = TestIncus.name("addr"), second = TestIncus.name("addr");
        try {
            incus.createInstance(InstanceSpec.of(first, TestIncus.baseImage()).withDevices(nic));
            incus.createInstance(InstanceSpec.of(second, TestIncus.baseImage()).withDevices(nic));
            assertThatThrownBy(() -> incus.start(second)).isInstanceOf(IncusException.AlreadyExists.class)
                    .hasMessageContaining(address);
        } finally {
            Retries.delete(incus, first);
            Retries.delete(incus, second);
        }
    }

    @Test
    void importPublishAliasAndDeleteImages(@TempDir Path tmp) throws Exception {
        Path meta = tmp.resolve("meta.tar.gz"), rootfs = tmp.resolve("rootfs.tar.gz");
        Files.createDirectories(tmp.resolve("m"));
        Files.writeString(tmp.resolve("m/metadata.yaml"), "architecture: x86_64\ncreation_date: 1700000000\nproperties:\n  description: coitest tiny\n");
        Files.createDirectories(tmp.resolve("r/etc"));
        Files.writeString(tmp.resolve("r/etc/hostname"), "tiny\n");
        tar(tmp.resolve("m"), meta);
        tar(tmp.resolve("r"), rootfs);
        String alias = TestIncus.name("import");
        String fingerprint = incus.importImage(meta, rootfs, alias, Map.of("description", "coitest import"));
        try {
            Model.Image image = incus.imageByAlias(alias);
            assertThat(image.fingerprint()).isEqualTo(fingerprint);
            assertThat(image.type()).as("split tarballs make a container image").isEqualTo("container");
            assertThat(incus.imageAliases()).extracting(Model.ImageAlias::name).contains(alias);
        } finally {
            incus.deleteImage(fingerprint);
        }
        assertThat(incus.aliasExists(alias)).isFalse();
    }

    private static void tar(Path dir, Path out) throws Exception {
        Process p = new ProcessBuilder("tar", "-C", dir.toString(), "-czf", out.toString(), ".").redirectErrorStream(true).start();
        assertThat(p.waitFor()).isZero();
    }
}
