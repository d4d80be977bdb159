package coi.pool;

import static org.assertj.core.api.Assertions.assertThat;

import coi.incus.FakeDaemon;
import coi.incus.IncusClient;
import coi.network.NetworkFence;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whose members a fill may remove as stale, or a keeper retire: only its own keeper's (and those made before members
 * named their keeper, or by a keeper whose sessions folder is gone).
 */
class PoolTest {
    static final String PREFIX = "coitest-unit-";
    /** Sessions folders of two keepers that exist, and of one that is gone. */
    String mine, others, gone;

    @TempDir
    Path dir;

    @org.junit.jupiter.api.BeforeEach
    void folders() throws Exception {
        mine = java.nio.file.Files.createDirectories(dir.resolve("a/.coi")).toString();
        others = java.nio.file.Files.createDirectories(dir.resolve("b/.coi")).toString();
        gone = dir.resolve("c/.coi").toString();
    }

    private static Map<String, String> member(String fit, String keeper) {
        Map<String, String> config = new HashMap<>(Map.of(Pool.STATE, Pool.READY, Pool.ALIAS, "coi", Pool.IMAGE, "abc", Pool.FIT, fit));
        if (keeper != null) config.put(Pool.KEEPER, keeper);
        return config;
    }

    @Test
    void aFillRemovesItsOwnStaleMembersNotThoseAnotherKeeperMade() throws Exception {
        try (FakeDaemon daemon = FakeDaemon.start(dir); IncusClient incus = daemon.client()) {
            daemon.existing(PREFIX + "pool-0000000a", "Running", member("old", mine), true);
            daemon.existing(PREFIX + "pool-0000000b", "Running", member("old", others), true);
            daemon.existing(PREFIX + "pool-0000000c", "Running", member("old", null), true);
            daemon.existing(PREFIX + "pool-0000000d", "Running", member("new", others), true);
            daemon.existing(PREFIX + "pool-0000000e", "Running", member("old", gone), true);
            Pool pool = new Pool(incus, new NetworkFence((stdin, args) -> ""), PREFIX);
            List<String> made = pool.fill(new Fit("coi", "abc", "new"), Map.of(), Map.of(), 1, null, Set.of(), "1@boot", mine);
            assertThat(made).as("another keeper's member of this fit counts").isEmpty();
            assertThat(daemon.instanceNames()).as("mine, the unnamed one and the one of a keeper whose folder is gone were stale; the other keeper's stay")
                    .containsExactlyInAnyOrder(PREFIX + "pool-0000000b", PREFIX + "pool-0000000d");
        }
    }

    @Test
    void aKeeperRetiresOnlyTheReadyMembersItMade() throws Exception {
        try (FakeDaemon daemon = FakeDaemon.start(dir); IncusClient incus = daemon.client()) {
            daemon.existing(PREFIX + "pool-0000000a", "Running", member("f", mine), true);
            daemon.existing(PREFIX + "pool-0000000b", "Running", member("f", others), true);
            daemon.existing(PREFIX + "pool-0000000c", "Running", member("other-fit", mine), true);
            Pool pool = new Pool(incus, new NetworkFence((stdin, args) -> ""), PREFIX);
            assertThat(pool.retire(new Fit("coi", "abc", "f"), mine, "1@boot")).containsExactly(PREFIX + "pool-0000000a");
            assertThat(daemon.instanceNames()).containsExactlyInAnyOrder(PREFIX + "pool-0000000b", PREFIX + "pool-0000000c");
        }
    }

    /** The bridge's DHCP server held the member's pinned address for another client and gave it one of its own. */
    @Test
    void aMemberGivenAnotherAddressThanItsOwnIsRemovedAndTheFillSaysWhy() throws Exception {
        try (FakeDaemon daemon = FakeDaemon.start(dir); IncusClient incus = daemon.client()) {
            for (int i = 2; i < 255; i++) daemon.dhcpHolds("10.99.0." + i);
            Pool pool = new Pool(incus, new NetworkFence((stdin, args) -> ""), PREFIX);
            var bridge = coi.network.BridgeFacts.of(FakeDaemon.BRIDGE, FakeDaemon.BRIDGE_ADDRESS);
            var own = (java.net.Inet4Address) java.net.InetAddress.getByName(FakeDaemon.DHCP_OWN);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> pool.fill(new Fit("coi", "abc", "f"), Map.of(), Map.of(), 1, bridge, Set.of(own), "1@boot", mine))
                    .isInstanceOf(coi.incus.IncusException.class).hasMessageContaining("was given the address " + FakeDaemon.DHCP_OWN + ", not its own");
            assertThat(daemon.instanceNames()).as("the member, removed").isEmpty();
        }
    }
}
