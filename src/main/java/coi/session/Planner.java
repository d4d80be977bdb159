package coi.session;

import coi.CoiException;
import coi.UsageException;
import coi.config.Config;
import coi.config.Mount;
import coi.network.ContainerNic;
import coi.network.NetworkPolicy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Config + request + host facts -> {@link SessionPlan}. Pure: no daemon, no file system. */
public final class Planner {
    /** Where `--storage PATH` (or `[paths] storage_dir`) appears: space that outlives every session. */
    public static final String STORAGE_MOUNT = "/storage";
    /** Where `--ssh-agent` puts the host agent's socket inside the container. */
    public static final String SSH_AGENT_SOCKET = SessionPlan.CODE_HOME + "/.ssh-agent.sock";

    private Planner() {}

    /**
     * @param kind       "shell" (a tool session in tmux) or "run" (one command)
     * @param slot       the requested slot, or null for the lowest free one
     * @param tool       the tool to launch; null for `run`
     * @param stateDir   host directory holding the tool's state, mounted live; null for `run`
     */
    public static SessionPlan plan(Workspace workspace, Config config, String kind, Integer slot, String sessionId,
                                   boolean resumed, ToolLaunch tool, Path stateDir, Path sessionsRoot, HostFacts facts) {
        NetworkPolicy network = policy(config);
        ContainerName name = ContainerName.of(facts.prefix(), workspace, slot != null ? slot : lowestFreeSlot(workspace, facts));
        Ownership ownership = Ownership.choose(facts);

        Map<String, String> cfg = new TreeMap<>();
        cfg.put(Labels.WORKSPACE, workspace.path().toString());
        if (facts.protection().folder() != null) cfg.put(Labels.WORKSPACE_FOLDER, facts.protection().folder());
        cfg.put(Labels.KIND, kind);
        cfg.put(Labels.SLOT, Integer.toString(name.slot()));
        cfg.put(Labels.PERSISTENT, Boolean.toString(config.persistent()));
        cfg.put(Labels.NETWORK, network.mode());
        CodeUser code = new CodeUser(facts.codeUid(), facts.codeUid());
        // the ids, not the record's equals: its first call costs a fresh JVM milliseconds (see Prefetch#sameDaemon)
        if (code.uid() != CodeUser.DEFAULT.uid() || code.gid() != CodeUser.DEFAULT.gid()) cfg.put(Labels.CODE_UID, Integer.toString(code.uid()));
        cfg.put(Labels.SESSIONS_ROOT, sessionsRoot.toString());
        if (sessionId != null) cfg.put(Labels.SESSION, sessionId);
        if (tool != null) cfg.put(Labels.TOOL, tool.name());
        // Docker inside the container needs nesting; it grants no access to the host's daemon.
        cfg.put("security.nesting", "true");
        ownership.applyTo(cfg);
        Hardening.configure(config, cfg);
        config.limits().duration().ifPresent(v -> cfg.put(Labels.LIMIT_DURATION, v.toString()));
        if (config.monitoring().enabled()) cfg.put(Labels.MONITOR, MonitorLabel.encode(config.monitoring()));
        Map<String, String> env = new TreeMap<>(config.environment());
        if (tool != null) env.putAll(tool.environment());
        env.put("HOME", SessionPlan.CODE_HOME);
        env.put("USER", "code");
        env.put("TMUX_TMPDIR", SessionPlan.CODE_HOME + "/.tmux");
        // Node ignores the system store: the image's CA bundle includes any extra CAs the build trusted
        env.putIfAbsent("NODE_EXTRA_CA_CERTS", "/etc/ssl/certs/ca-certificates.crt");
        env.forEach((k, v) -> cfg.put("environment." + k, v));

        Map<String, Map<String, String>> devices = new LinkedHashMap<>();
        List<String> readOnly = facts.protection().readOnly();
        if (readOnly.isEmpty() || !facts.protection().locked()) {
            devices.put("workspace", ownership.disk(workspace.path().toString(), SessionPlan.WORKSPACE_MOUNT, false));
            protectWithDevices(workspace, facts.protection(), ownership, devices);
        } else {
            // the workspace comes in through its protected view, submounts and all (see ProtectedView)
            Map<String, String> view = ownership.disk(ProtectedView.path(sessionsRoot, name.value()).toString(),
                    SessionPlan.WORKSPACE_MOUNT, false);
            view.put("recursive", "true");
            devices.put("workspace", view);
        }
        if (!readOnly.isEmpty()) cfg.put(Labels.PROTECTED, String.join(",", readOnly));
        String stateMount = null;
        if (tool != null && stateDir != null) {
            stateMount = SessionPlan.CODE_HOME + "/" + tool.stateDir();
            devices.put("tool-state", ownership.disk(stateDir.toString(), stateMount, false));
        }
        if (network.fenced()) {
            if (facts.bridge() == null) throw new IllegalStateException("a fenced network mode needs the bridge facts");
            ContainerNic nic = ContainerNic.plan(name.value(), facts.bridge(), facts.takenAddresses());
            devices.put("eth0", nic.device(facts.bridge()));
        }
        if (network instanceof NetworkPolicy.Allowlist list) {
            cfg.put(Labels.ALLOWLIST, String.join(",", list.entries().stream().map(Object::toString).toList()));
            cfg.put(Labels.ALLOWLIST_REFRESH, Long.toString(list.refresh().toMinutes()));
        }
        if (facts.sshAgent() != null) {
            // the agent's socket, not the keys: the container can ask it to sign, never read a key
            devices.put("ssh-agent", Map.of("type", "proxy", "bind", "container", "connect", "unix:" + facts.sshAgent(),
                    "listen", "unix:" + SSH_AGENT_SOCKET, "uid", Integer.toString(code.uid()),
                    "gid", Integer.toString(code.gid()), "mode", "0600"));
            cfg.put("environment.SSH_AUTH_SOCK", SSH_AGENT_SOCKET);
        }
        java.util.Optional.ofNullable(Hardening.rootDisk(config)).ifPresent(root -> devices.put("root", root));
        config.paths().storageDir().ifPresent(dir -> devices.put("storage", ownership.disk(dir.toString(), STORAGE_MOUNT, false)));
        int i = 0;
        for (Mount m : config.mounts()) {
            checkMountTarget(m, devices);
            devices.put("mount-" + (++i), ownership.disk(m.host().toString(), m.container(), m.readonly()));
        }
        return new SessionPlan(name.value(), name.slot(), workspace.path().toString(), config.image(), kind, sessionId, resumed,
                config.persistent(), tool == null ? null : tool.name(), tool == null ? java.util.List.of() : tool.command(),
                cfg, devices, stateDir, stateMount, name.tmuxSession(), network,
                network.fenced() ? facts.bridge() : null, ownership.describe(), code, facts.protection(),
                SessionPlan.Disposition.CREATE, config.limits().duration().orElse(null), config.monitoring().enabled(),
                config.mountClaudeConfig(), config.paths().storageDir().orElse(null));
    }

