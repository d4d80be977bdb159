package coi.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configuration being assembled: starts at the built-in defaults, each layer overwrites it. */
final class Draft {
    String image = "coi";
    boolean persistent = false;
    boolean mountClaudeConfig = true;

    String tool = "claude";
    PermissionMode permissionMode = PermissionMode.BYPASS;
    String binary;

    Path sessionsDir;
    Path storageDir;

    IncusEndpoint incusEndpoint = IncusEndpoint.CLI_DEFAULT;
    String incusProject;
    String incusGroup = "incus-admin";
    int codeUid = 1000;
    String storagePool;
    Path incusServerCert;
    Integer incusTimeoutSeconds;

    NetworkMode networkMode = NetworkMode.RESTRICTED;
    List<String> allowedDomains = List.of();
    int refreshIntervalMinutes = 30;

    String cpu;
    String memory;
    Duration duration;
    String cpuAllowance;
    Boolean swap;
    Integer processes;
    String diskRead;
    String diskWrite;
    String diskSize;

    List<String> protectedPaths = ProtectedPaths.DEFAULTS;
    final List<String> additionalProtectedPaths = new ArrayList<>();
    final List<String> writablePaths = new ArrayList<>();
    boolean reduceKernelSurface = false;

    boolean monitoring = false;
    boolean autoPauseOnHigh = true;
    boolean autoKillOnCritical = true;
    // a whole-workspace exfiltration reads it in seconds; a build or `grep -r` of a project reads
    // tens of MB per window, `npm install` writes well under 250 MB per window
    int fileReadThresholdMb = 100;
    int fileWriteThresholdMb = 250;
    // a fork bomb passes 500 in well under a second; an agent with a parallel build stays in the tens
    int processCountThreshold = 500;
    int processSpawnRateThreshold = 200;
    List<Integer> suspiciousPorts = List.of(4444, 5555, 1337, 31337);
    int auditLogRetentionDays = 30;

    final Map<String, String> environment = new LinkedHashMap<>();
    final List<Mount> mounts = new ArrayList<>();
    String profile;
    int poolSize = 0;

    Draft(Path home) {
        sessionsDir = home.resolve(".coi");
    }

    Config build() {
        return new Config(
                image,
                persistent,
                mountClaudeConfig,
                new Config.Tool(tool, permissionMode, Optional.ofNullable(binary)),
                new Config.Paths(sessionsDir, Optional.ofNullable(storageDir)),
                new Config.Incus(incusEndpoint, Optional.ofNullable(incusProject), incusGroup, codeUid,
                        Optional.ofNullable(storagePool), Optional.ofNullable(incusServerCert), Optional.ofNullable(incusTimeoutSeconds)),
                new Config.Network(networkMode, allowedDomains, refreshIntervalMinutes),
                new Config.Limits(Optional.ofNullable(cpu), Optional.ofNullable(memory), Optional.ofNullable(duration),
                        Optional.ofNullable(cpuAllowance), Optional.ofNullable(swap), Optional.ofNullable(processes),
                        Optional.ofNullable(diskRead), Optional.ofNullable(diskWrite), Optional.ofNullable(diskSize)),
                new Config.Monitoring(monitoring, autoPauseOnHigh, autoKillOnCritical, fileReadThresholdMb, fileWriteThresholdMb,
                        processCountThreshold, processSpawnRateThreshold, suspiciousPorts, auditLogRetentionDays),
                environment,
                mounts,
                Optional.ofNullable(profile),
                new Config.Security(effectiveProtectedPaths(), reduceKernelSurface),
                new Config.Pool(poolSize));
    }

    private List<String> effectiveProtectedPaths() {
        var paths = new LinkedHashSet<>(protectedPaths);
        paths.addAll(additionalProtectedPaths);
        paths.removeAll(writablePaths);
        return List.copyOf(paths);
    }
}
