package coi.cli;

import coi.UsageException;
import coi.config.Config;
import coi.config.Overrides;
import coi.session.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** The session flags shared by `coi shell`, `coi run` and friends (the original coi's globals). */
final class SessionOptions {
    @Option(names = {"-w", "--workspace"}, paramLabel = "DIR", description = "Project folder mounted at /workspace (default: the current folder).")
    Path workspace;

    Integer slot;

    /** 0 is the original's "choose one": the same as leaving --slot out. */
    @Option(names = "--slot", paramLabel = "N", description = "Slot 1-10 (default, or 0: the lowest free one).")
    void slot(int n) {
        slot = n == 0 ? null : n;
    }

    @Option(names = "--persistent", description = "Keep the container (and what is installed in it) after the session.")
    Boolean persistent;

    @Option(names = "--profile", paramLabel = "NAME", description = "A [profiles.NAME] section of the config.")
    String profile;

    @Option(names = "--image", paramLabel = "ALIAS", description = "Image to start from (default: coi).")
    String image;

    @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Environment variable in the container (repeatable;"
            + " -e A=1,B=2 is two, as in the original, when each part is K=V).")
    List<String> env = new ArrayList<>();

    @Option(names = "--forward-env", paramLabel = "A,B", split = ",", description = "Host environment variables to pass in, by name.")
    List<String> forwardEnv = new ArrayList<>();

    @Option(names = "--mount", paramLabel = "HOST:CONTAINER", description = "Extra host folder to mount (repeatable).")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--storage", paramLabel = "PATH", description = "Host folder for persistent storage.")
    String storage;

    @Option(names = "--network", paramLabel = "MODE", description = "restricted (default), allowlist or open.")
    String network;

    @Option(names = "--tool", paramLabel = "NAME", description = "claude (default), opencode, codex or aider.")
    String tool;

    @Option(names = "--ssh-agent", description = "Forward the host's SSH agent (its socket, never the keys) to /home/code/.ssh-agent.sock.")
    boolean sshAgent;

    @Option(names = "--writable-git-hooks", description = "Let the agent change .git/hooks, .git/config and .git/info (read-only by default: the host runs them).")
    boolean writableGitHooks;

    @Option(names = "--monitor", description = "Watch the session from the host for reverse shells, credential scans, exfiltration and "
            + "fork bombs; freeze or stop it on a threat (see `coi audit`).")
    boolean monitor;

    @Option(names = "--limit-cpu", paramLabel = "N", description = "CPU count (2) or set (0-3).") String limitCpu;

    @Option(names = "--limit-cpu-allowance", paramLabel = "SHARE", description = "CPU time: 50%% or 25ms/100ms.") String limitCpuAllowance;

    @Option(names = "--limit-memory", paramLabel = "SIZE", description = "e.g. 4GiB: a process over it is killed inside.") String limitMemory;

    @Option(names = "--limit-swap", paramLabel = "BOOL", description = "false: the container may not swap.") String limitSwap;

    @Option(names = "--limit-processes", paramLabel = "N", description = "Most processes at once (stops a fork bomb).") String limitProcesses;

    @Option(names = "--limit-disk-read", paramLabel = "RATE", description = "Root disk reads per second: 20MB or 1000iops.") String limitDiskRead;

    @Option(names = "--limit-disk-write", paramLabel = "RATE", description = "Root disk writes per second: 20MB or 1000iops.") String limitDiskWrite;

    @Option(names = "--limit-disk-size", paramLabel = "SIZE", description = "Root disk quota, e.g. 10GiB (btrfs, zfs, lvm pools).") String limitDiskSize;

    @Option(names = "--limit-duration", paramLabel = "DURATION", description = "e.g. 2h: the container is stopped after that.")
    String limitDuration;

    Workspace workspace(Context context) {
        return Workspace.of(workspace != null ? workspace : context.cwd());
    }

    /** The host agent's socket when --ssh-agent asks for it. */
    Path sshAgentSocket(Context context) {
        if (!sshAgent) return null;
        String sock = context.env().get("SSH_AUTH_SOCK");
        if (sock == null || sock.isBlank()) throw new UsageException("--ssh-agent: SSH_AUTH_SOCK is not set on the host: start ssh-agent (eval $(ssh-agent)) and add your key first");
        Path path = Path.of(sock);
        if (!Files.exists(path)) throw new UsageException("--ssh-agent: the agent socket " + sock + " does not exist: is ssh-agent running?");
        return path;
    }

    Config config(Context context, Workspace ws) {
        Config config = context.config(ws.path(), overrides(context));
        return monitor ? config.withMonitoring() : config;
    }

    private static final java.util.regex.Pattern PAIRS = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=[^,]*(,[A-Za-z_][A-Za-z0-9_]*=[^,]*)+");

    /**
     * The original reads `-e` as a comma-separated list (`-e A=1,B=2` is two variables); a value
     * whose parts are not all KEY=VALUE keeps its commas (`-e PATHS=a,b` is one).
     */
    static List<String> splitPairs(List<String> given) {
        List<String> pairs = new ArrayList<>();
        for (String value : given) {
            if (PAIRS.matcher(value).matches()) pairs.addAll(List.of(value.split(",")));
            else pairs.add(value);
        }
        return pairs;
    }

    /** The flags' layer of the configuration; a flag that names what is not there fails (a usage error). */
    Overrides overrides(Context context) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String name : forwardEnv) {
            String value = context.env().get(name.trim());
            if (value == null) throw new UsageException("--forward-env " + name + ": the variable is not set on the host");
            environment.put(name.trim(), value);
        }
        environment.putAll(ContainerCommand.envMap(splitPairs(env)));
        Map<String, String> limits = new LinkedHashMap<>();
        if (limitCpuAllowance != null) limits.put("cpu_allowance", limitCpuAllowance);
        if (limitSwap != null) limits.put("swap", limitSwap);
        if (limitProcesses != null) limits.put("processes", limitProcesses);
        if (limitDiskRead != null) limits.put("disk_read", limitDiskRead);
        if (limitDiskWrite != null) limits.put("disk_write", limitDiskWrite);
        if (limitDiskSize != null) limits.put("disk_size", limitDiskSize);
        return new Overrides(image, persistent, tool, network, profile, environment, mounts, storage,
                limitCpu, limitMemory, limitDuration, limits);
    }
}
