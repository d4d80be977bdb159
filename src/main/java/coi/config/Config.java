package coi.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effective configuration after every layer has been applied. All paths are absolute;
 * {@code environment} keeps the order in which variables were first defined.
 */
public record Config(
        String image,
        boolean persistent,
        boolean mountClaudeConfig,
        Tool tool,
        Paths paths,
        Incus incus,
        Network network,
        Limits limits,
        Monitoring monitoring,
        Map<String, String> environment,
        List<Mount> mounts,
        Optional<String> profile,
        Security security,
        Pool pool) {

    public Config {
        environment = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(environment));
        mounts = List.copyOf(mounts);
    }

    /** @param name one of claude, opencode, codex, aider, or fake (the test suite's agent) */
    public record Tool(String name, PermissionMode permissionMode, Optional<String> binary) {}

    public record Paths(Path sessionsDir, Optional<Path> storageDir) {}

    /**
     * {@code [incus]}: which daemon ({@code endpoint}), in which project (empty: the remote's own, else
     * "default"), the group whose members may use it (what `coi setup` and `coi health` look at), the
     * uid of {@code code} inside, the storage pool for new containers' root disks (empty: the default
     * profile's), the pinned server certificate for a URL endpoint, and how long to wait for answers.
     */
    public record Incus(
            IncusEndpoint endpoint,
            Optional<String> project,
            String group,
            int codeUid,
            Optional<String> pool,
            Optional<Path> serverCert,
            Optional<Integer> timeoutSeconds) {}

    public record Network(NetworkMode mode, List<String> allowedDomains, int refreshIntervalMinutes) {
        public Network {
            allowedDomains = List.copyOf(allowedDomains);
        }
    }

    /**
     * Values in Incus syntax: {@code cpu} "2" or "0-3", {@code cpuAllowance} "50%" or "25ms/100ms",
     * {@code memory} "4GiB", {@code diskRead}/{@code diskWrite} "20MB" (per second) or "1000iops",
     * {@code diskSize} "10GiB" (the root disk's quota). {@code swap} false forbids swapping.
     */
    public record Limits(Optional<String> cpu, Optional<String> memory, Optional<Duration> duration,
                         Optional<String> cpuAllowance, Optional<Boolean> swap, Optional<Integer> processes,
                         Optional<String> diskRead, Optional<String> diskWrite, Optional<String> diskSize) {
        public Limits(Optional<String> cpu, Optional<String> memory, Optional<Duration> duration) {
            this(cpu, memory, duration, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }
    }

    /**
     * {@code protectedPaths}: workspace paths read-only inside (the defaults or `protected_paths`,
     * plus `additional_protected_paths`, minus `writable_paths`). {@code reduceKernelSurface}: deny io_uring, bpf,
     * userfaultfd, the keyring calls and perf_event_open.
     */
    public record Security(List<String> protectedPaths, boolean reduceKernelSurface) {
        public Security {
            protectedPaths = List.copyOf(protectedPaths);
        }
    }

    /**
     * {@code [monitoring]}: the security monitor. The io thresholds are per window of
     * {@link #WINDOW_SECONDS}; the spawn rate is new processes per second.
     */
    public record Monitoring(boolean enabled, boolean autoPauseOnHigh, boolean autoKillOnCritical, int fileReadThresholdMb,
                             int fileWriteThresholdMb, int processCountThreshold, int processSpawnRateThreshold,
                             List<Integer> suspiciousPorts, int auditLogRetentionDays) {
        public static final int WINDOW_SECONDS = 10;

        public Monitoring {
            suspiciousPorts = List.copyOf(suspiciousPorts);
        }

        public Monitoring on() {
            return new Monitoring(true, autoPauseOnHigh, autoKillOnCritical, fileReadThresholdMb, fileWriteThresholdMb,
                    processCountThreshold, processSpawnRateThreshold, suspiciousPorts, auditLogRetentionDays);
        }
    }

    /**
     * {@code [pool]}: {@code size} warm containers kept per image for `coi run` (see coi.pool.Pool).
     * Default 0: members are running containers that cost memory and a resident process to refill
     * them, which a user opts into.
     */
    public record Pool(int size) {}

    /** This configuration with the monitor switched on (`--monitor`). */
    public Config withMonitoring() {
        return new Config(image, persistent, mountClaudeConfig, tool, paths, incus, network, limits, monitoring.on(), environment,
                mounts, profile, security, pool);
    }
}
