package coi.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One configuration file: its sections are applied to a {@link Draft}, its profiles kept for later. */
final class TomlLayer {
    private static final List<String> TOP_LEVEL = List.of(
            "defaults", "tool", "paths", "incus", "network", "limits", "environment", "mounts", "profiles", "security",
            "monitoring", "pool");
    private static final List<String> POOL = List.of("size");
    private static final List<String> DEFAULTS = List.of("image", "persistent", "mount_claude_config");
    private static final List<String> TOOL = List.of("name", "permission_mode", "binary");
    private static final List<String> PATHS = List.of("sessions_dir", "storage_dir");
    private static final List<String> INCUS = List.of("project", "group", "code_uid", "socket", "remote", "url", "server_cert",
            "timeout", "pool");
    private static final List<String> NETWORK = List.of("mode", "allowed_domains", "refresh_interval_minutes");
    private static final List<String> LIMITS = List.of("cpu", "memory", "duration", "cpu_allowance", "swap", "processes",
            "disk_read", "disk_write", "disk_size");
    private static final List<String> SECURITY = List.of("protected_paths", "additional_protected_paths", "writable_paths",
            "reduce_kernel_surface");
    private static final List<String> MONITORING = List.of("enabled", "auto_pause_on_high", "auto_kill_on_critical",
            "file_read_threshold_mb", "file_write_threshold_mb", "process_count_threshold", "process_spawn_rate_threshold",
            "suspicious_ports", "audit_log_retention_days");
    private static final List<String> MOUNT = List.of("host", "container", "readonly");
    /** The Go original's keys this coi does not have, per section, and what to use instead (see {@link Section#known(List, Map)}). */
    private static final Map<String, String> GO_DEFAULTS = Map.of("model", "choose the model in the tool itself");
    private static final Map<String, String> GO_TOOL = GO_DEFAULTS;
    private static final Map<String, String> GO_PATHS = Map.of("logs_dir", "coi's logs are under ~/.coi; the monitor's are read with `coi audit`");
    private static final Map<String, String> GO_INCUS = Map.of(
            "code_user", "the user inside is always `code`; its uid is [incus] code_uid",
            "disable_shift", "coi chooses how files keep their owner (idmapped mounts or shifting) itself");
    private static final Map<String, String> GO_NETWORK = Map.of(
            "block_private_networks", "restricted and allowlist modes always block private networks",
            "block_metadata_endpoint", "restricted and allowlist modes always block the metadata endpoint",
            "allow_local_network_access", "local networks stay blocked; [network] mode = \"open\" opens everything",
            "logging", "blocked connections are counted in `coi list`; the monitor records to `coi audit`");
    private static final List<String> PROFILE = List.of(
            "image", "persistent", "tool", "network", "environment", "mounts", "limits", "monitoring");

    private final Section root;
    private final String sha256;
    private final Map<String, Section> profiles = new LinkedHashMap<>();

    private TomlLayer(Section root, String sha256) {
        this.root = root;
        this.sha256 = sha256;
        root.table("profiles").ifPresent(all -> {
            for (String name : all.keys()) {
                profiles.put(name, all.table(name).orElseThrow().known(PROFILE));
            }
        });
    }

    /** Reads {@code source}; its profiles are checked now, so that a typo in one never selected still shows. */
    static Optional<TomlLayer> read(ConfigFile source, Path home) {
        Path file = source.path();
        byte[] content;
        if (source.project()) {
            // the content that is hashed for trust is the content that is parsed: read once
            Optional<byte[]> read = WorkspacePath.read(file.getParent(), file.getFileName().toString());
            if (read.isEmpty()) return Optional.empty();
            content = read.get();
        } else if (!Files.exists(file)) {
            if (source.requiredBy() == null) {
                return Optional.empty();
            }
            throw new ConfigException("config file " + file + " does not exist (named by " + source.requiredBy()
                    + "): create it or point " + source.requiredBy() + " at an existing file");
        } else {
            content = readAll(file);
        }
        // only a project file's hash is asked for (its trust); SHA-256's provider lookup costs a start-up about 10 ms
        var layer = new TomlLayer(Section.root(parse(file, content), file, home).known(TOP_LEVEL),
                source.project() ? TrustStore.sha256(content) : null);
        layer.profiles.values().forEach(profile -> applyProfile(profile, new Draft(home)));
        return Optional.of(layer);
    }

