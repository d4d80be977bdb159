package coi.session;

import coi.network.BridgeFacts;
import coi.network.NetworkPolicy;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything `coi shell`/`coi run` will do, computed before anything is done: a plain value,
 * unit-tested without a daemon and printable with `--dry-run --format json`. Applying it (the
 * {@link Launcher}'s steps) reads only this value: the network policy was validated while
 * planning, code's uid/gid, whether the container is created or an existing one reused, the
 * limits, the protected paths and what to fence are all here.
 *
 * @param network      the validated network policy; {@link #fenced()} says whether host rules go in
 * @param bridge       the bridge the fenced NIC (device eth0) plugs into; null when not fenced
 * @param code         the uid/gid every exec, tmux, attach and file write of the session runs as
 * @param protection   the workspace paths mounted read-only or pinned inside
 * @param disposition  create a container, or reuse an existing persistent one (started if stopped)
 * @param limitDuration `--limit-duration`, or null: the watcher stops the container when it is up
 * @param monitored    `--monitor`: the launch waits until the supervisor watches the container
 * @param seedToolState a new tool state dir gets the host's tool settings ([tool] mount_claude_config)
 * @param storageDir   the `--storage` folder to create on the host, or null
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
        @JsonIgnore NetworkPolicy network,
        @JsonIgnore BridgeFacts bridge,
        String ownership,
        CodeUser code,
        Protection protection,
        Disposition disposition,
        @JsonIgnore Duration limitDuration,
        boolean monitored,
        boolean seedToolState,
        Path storageDir) {

    public static final String CODE_HOME = "/home/code";
    public static final String WORKSPACE_MOUNT = "/workspace";

    /** What happens to the container: made anew, or a persistent one of this workspace used again. */
    public enum Disposition {
        /** A new container, created stopped, fenced, then started. */
        CREATE,
        /** A stopped persistent container: its fence goes in again, then it starts. */
        START_EXISTING,
        /** A running persistent container: joined as it is. */
        JOIN_RUNNING
    }

    public SessionPlan {
        toolCommand = List.copyOf(toolCommand);
        config = Map.copyOf(config);
        devices = Map.copyOf(devices);
    }

    /** Whether host rules fence this container: decided here, from the plan's policy, and nowhere else. */
    @JsonProperty("fenced")
    public boolean fenced() {
        return network.fenced();
    }

    @JsonProperty("network_mode")
    public String networkMode() {
        return network.mode();
    }

    /** The allowlist entries as they will be resolved (empty outside allowlist mode). */
    @JsonProperty("allowlist")
    public List<String> allowlist() {
        return network instanceof NetworkPolicy.Allowlist list ? list.entries().stream().map(Object::toString).toList() : List.of();
    }

    /** `--limit-duration` as ISO-8601 (PT2H), or null. */
    @JsonProperty("limit_duration")
    public String limitDurationText() {
        return limitDuration == null ? null : limitDuration.toString();
    }

    /** Whether the launch makes a container (else it reuses {@link #container()}). */
    public boolean creates() {
        return disposition == Disposition.CREATE;
    }

    /** The same session in another container (a claimed pool member) with that container's NIC. */
    public SessionPlan withContainer(String name, Map<String, String> eth0) {
        Map<String, Map<String, String>> devs = new TreeMap<>(devices);
        devs.put("eth0", eth0);
        // the tool's tmux session goes by the container's name: `coi attach NAME` finds it from the name alone
        return new SessionPlan(name, slot, workspace, image, kind, sessionId, resumed, persistent, tool, toolCommand, config,
                devs, stateDir, stateMount, ContainerName.tmuxSession(name), network, bridge, ownership, code, protection, disposition, limitDuration,
                monitored, seedToolState, storageDir);
    }

    public SessionPlan withLabel(String key, String value) {
        Map<String, String> cfg = new TreeMap<>(config);
        cfg.put(key, value);
        return new SessionPlan(container, slot, workspace, image, kind, sessionId, resumed, persistent, tool, toolCommand, cfg,
                devices, stateDir, stateMount, tmuxSession, network, bridge, ownership, code, protection, disposition, limitDuration,
                monitored, seedToolState, storageDir);
    }

    /**
     * This plan applied to an existing persistent container: its network policy, NIC and code
     * user (from its labels and devices) stay what they were at creation, whatever the config says now.
     */
    public SessionPlan reusing(Disposition how, NetworkPolicy createdWith, BridgeFacts bridgeNow, Map<String, String> eth0,
                               List<String> command, CodeUser createdAs) {
        Map<String, Map<String, String>> devs = new TreeMap<>(devices);
        if (eth0 == null) devs.remove("eth0");
        else devs.put("eth0", eth0);
        return new SessionPlan(container, slot, workspace, image, kind, sessionId, resumed, persistent, tool, command, config,
                devs, stateDir, stateMount, tmuxSession, createdWith, bridgeNow, ownership, createdAs, protection, how, limitDuration,
                monitored, seedToolState, storageDir);
    }
}
