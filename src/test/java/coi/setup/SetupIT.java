package coi.setup;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.IncusClient;
import coi.testing.CoiProcess;
import coi.testing.Quotas;
import coi.testing.Sandbox;
import coi.testing.TestIncus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `coi setup` on this machine, which CI has already set up: it must find everything in place and
 * leave the daemon others use alone; and what it creates (a bridge and a pool under test names)
 * it creates once.
 */
@Tag("incus")
class SetupIT {

    @Test
    void onAReadyMachineSetupChangesNothingAndLeavesTheDaemonRunning() throws Exception {
        String pid = incusdPid();
        Quotas.consistent();

        CoiProcess.Result dry = new CoiProcess().run("setup", "--dry-run");
        CoiProcess.Result run = new CoiProcess().run("setup");

        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(dry.out().lines().toList()).hasSize(12).allMatch(l -> l.startsWith("ok "), "every step already in place");
        // this machine's pool is btrfs: its quota groups are looked at (made consistent above, as `coi setup` would)
        assertThat(dry.out()).contains("ok    quotas     btrfs quota groups of pool default consistent: disk size limits are enforced");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("ok    daemon     incusd answers at /var/lib/incus/unix.socket")
                .endsWith("setup: nothing to do, this machine is ready\n");
        assertThat(incusdPid()).as("the same incusd, never restarted").isEqualTo(pid);
    }

    @Test
    void aMissingBridgeAndPoolAreCreatedOnceThenFound() throws Exception {
        String bridge = "coitest-setupbr", pool = Sandbox.PREFIX + "setup-pool", subnet = "10.251.77.1/24";
        assertThat(sh("ip", "-4", "route", "show", "10.251.77.0/24")).as("the test subnet is unused").isBlank();
        String[] args = {"setup", "--bridge", bridge, "--bridge-address", subnet, "--pool", pool, "--pool-size", "1GiB"};
        try (IncusClient incus = TestIncus.client()) {
            try {
                CoiProcess.Result first = new CoiProcess().run(args);
                assertThat(first.exitCode()).as(first.toString()).isZero();
                assertThat(first.out()).contains("done  bridge     network " + bridge + " " + subnet + "\n")
                        .contains("done  dhcp       bridge " + bridge + " leases by MAC address (dhcp-ignore-clid)\n")
                        .contains("done  storage    storage pool " + pool + " (btrfs)\n")
                        .endsWith("setup: ready (3 steps changed something)\n");
                assertThat(incus.network(bridge).config()).containsEntry("raw.dnsmasq", "dhcp-ignore-clid\n");

                CoiProcess.Result again = new CoiProcess().run(args);
                assertThat(again.out()).as(again.toString()).endsWith("setup: nothing to do, this machine is ready\n");
            } finally {
                if (incus.networks().stream().anyMatch(n -> n.name().equals(bridge))) incus.deleteNetwork(bridge);
                if (incus.storagePools().stream().anyMatch(p -> p.name().equals(pool))) incus.deleteStoragePool(pool);
            }
        }
    }

    private static String incusdPid() throws Exception {
        return sh("sh", "-c", "incus query /1.0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"environment\"][\"server_pid\"])'").strip();
    }

    private static String sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", argv), out).isZero();
        return out;
    }
}
