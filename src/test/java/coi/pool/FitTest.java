package coi.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FitTest {
    private static final Map<String, Map<String, String>> NO_DEVICES = Map.of();

    @Test
    void labelsAndEnvironmentAreSetByTheClaimSoTheyAreNoPartOfTheFit() {
        Fit one = Fit.of("coi", "f00d", Map.of("security.nesting", "true", "user.coi.workspace", "/a", "environment.A", "1"), NO_DEVICES);
        Fit other = Fit.of("coi", "f00d", Map.of("security.nesting", "true", "user.coi.workspace", "/b", "environment.B", "2"), NO_DEVICES);
        assertThat(one).isEqualTo(other);
        assertThat(Fit.fixedConfig(Map.of("security.nesting", "true", "user.coi.kind", "run", "environment.HOME", "/home/code")))
                .containsExactly(Map.entry("security.nesting", "true"));
    }

    @Test
    void whatCannotChangeOnARunningContainerIsPartOfTheFit() {
        Fit plain = Fit.of("coi", "f00d", Map.of("security.nesting", "true"), NO_DEVICES);
        assertThat(Fit.of("coi", "f00d", Map.of("security.nesting", "true", "raw.idmap", "uid 0 1000"), NO_DEVICES)).isNotEqualTo(plain);
        assertThat(Fit.of("coi", "f00d", Map.of("security.nesting", "true", "limits.memory", "4GiB"), NO_DEVICES)).isNotEqualTo(plain);
        assertThat(Fit.of("coi", "f00d", Map.of("security.nesting", "true"),
                Map.of("root", Map.of("type", "disk", "path", "/", "pool", "default", "size", "10GiB")))).isNotEqualTo(plain);
    }

    @Test
    void aRebuiltImageIsAnotherFit() {
        assertThat(Fit.of("coi", "f00d", Map.of(), NO_DEVICES).hash()).isNotEqualTo(Fit.of("coi", "beef", Map.of(), NO_DEVICES).hash());
    }

    @Test
    void membersMadeBeforeTheirNicPinnedItsMacAreAnotherFit() throws Exception {
        // the hash as it was: the fingerprint and the fixed parts, without the line saying how members are made
        String before = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("f00d\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 16);
        assertThat(Fit.of("coi", "f00d", Map.of(), NO_DEVICES).hash()).isNotEqualTo(before).hasSize(16);
    }

    @Test
    void onlyTheRootDiskOfTheSessionsDevicesIsFixed() {
        Map<String, Map<String, String>> devices = Map.of("workspace", Map.of("type", "disk", "source", "/w", "path", "/workspace"),
                "eth0", Map.of("type", "nic"), "root", Map.of("type", "disk", "path", "/", "size", "10GiB"));
        assertThat(Fit.fixedDevices(devices)).containsOnlyKeys("root");
    }
}
