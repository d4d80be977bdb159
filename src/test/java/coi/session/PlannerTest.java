package coi.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import coi.CoiException;
import coi.config.Config;
import coi.config.ConfigLoader;
import coi.config.Overrides;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlannerTest {
    static final Workspace WS = new Workspace(Path.of("/home/dev/project"));
    static final ToolLaunch TOOL = new ToolLaunch("fake", List.of("fake-ai", "--x"), Map.of("FAKE_AI_STATE", "/home/code/.fake-ai"), ".fake-ai");

    static final coi.network.BridgeFacts BRIDGE = coi.network.BridgeFacts.of("incusbr0", "10.147.83.1/24");

    static Config config(Overrides flags) {
        return ConfigLoader.load(List.of(), Map.of(), Path.of("/home/dev"), flags);
    }

    static HostFacts facts(int uid, Set<String> existing) {
        return new HostFacts(uid, uid, 1000, "coi-", existing, BRIDGE, Set.of(), null);
    }

    static SessionPlan plan(Config config, Integer slot, HostFacts facts) {
        return Planner.plan(WS, config, "shell", slot, "sid-1", false, TOOL, Path.of("/home/dev/.coi/sessions-fake/sid-1/state"),
                Path.of("/home/dev/.coi"), facts);
    }

    @Test
    void lowestFreeSlotIsChosen() {
        String one = ContainerName.of("coi-", WS, 1).value(), two = ContainerName.of("coi-", WS, 2).value();
        SessionPlan p = plan(config(Overrides.NONE), null, facts(1000, Set.of(one, two)));
        assertThat(p.slot()).isEqualTo(3);
        assertThat(p.container()).isEqualTo(ContainerName.of("coi-", WS, 3).value());
        assertThat(p.config()).containsEntry(Labels.SLOT, "3");
    }

    @Test
    void allSlotsTakenIsAClearError() {
        Set<String> all = new HashSet<>();
        for (int s = 1; s <= 10; s++) all.add(ContainerName.of("coi-", WS, s).value());
        assertThatThrownBy(() -> plan(config(Overrides.NONE), null, facts(1000, all)))
                .isInstanceOf(CoiException.class).hasMessageContaining("all 10 slots");
    }

    /**
     * The host user is mapped onto code with raw.idmap, whatever its uid: the rest of the
     * container's ids (root's included) stay in its unprivileged range. Shifted (idmapped) mounts
     * would show the host's ids as they are, so root inside would make host-root files there,
     * setuid ones too (RunE2EIT's uid 1000 test makes one).
     */
    @Test
    void theHostUserIsMappedOntoCodeWithRawIdmapAndNoMountIsShifted() {
        SessionPlan p = plan(config(Overrides.NONE), 1, facts(1000, Set.of()));
        assertThat(p.config()).containsEntry("raw.idmap", "uid 1000 1000\ngid 1000 1000");
        assertThat(p.devices().get("workspace")).doesNotContainKey("shift")
                .containsEntry("source", "/home/dev/project").containsEntry("path", "/workspace");
        assertThat(p.devices().get("tool-state")).doesNotContainKey("shift").containsEntry("path", "/home/code/.fake-ai");
        assertThat(p.ownership()).isEqualTo("raw.idmap 1000:1000->1000");
        SessionPlan root = plan(config(Overrides.NONE), 1, facts(0, Set.of()));
        assertThat(root.config()).containsEntry("raw.idmap", "uid 0 1000\ngid 0 1000");
        assertThat(root.devices().get("workspace")).doesNotContainKey("shift");
    }

    /** A user whose ids root does not hold in /etc/subuid and /etc/subgid is told to run setup before anything is made. */
    @Test
    void aUserWhoseIdsRootDoesNotHoldIsToldToRunSetup(@org.junit.jupiter.api.io.TempDir Path etc) throws Exception {
        String range = "root:1000000:1000000000\n";
        java.nio.file.Files.writeString(etc.resolve("subuid"), range);
        java.nio.file.Files.writeString(etc.resolve("subgid"), range + "root:1000:1\n");
        assertThatThrownBy(() -> Ownership.requireMappable(1000, 1000, etc)).isInstanceOf(CoiException.class)
                .hasMessage("your uid 1000 is not delegated to root in /etc/subuid, so Incus cannot map you onto code (raw.idmap):"
                        + " `sudo coi setup` adds root:1000:1 to /etc/subuid");
        java.nio.file.Files.writeString(etc.resolve("subuid"), range + "root:1000:1\n");
        Ownership.requireMappable(1000, 1000, etc);
        Ownership.requireMappable(0, 0, etc.resolve("absent"));
    }

    @Test
    void labelsEnvironmentMountsAndLimitsComeFromConfigAndFlags() {
        Config config = config(new Overrides("img-x", true, null, "open", null, Map.of("FOO", "bar"),
                List.of("/srv/data:/data"), "/srv/keep", "2", "4GiB", null));
        SessionPlan p = plan(config, 4, facts(1000, Set.of()));
        assertThat(p.image()).isEqualTo("img-x");
        assertThat(p.persistent()).isTrue();
        assertThat(p.networkMode()).isEqualTo("open");
        assertThat(p.config()).containsEntry(Labels.WORKSPACE, "/home/dev/project").containsEntry(Labels.SESSION, "sid-1")
                .containsEntry(Labels.TOOL, "fake").containsEntry(Labels.PERSISTENT, "true").containsEntry(Labels.KIND, "shell")
                .containsEntry("environment.FOO", "bar").containsEntry("environment.FAKE_AI_STATE", "/home/code/.fake-ai")
                .containsEntry("environment.HOME", "/home/code").containsEntry("limits.cpu", "2").containsEntry("limits.memory", "4GiB")
                .containsEntry("security.nesting", "true");
        assertThat(p.devices().get("mount-1")).containsEntry("source", "/srv/data").containsEntry("path", "/data");
        assertThat(p.devices().get("storage")).containsEntry("source", "/srv/keep").containsEntry("path", "/storage");
        assertThat(p.toolCommand()).containsExactly("fake-ai", "--x");
        assertThat(p.tmuxSession()).isEqualTo("coi-" + p.container());
    }

    @Test
    void runPlansHaveNoToolAndNoStateMount() {
        SessionPlan p = Planner.plan(WS, config(Overrides.NONE), "run", null, null, false, null, null, Path.of("/h/.coi"),
                facts(1000, Set.of()));
        assertThat(p.devices()).containsOnlyKeys("workspace", "eth0");
        assertThat(p.config()).doesNotContainKeys(Labels.SESSION, Labels.TOOL).containsEntry(Labels.KIND, "run");
        assertThat(p.persistent()).isFalse();
    }

    @Test
    void fencedModesPinTheNicAndOpenLeavesTheProfilesNic() throws Exception {
        SessionPlan restricted = plan(config(Overrides.NONE), 1, facts(1000, Set.of()));
        Map<String, String> eth0 = restricted.devices().get("eth0");
        assertThat(eth0).containsEntry("network", "incusbr0").containsEntry("security.ipv4_filtering", "true")
                .containsEntry("security.mac_filtering", "true").containsKey("ipv4.address").containsKey("host_name");
        var taken = Set.of((java.net.Inet4Address) java.net.InetAddress.getByName(eth0.get("ipv4.address")));
        SessionPlan avoided = Planner.plan(WS, config(Overrides.NONE), "shell", 1, "sid-1", false, TOOL, Path.of("/s"), Path.of("/h"),
                facts(1000, Set.of()).withTaken(taken));
        assertThat(avoided.devices().get("eth0").get("ipv4.address")).isNotEqualTo(eth0.get("ipv4.address"));

        Config allowlist = ConfigLoader.load(List.of(), Map.of("COI_NETWORK", "allowlist"), Path.of("/home/dev"), Overrides.NONE);
        assertThat(allowlist.network().allowedDomains()).isEmpty();
        SessionPlan open = plan(config(new Overrides(null, null, null, "open", null, null, null, null, null, null, null)), 1,
                facts(1000, Set.of()));
        assertThat(open.devices()).doesNotContainKey("eth0");
        assertThat(open.config()).containsEntry(Labels.NETWORK, "open");
    }

    @Test
    void sshAgentForwardsTheSocketOnly() {
        HostFacts facts = new HostFacts(1000, 1000, 1000, "coi-", Set.of(), BRIDGE, Set.of(), Path.of("/run/user/1000/agent.sock"));
        SessionPlan p = plan(config(Overrides.NONE), 1, facts);
        assertThat(p.devices().get("ssh-agent")).containsEntry("type", "proxy").containsEntry("bind", "container")
                .containsEntry("connect", "unix:/run/user/1000/agent.sock").containsEntry("listen", "unix:/home/code/.ssh-agent.sock")
                .containsEntry("uid", "1000").containsEntry("mode", "0600");
        assertThat(p.config()).containsEntry("environment.SSH_AUTH_SOCK", "/home/code/.ssh-agent.sock");
        assertThat(plan(config(Overrides.NONE), 1, facts(1000, Set.of())).devices()).doesNotContainKey("ssh-agent");
    }

    @Test
    void anAllowlistWithoutEntriesFailsThePlanSoADryRunFailsLikeTheRealRun() {
        Config allowlist = ConfigLoader.load(List.of(), Map.of("COI_NETWORK", "allowlist"), Path.of("/home/dev"), Overrides.NONE);
        assertThatThrownBy(() -> plan(allowlist, 1, facts(1000, Set.of())))
                .isInstanceOf(coi.UsageException.class)
                .hasMessage("network mode allowlist needs at least one entry in allowed_domains: set [network] allowed_domains,"
                        + " or pick another --network mode");
    }

    /** Incus would mount both, one hiding the other: a mount at the workspace, the state or another mount is refused. */
    @Test
    void aMountWhereAnotherDiskOfTheSessionIsIsAUsageError() {
        for (String target : new String[] {"/workspace", "/workspace/", "/home/code/.fake-ai"}) {
            Overrides flags = new Overrides(null, null, null, null, null, Map.of(), List.of("/tmp:" + target), null, null, null, null);
            assertThatThrownBy(() -> plan(config(flags), 1, facts(1000, Set.of()))).as(target)
                    .isInstanceOf(coi.UsageException.class)
                    .hasMessageStartingWith("mount /tmp:" + target + " would cover ")
                    .hasMessageEndingWith(": mount it at another path in the container");
        }
        Overrides fine = new Overrides(null, null, null, null, null, Map.of(), List.of("/tmp:/data", "/srv:/workspace/vendor", "/opt:/home/code"), null, null,
                null, null);
        assertThat(plan(config(fine), 1, facts(1000, Set.of())).devices()).containsKeys("mount-1", "mount-2", "mount-3");
        Overrides twice = new Overrides(null, null, null, null, null, Map.of(), List.of("/tmp:/data", "/srv:/data"), null, null, null, null);
        assertThatThrownBy(() -> plan(config(twice), 1, facts(1000, Set.of())))
                .hasMessage("mount /srv:/data would cover /data, where the session mounts mount-1: mount it at another path in the container");
    }

    @Test
    void thePlanCarriesThePolicyWhatToFenceAndTheCodeUser() {
        SessionPlan restricted = plan(config(Overrides.NONE), 1, facts(1000, Set.of()));
        assertThat(restricted.network()).isInstanceOf(coi.network.NetworkPolicy.Restricted.class);
        assertThat(restricted.fenced()).isTrue();
        assertThat(restricted.bridge()).isEqualTo(BRIDGE);
        assertThat(restricted.code()).isEqualTo(CodeUser.DEFAULT);
        assertThat(restricted.config()).doesNotContainKey(Labels.CODE_UID);
        assertThat(restricted.disposition()).isEqualTo(SessionPlan.Disposition.CREATE);

        SessionPlan open = plan(config(new Overrides(null, null, null, "open", null, null, null, null, null, null, null)), 1,
                facts(1000, Set.of()));
        assertThat(open.fenced()).isFalse();
        assertThat(open.bridge()).isNull();

        HostFacts uid1001 = new HostFacts(1000, 1000, 1001, "coi-", Set.of(), BRIDGE, Set.of(), Path.of("/run/a.sock"));
        SessionPlan other = plan(config(Overrides.NONE), 1, uid1001);
        assertThat(other.code()).isEqualTo(new CodeUser(1001, 1001));
        assertThat(other.config()).containsEntry(Labels.CODE_UID, "1001").containsEntry("raw.idmap", "uid 1000 1001\ngid 1000 1001");
        assertThat(other.devices().get("ssh-agent")).containsEntry("uid", "1001").containsEntry("gid", "1001");
    }

    @Test
    void theJsonPlanShowsTheDecisions() throws Exception {
        SessionPlan p = plan(config(new Overrides(null, null, null, null, null, null, null, null, null, null, "2h")), 1,
                facts(1000, Set.of()));
        var json = coi.incus.Json.MAPPER.readTree(coi.incus.Json.bytes(p));
        assertThat(json.get("network_mode").asText()).isEqualTo("restricted");
        assertThat(json.get("fenced").asBoolean()).isTrue();
        assertThat(json.get("code").get("uid").asInt()).isEqualTo(1000);
        assertThat(json.get("disposition").asText()).isEqualTo("CREATE");
        assertThat(json.get("devices").get("eth0").get("ipv4.address").asText()).isNotEmpty();
        assertThat(json.has("network")).isFalse();
        assertThat(json.get("limit_duration").asText()).isEqualTo("PT2H");
    }
}
