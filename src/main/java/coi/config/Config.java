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
        Optional<String> profile) {

    public Config {
        environment = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(environment));
        mounts = List.copyOf(mounts);
    }

    /** Where sessions of the configured tool are saved: {@code <sessions_dir>/sessions-<tool>}. */
    public Path toolSessionsDir() {
        return paths.sessionsDir().resolve("sessions-" + tool.name());
    }

    /** @param name one of claude, opencode, codex, aider, or fake (the test suite's agent) */
    public record Tool(String name, PermissionMode permissionMode, Optional<String> binary) {}

    public record Paths(Path sessionsDir, Optional<Path> storageDir) {}

    public record Incus(
            String project,
            String group,
            int codeUid,
            Path socket,
            Optional<String> remote,
            Optional<String> pool) {}

    public record Network(NetworkMode mode, List<String> allowedDomains, int refreshIntervalMinutes) {
        public Network {
            allowedDomains = List.copyOf(allowedDomains);
        }
    }

    /** {@code cpu} and {@code memory} are in Incus syntax, e.g. "2" and "4GiB". */
    public record Limits(Optional<String> cpu, Optional<String> memory, Optional<Duration> duration) {}

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

    /** This configuration with the monitor switched on (`--monitor`). */
    public Config withMonitoring() {
        return new Config(image, persistent, mountClaudeConfig, tool, paths, incus, network, limits, monitoring.on(), environment,
                mounts, profile);
    }
}
