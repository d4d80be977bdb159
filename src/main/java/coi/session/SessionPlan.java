package coi.session;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything `coi shell`/`coi run` will do, computed before anything is done: a plain value,
 * unit-tested without a daemon and printable with `--dry-run --format json`.
 */
public record SessionPlan(
        String container,
        int slot,
        String workspace,
        String image,
        String kind,
        String sessionId,
        boolean resumed,
        boolean persistent,
        String tool,
        List<String> toolCommand,
        Map<String, String> config,
        Map<String, Map<String, String>> devices,
        Path stateDir,
        String stateMount,
        String tmuxSession,
        String networkMode,
        String ownership) {

    public static final String CODE_HOME = "/home/code";
    public static final String WORKSPACE_MOUNT = "/workspace";

    public SessionPlan {
        toolCommand = List.copyOf(toolCommand);
        config = Map.copyOf(config);
        devices = Map.copyOf(devices);
    }

    /** The same session in another container (a claimed pool member) with that container's NIC. */
    public SessionPlan withContainer(String name, Map<String, String> eth0) {
        Map<String, Map<String, String>> devs = new java.util.LinkedHashMap<>(devices);
        devs.put("eth0", eth0);
        return new SessionPlan(name, slot, workspace, image, kind, sessionId, resumed, persistent, tool,
                toolCommand, config, devs, stateDir, stateMount, tmuxSession, networkMode, ownership);
    }

    public SessionPlan withLabel(String key, String value) {
        Map<String, String> cfg = new java.util.TreeMap<>(config);
        cfg.put(key, value);
        return new SessionPlan(container, slot, workspace, image, kind, sessionId, resumed, persistent, tool,
                toolCommand, cfg, devices, stateDir, stateMount, tmuxSession, networkMode, ownership);
    }
}