    /**
     * A mount may not land where another disk of the session does (the workspace, the tool's
     * state, an earlier mount): Incus would mount both there, the one hiding the other. Above one
     * is fine (a host folder for code's home, with the state dir mounted inside it).
     */
    private static void checkMountTarget(Mount m, Map<String, Map<String, String>> devices) {
        Path target = Path.of(m.container()).normalize();
        for (var device : devices.entrySet()) {
            String path = device.getValue().get("path");
            if (!"disk".equals(device.getValue().get("type")) || path == null || device.getKey().equals("root")) continue;
            Path other = Path.of(path).normalize();
            if (other.equals(target)) {
                throw new UsageException("mount " + m.host() + ":" + m.container() + " would cover " + other + ", where the session mounts "
                        + device.getKey() + ": mount it at another path in the container");
            }
        }
    }

    /**
     * The network policy from config, validated: a bad allowlist fails the plan, so `--dry-run`
     * fails exactly where the real run would.
     */
    public static NetworkPolicy policy(Config config) {
        try {
            return NetworkPolicy.of(config.network().mode().name(), config.network().allowedDomains(),
                    config.network().refreshIntervalMinutes());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage() + ": set [network] allowed_domains, or pick another --network mode");
        }
    }

    /** Without a protected view: read-only and pinning disk devices, which hold against `code` but not against root inside. */
    private static void protectWithDevices(Workspace workspace, Protection protection, Ownership ownership,
                                           Map<String, Map<String, String>> devices) {
        int p = 0;
        for (String rel : protection.readOnly()) {
            devices.put("protect-" + (++p), ownership.disk(workspace.path().resolve(rel).toString(),
                    SessionPlan.WORKSPACE_MOUNT + "/" + rel, true));
        }
        int pin = 0;
        for (String rel : protection.pinned()) {
            devices.put("pin-" + (++pin), ownership.disk(workspace.path().resolve(rel).toString(),
                    SessionPlan.WORKSPACE_MOUNT + "/" + rel, false));
        }
    }

    static int lowestFreeSlot(Workspace workspace, HostFacts facts) {
        for (int s = ContainerName.MIN_SLOT; s <= ContainerName.MAX_SLOT; s++) {
            if (!facts.existingContainers().contains(ContainerName.of(facts.prefix(), workspace, s).value())) return s;
        }
        throw new CoiException("all " + ContainerName.MAX_SLOT + " slots of " + workspace + " are in use: `coi list` shows them, `coi shutdown NAME` frees one");
    }
}
