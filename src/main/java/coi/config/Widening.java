package coi.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What only the user may grant. Each check compares the configuration the user's own layers
 * give ({@code mine}: system, user, $COI_CONFIG, environment, flags) with the one every layer
 * gives ({@code all}: the project's `.coi.toml` too) and names the keys by which the project's
 * file widens the sandbox. Narrowing (a tighter limit, a narrower network mode, a new limit,
 * plain environment values, another image or tool) needs no trust. A new setting that can widen
 * is one more {@code key(...)} line in {@link #CHECKS}.
 */
public final class Widening {
    private interface Check {
        Stream<String> keys(Config mine, Config all);
    }

    /**
     * Environment that redirects where a tool sends its requests and credentials, or what code
     * runs: a repository that sets these can collect the user's API key or inject code.
     */
    private static final Pattern REDIRECTS = Pattern.compile("(?i)"
            + ".*_(BASE_URL|API_BASE|API_URL|URL|ENDPOINT|HOST|PROXY|API_KEY|AUTH_TOKEN|TOKEN|CA_BUNDLE|CERT_FILE|CERT_DIR)"
            + "|(ANTHROPIC|OPENAI|AZURE_OPENAI|AZURE|CLAUDE|CLAUDE_CODE|CODEX|OPENCODE|AIDER|GEMINI|GOOGLE|AWS|OLLAMA|OPENROUTER|LITELLM)_.*"
            + "|.*PROXY|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|NODE_TLS_REJECT_UNAUTHORIZED|LD_PRELOAD|LD_LIBRARY_PATH|BASH_ENV|ENV"
            + "|PYTHONSTARTUP|PYTHONPATH|PERL5OPT|RUBYOPT|JAVA_TOOL_OPTIONS|GIT_SSL_NO_VERIFY|GIT_SSH_COMMAND|GIT_CONFIG_.*");

    private static final List<Check> CHECKS = List.of(
            key("[[mounts]]", (mine, all) -> !mine.mounts().containsAll(all.mounts())),
            key("paths.storage_dir", (mine, all) -> all.paths().storageDir().isPresent()
                    && !all.paths().storageDir().equals(mine.paths().storageDir())),
            key("paths.sessions_dir", (mine, all) -> !all.paths().sessionsDir().equals(mine.paths().sessionsDir())),
            key("[incus]", (mine, all) -> !all.incus().equals(mine.incus())),
            key("defaults.mount_claude_config", (mine, all) -> all.mountClaudeConfig() && !mine.mountClaudeConfig()),
            key("network.mode", (mine, all) -> width(all.network().mode()) > width(mine.network().mode())),
            key("network.allowed_domains", (mine, all) -> mine.network().mode() == NetworkMode.ALLOWLIST
                    && all.network().mode() == NetworkMode.ALLOWLIST
                    && !mine.network().allowedDomains().containsAll(all.network().allowedDomains())),
            (mine, all) -> all.environment().entrySet().stream()
                    .filter(e -> REDIRECTS.matcher(e.getKey()).matches() && !e.getValue().equals(mine.environment().get(e.getKey())))
                    .map(e -> "environment." + e.getKey()),
            key("limits.cpu", (mine, all) -> looser(mine.limits().cpu(), all.limits().cpu())),
            key("limits.cpu_allowance", (mine, all) -> looser(mine.limits().cpuAllowance(), all.limits().cpuAllowance())),
            key("limits.memory", (mine, all) -> looser(mine.limits().memory(), all.limits().memory())),
            key("limits.swap", (mine, all) -> mine.limits().swap().equals(Optional.of(false))
                    && !all.limits().swap().equals(Optional.of(false))),
            key("limits.processes", (mine, all) -> looser(mine.limits().processes().map(String::valueOf),
                    all.limits().processes().map(String::valueOf))),
            key("limits.disk_read", (mine, all) -> looser(mine.limits().diskRead(), all.limits().diskRead())),
            key("limits.disk_write", (mine, all) -> looser(mine.limits().diskWrite(), all.limits().diskWrite())),
            key("limits.disk_size", (mine, all) -> looser(mine.limits().diskSize(), all.limits().diskSize())),
            key("limits.duration", (mine, all) -> mine.limits().duration().isPresent()
                    && all.limits().duration().map(Duration::toSeconds).orElse(Long.MAX_VALUE) > mine.limits().duration().get().toSeconds()),
            // warm containers run on the user's machine: how many is the user's call
            key("pool.size", (mine, all) -> all.pool().size() > mine.pool().size()),
            key("security.protected_paths", (mine, all) -> !all.security().protectedPaths().containsAll(mine.security().protectedPaths())),
            key("security.reduce_kernel_surface", (mine, all) -> mine.security().reduceKernelSurface()
                    && !all.security().reduceKernelSurface()),
            // a monitor the user turned on may not be switched off, blunted or made to look away by the project
            key("monitoring.enabled", (mine, all) -> mine.monitoring().enabled() && !all.monitoring().enabled()),
            key("monitoring.auto_pause_on_high", (mine, all) -> mine.monitoring().autoPauseOnHigh() && !all.monitoring().autoPauseOnHigh()),
            key("monitoring.auto_kill_on_critical", (mine, all) -> mine.monitoring().autoKillOnCritical()
                    && !all.monitoring().autoKillOnCritical()),
            key("monitoring.file_read_threshold_mb", (mine, all) -> all.monitoring().fileReadThresholdMb() > mine.monitoring().fileReadThresholdMb()),
            key("monitoring.file_write_threshold_mb", (mine, all) -> all.monitoring().fileWriteThresholdMb()
                    > mine.monitoring().fileWriteThresholdMb()),
            key("monitoring.process_count_threshold", (mine, all) -> all.monitoring().processCountThreshold()
                    > mine.monitoring().processCountThreshold()),
            key("monitoring.process_spawn_rate_threshold", (mine, all) -> all.monitoring().processSpawnRateThreshold()
                    > mine.monitoring().processSpawnRateThreshold()),
            key("monitoring.suspicious_ports", (mine, all) -> !all.monitoring().suspiciousPorts().containsAll(mine.monitoring().suspiciousPorts())),
            key("monitoring.audit_log_retention_days", (mine, all) -> all.monitoring().auditLogRetentionDays()
                    < mine.monitoring().auditLogRetentionDays()));

    private Widening() {}

    /** The keys by which {@code all} is wider than {@code mine}, in a stable order; empty when it is not. */
    public static List<String> between(Config mine, Config all) {
        return CHECKS.stream().flatMap(c -> c.keys(mine, all)).distinct().toList();
    }

    private static Check key(String key, BiPredicate<Config, Config> widens) {
        return (mine, all) -> widens.test(mine, all) ? Stream.of(key) : Stream.empty();
    }

    /** allowlist < restricted < open. */
    private static int width(NetworkMode mode) {
        return switch (mode) {
            case ALLOWLIST -> 0;
            case RESTRICTED -> 1;
            case OPEN -> 2;
        };
    }

    /** A limit is looser when it is removed or grows; values in different units count as looser unless equal. */
    private static boolean looser(Optional<String> mine, Optional<String> all) {
        if (mine.isEmpty() || mine.equals(all)) return false;
        if (all.isEmpty()) return true;
        Optional<Amount> before = Amount.parse(mine.get());
        Optional<Amount> after = Amount.parse(all.get());
        return before.isEmpty() || after.isEmpty() || !before.get().unit().equals(after.get().unit())
                || after.get().value() > before.get().value();
    }

    /** A limit's value in a comparable unit: bytes, percent, iops, count. */
    record Amount(double value, String unit) {
        private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kKMGTPE]?)(i?)B?");
        private static final String POWERS = "KMGTPE";

        static Optional<Amount> parse(String v) {
            if (v.endsWith("%")) return Optional.of(new Amount(Double.parseDouble(v.substring(0, v.length() - 1)), "percent"));
            if (v.endsWith("iops")) return Optional.of(new Amount(Double.parseDouble(v.substring(0, v.length() - 4)), "iops"));
            var slice = Pattern.compile("([0-9]+)ms/([0-9]+)ms").matcher(v);
            if (slice.matches()) {
                return Optional.of(new Amount(100.0 * Long.parseLong(slice.group(1)) / Long.parseLong(slice.group(2)), "percent"));
            }
            if (v.matches("[0-9]+([-,][0-9]+)+")) return Optional.of(new Amount(cpuSetSize(v), "count"));
            var size = SIZE.matcher(v);
            if (!size.matches()) return Optional.empty();
            if (size.group(2).isEmpty() && !v.endsWith("B")) return Optional.of(new Amount(Double.parseDouble(size.group(1)), "count"));
            int power = size.group(2).isEmpty() ? 0 : POWERS.indexOf(size.group(2).toUpperCase()) + 1;
            double base = size.group(3).isEmpty() ? 1000 : 1024;
            return Optional.of(new Amount(Double.parseDouble(size.group(1)) * Math.pow(base, power), "bytes"));
        }

        private static int cpuSetSize(String set) {
            int n = 0;
            for (String part : set.split(",")) {
                String[] range = part.split("-");
                n += range.length == 1 ? 1 : Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
            }
            return n;
        }
    }
}