    /** sha256 of the bytes this layer was parsed from, for a project file; null for the others. */
    String sha256() {
        return sha256;
    }

    Map<String, Section> profiles() {
        return profiles;
    }

    /** This layer, once every key and value of it has been read (as {@link #applyTo} reads them); a mistake throws. */
    TomlLayer checked(Path home) {
        applyTo(new Draft(home));
        return this;
    }

    void applyTo(Draft d) {
        root.table("defaults").map(s -> s.known(DEFAULTS, GO_DEFAULTS)).ifPresent(s -> {
            s.string("image").ifPresent(v -> d.image = v);
            s.bool("persistent").ifPresent(v -> d.persistent = v);
            s.bool("mount_claude_config").ifPresent(v -> d.mountClaudeConfig = v);
        });
        root.table("tool").map(s -> s.known(TOOL, GO_TOOL)).ifPresent(s -> {
            s.string("name", Values::tool).ifPresent(v -> d.tool = v);
            s.string("permission_mode", (v, o) -> Values.choice(PermissionMode.class, v, o))
                    .ifPresent(v -> d.permissionMode = v);
            s.string("binary").ifPresent(v -> d.binary = v);
        });
        root.table("paths").map(s -> s.known(PATHS, GO_PATHS)).ifPresent(s -> {
            s.path("sessions_dir").ifPresent(v -> d.sessionsDir = v);
            s.path("storage_dir").ifPresent(v -> d.storageDir = v);
        });
        root.table("incus").map(s -> s.known(INCUS, GO_INCUS)).ifPresent(s -> {
            IncusEndpoint.strongest(s.string("url", Values::url), s.string("remote"), s.path("socket"))
                    .ifPresent(v -> d.incusEndpoint = v);
            s.string("project").ifPresent(v -> d.incusProject = v);
            s.string("group").ifPresent(v -> d.incusGroup = v);
            s.integer("code_uid", 0).ifPresent(v -> d.codeUid = v);
            s.string("pool").ifPresent(v -> d.storagePool = v);
            s.path("server_cert").ifPresent(v -> d.incusServerCert = v);
            s.integer("timeout", 1).ifPresent(v -> d.incusTimeoutSeconds = v);
        });
        root.table("network").map(s -> s.known(NETWORK, GO_NETWORK)).ifPresent(s -> {
            s.string("mode", (v, o) -> Values.choice(NetworkMode.class, v, o)).ifPresent(v -> d.networkMode = v);
            s.strings("allowed_domains").ifPresent(v -> d.allowedDomains = v);
            s.integer("refresh_interval_minutes", 1).ifPresent(v -> d.refreshIntervalMinutes = v);
        });
        root.table("limits").map(s -> s.known(LIMITS)).ifPresent(s -> applyLimits(s, d));
        root.table("security").map(s -> s.known(SECURITY)).ifPresent(s -> {
            s.strings("protected_paths", Values::workspacePath).ifPresent(v -> d.protectedPaths = v);
            s.strings("additional_protected_paths", Values::workspacePath).ifPresent(d.additionalProtectedPaths::addAll);
            s.strings("writable_paths", Values::workspacePath).ifPresent(d.writablePaths::addAll);
            s.bool("reduce_kernel_surface").ifPresent(v -> d.reduceKernelSurface = v);
        });
        root.table("monitoring").map(s -> s.known(MONITORING)).ifPresent(s -> applyMonitoring(s, d));
        root.table("pool").map(s -> s.known(POOL)).ifPresent(s -> s.integer("size", 0).ifPresent(v -> d.poolSize = v));
        applyEnvironmentAndMounts(root, d);
    }

