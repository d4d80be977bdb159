package coi.session;

import static org.assertj.core.api.Assertions.assertThat;

import coi.config.Overrides;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HardeningTest {
    private static HostFacts protecting(Protection protection) {
        return new HostFacts(1000, 1000, 1000, "coi-", Set.of(), PlannerTest.BRIDGE, Set.of(), null, protection);
    }

    @Test
    void everySessionHasNoGuestApiIsNeverPrivilegedAndIsPortIsolated() {
        SessionPlan p = PlannerTest.plan(PlannerTest.config(Overrides.NONE), 1, protecting(Protection.NONE));

        assertThat(p.config()).containsEntry("security.guestapi", "false").containsEntry("security.privileged", "false")
                .doesNotContainKey("security.syscalls.deny");
        assertThat(p.devices().get("eth0")).containsEntry("security.port_isolation", "true");
        assertThat(p.devices()).doesNotContainKey("root");
    }

    @Test
    void withProtectedPathsTheWorkspaceComesInThroughItsProtectedView() {
        SessionPlan p = PlannerTest.plan(PlannerTest.config(Overrides.NONE), 1,
                protecting(new Protection(List.of(".git/hooks", ".vscode"), List.of(".git"), true)));

        assertThat(p.devices().get("workspace")).containsEntry("source", "/home/dev/.coi/views/" + p.container())
                .containsEntry("path", "/workspace").containsEntry("recursive", "true");
        assertThat(p.config()).containsEntry(Labels.PROTECTED, ".git/hooks,.vscode").doesNotContainKey("security.syscalls.deny");
        assertThat(SandboxContext.render(p)).contains("- **Read-only**: /workspace/.git/hooks, /workspace/.vscode: ");
    }

    @Test
    void withoutAViewTheyAreReadOnlyAndPinningDevices() {
        SessionPlan p = PlannerTest.plan(PlannerTest.config(Overrides.NONE), 1,
                protecting(new Protection(List.of(".git/hooks", ".vscode"), List.of(".git"), false)));

        assertThat(p.devices().get("workspace")).containsEntry("source", "/home/dev/project").doesNotContainKey("recursive");
        assertThat(p.devices().get("protect-1")).containsEntry("source", "/home/dev/project/.git/hooks")
                .containsEntry("path", "/workspace/.git/hooks").containsEntry("readonly", "true");
        assertThat(p.devices().get("pin-1")).containsEntry("path", "/workspace/.git").doesNotContainKey("readonly");
        assertThat(p.config()).containsEntry(Labels.PROTECTED, ".git/hooks,.vscode");
    }

    @Test
    void everyLimitBecomesAnInstanceKeyAndIsShown() {
        var flags = new Overrides(null, null, null, null, null, null, null, null, "2", "1GiB", "2h",
                Map.of("processes", "200", "swap", "false", "cpu_allowance", "50%", "disk_read", "40MB", "disk_write", "20MB",
                        "disk_size", "5GiB"));
        SessionPlan p = PlannerTest.plan(PlannerTest.config(flags), 1, protecting(Protection.NONE));

        assertThat(p.config()).containsEntry("limits.cpu", "2").containsEntry("limits.memory", "1GiB")
                .containsEntry("limits.processes", "200").containsEntry("limits.memory.swap", "false")
                .containsEntry("limits.cpu.allowance", "50%");
        assertThat(p.devices().get("root")).containsEntry("path", "/").containsEntry("pool", "default")
                .containsEntry("limits.read", "40MB").containsEntry("limits.write", "20MB").containsEntry("size", "5GiB");
        assertThat(Hardening.inForce(p.config(), p.devices().get("root"))).containsExactly(
                Map.entry("cpu", "2"), Map.entry("cpu_allowance", "50%"), Map.entry("memory", "1GiB"), Map.entry("swap", "false"),
                Map.entry("processes", "200"), Map.entry("duration", "PT2H"), Map.entry("disk_read", "40MB"),
                Map.entry("disk_write", "20MB"), Map.entry("disk_size", "5GiB"));
        assertThat(SandboxContext.render(p)).contains("- **Limits**: cpu 2, cpu_allowance 50%, memory 1GiB, swap false, processes 200, stopped after 2h, disk_read 40MB");
    }

    @Test
    void reducedKernelSurfaceDeniesTheListedCalls(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var file = java.nio.file.Files.writeString(dir.resolve("c.toml"), "[security]\nreduce_kernel_surface = true\n");
        var config = coi.config.ConfigLoader.load(List.of(coi.config.ConfigFile.optional(file)), Map.of(), dir, Overrides.NONE);

        SessionPlan p = PlannerTest.plan(config, 1, protecting(Protection.NONE));

        assertThat(p.config().get("security.syscalls.deny").split("\n")).containsExactlyElementsOf(Hardening.KERNEL_SURFACE);
    }
}
