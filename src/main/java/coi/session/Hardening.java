package coi.session;

import coi.config.Config;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container's walls other than the network fence, as instance config: no guest API, never
 * privileged, optionally fewer syscalls, and every resource limit. Values checked against Incus 6.0.4.
 */
final class Hardening {
    /** Rarely needed by an agent, often used by kernel exploits. */
    static final List<String> KERNEL_SURFACE = List.of(
            "io_uring_setup errno 1", "io_uring_enter errno 1", "io_uring_register errno 1",
            "bpf errno 1", "userfaultfd errno 1", "keyctl errno 1", "add_key errno 1", "request_key errno 1",
            "perf_event_open errno 1");

    private Hardening() {}

    /** Adds the security and limits keys to {@code cfg}. */
    static void configure(Config config, Map<String, String> cfg) {
        // the guest API (/dev/incus/sock) tells root inside the host paths of every mount
        cfg.put("security.guestapi", "false");
        // set on the instance, it wins over any profile that would make it privileged
        cfg.put("security.privileged", "false");
        // Incus hands each line to LXC's seccomp policy as is: the action must be on the line
        if (config.security().reduceKernelSurface()) cfg.put("security.syscalls.deny", String.join("\n", KERNEL_SURFACE));
        Config.Limits limits = config.limits();
        limits.cpu().ifPresent(v -> cfg.put("limits.cpu", v));
        limits.cpuAllowance().ifPresent(v -> cfg.put("limits.cpu.allowance", v));
        limits.memory().ifPresent(v -> cfg.put("limits.memory", v));
        limits.swap().ifPresent(v -> cfg.put("limits.memory.swap", v.toString()));
        limits.processes().ifPresent(v -> cfg.put("limits.processes", v.toString()));
    }

    /** Instance keys behind each [limits] key, in the order users read them. */
    private static final Map<String, String> LIMIT_KEYS = orderedPairs(
            "cpu", "limits.cpu", "cpu_allowance", "limits.cpu.allowance", "memory", "limits.memory",
            "swap", "limits.memory.swap", "processes", "limits.processes", "duration", Labels.LIMIT_DURATION);
    private static final Map<String, String> ROOT_KEYS = orderedPairs(
            "disk_read", "limits.read", "disk_write", "limits.write", "disk_size", "size");

    /**
     * The limits in force on an instance, by their [limits] key: what `coi list --format json` and
     * SANDBOX_CONTEXT.md show. {@code root} is the instance's own root disk device, or null.
     */
    static Map<String, String> inForce(Map<String, String> config, Map<String, String> root) {
        Map<String, String> limits = new LinkedHashMap<>();
        LIMIT_KEYS.forEach((key, instanceKey) -> {
            if (config != null && config.get(instanceKey) != null) limits.put(key, config.get(instanceKey));
        });
        ROOT_KEYS.forEach((key, deviceKey) -> {
            if (root != null && root.get(deviceKey) != null) limits.put(key, root.get(deviceKey));
        });
        return limits;
    }

    private static Map<String, String> orderedPairs(String... kv) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) map.put(kv[i], kv[i + 1]);
        return map;
    }

    /**
     * The root disk in {@code [incus] pool} with its rate limits and quota, replacing the profile's;
     * absent when neither a pool nor a disk limit is asked for.
     */
    static Map<String, String> rootDisk(Config config) {
        Config.Limits limits = config.limits();
        if (config.incus().pool().isEmpty() && limits.diskRead().isEmpty() && limits.diskWrite().isEmpty()
                && limits.diskSize().isEmpty()) return null;
        Map<String, String> root = new LinkedHashMap<>();
        root.put("type", "disk");
        root.put("path", "/");
        root.put("pool", config.incus().pool().orElse("default"));
        limits.diskRead().ifPresent(v -> root.put("limits.read", v));
        limits.diskWrite().ifPresent(v -> root.put("limits.write", v));
        limits.diskSize().ifPresent(v -> root.put("size", v));
        return root;
    }
}