    static void applyProfile(Section profile, Draft d) {
        profile.string("image").ifPresent(v -> d.image = v);
        profile.bool("persistent").ifPresent(v -> d.persistent = v);
        profile.string("tool", Values::tool).ifPresent(v -> d.tool = v);
        profile.string("network", (v, o) -> Values.choice(NetworkMode.class, v, o)).ifPresent(v -> d.networkMode = v);
        profile.table("limits").map(s -> s.known(LIMITS)).ifPresent(s -> applyLimits(s, d));
        profile.table("monitoring").map(s -> s.known(MONITORING)).ifPresent(s -> applyMonitoring(s, d));
        applyEnvironmentAndMounts(profile, d);
    }

    private static void applyLimits(Section s, Draft d) {
        s.string("cpu", Values::cpu).ifPresent(v -> d.cpu = v);
        s.string("memory", Values::memory).ifPresent(v -> d.memory = v);
        s.string("duration", Values::duration).ifPresent(v -> d.duration = v);
        s.string("cpu_allowance", Values::cpuAllowance).ifPresent(v -> d.cpuAllowance = v);
        s.bool("swap").ifPresent(v -> d.swap = v);
        s.integer("processes", 16).ifPresent(v -> d.processes = v);
        s.string("disk_read", Values::diskRate).ifPresent(v -> d.diskRead = v);
        s.string("disk_write", Values::diskRate).ifPresent(v -> d.diskWrite = v);
        s.string("disk_size", Values::diskSize).ifPresent(v -> d.diskSize = v);
    }

    private static void applyMonitoring(Section s, Draft d) {
        s.bool("enabled").ifPresent(v -> d.monitoring = v);
        s.bool("auto_pause_on_high").ifPresent(v -> d.autoPauseOnHigh = v);
        s.bool("auto_kill_on_critical").ifPresent(v -> d.autoKillOnCritical = v);
        s.integer("file_read_threshold_mb", 1).ifPresent(v -> d.fileReadThresholdMb = v);
        s.integer("file_write_threshold_mb", 1).ifPresent(v -> d.fileWriteThresholdMb = v);
        s.integer("process_count_threshold", 1).ifPresent(v -> d.processCountThreshold = v);
        s.integer("process_spawn_rate_threshold", 1).ifPresent(v -> d.processSpawnRateThreshold = v);
        s.ports("suspicious_ports").ifPresent(v -> d.suspiciousPorts = v);
        s.integer("audit_log_retention_days", 1).ifPresent(v -> d.auditLogRetentionDays = v);
    }

    private static void applyEnvironmentAndMounts(Section s, Draft d) {
        d.environment.putAll(s.stringMap("environment", Values::envName));
        for (Section m : s.tables("mounts")) {
            m.known(MOUNT);
            Path host = m.path("host").orElseThrow(() -> m.missing("host"));
            String container = m.string("container", Values::containerPath).orElseThrow(() -> m.missing("container"));
            d.mounts.add(new Mount(host, container, m.bool("readonly").orElse(false)));
        }
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read config file " + file + ": permission denied: make it readable (chmod u+r)", e);
        } catch (IOException e) {
            // the JDK's messages are often just the path ("/x/.coi.toml") or "Is a directory"
            String why = e.getMessage() == null || e.getMessage().equals(file.toString()) ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConfigException("cannot read config file " + file + ": " + why + ": it must be a readable UTF-8 TOML file", e);
        }
    }

    /** The file's tree: read by {@link TomlTree#simple} where it can, else by tomlj, whose errors name file, line and column. */
    private static TomlTree.Table parse(Path file, byte[] content) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text (TOML files are UTF-8): save it as UTF-8", e);
        }
        return TomlTree.parse(file, text, "");
    }
}
