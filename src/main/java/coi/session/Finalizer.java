package coi.session;

import coi.incus.IncusClient;
import coi.incus.Instances;
import coi.incus.Model;
import coi.incus.Retries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Ends sessions whose container went down: metadata marked ended with the time, an ephemeral
 * container still lingering in Stopped removed. Idempotent, so coi, its watcher and `coi list`
 * may all call it for the same container.
 */
public final class Finalizer {
    private final IncusClient incus;
    private final SessionStore store;

    public Finalizer(IncusClient incus, SessionStore store) {
        this.incus = incus;
        this.store = store;
    }

    /** A coi session container that exists and is {@linkplain Model.Instance#down down}; any other container is left alone. */
    public void ended(Model.Instance instance) {
        if (instance.configValue(Labels.WORKSPACE) == null) return;
        String tool = instance.configValue(Labels.TOOL), id = instance.configValue(Labels.SESSION);
        if (tool != null && id != null) {
            SessionStore sessions = storeFor(instance);
            sessions.update(tool, id, now -> endIfRunningIn(instance.name(), now));
        }
        if (!"true".equals(instance.configValue(Labels.PERSISTENT)) && instance.down()) {
            // Incus may be removing an ephemeral one itself right now: gone is what is asked for
            Retries.delete(incus, instance.name());
        }
    }

    /** A container that no longer exists: end any session still marked as running in it. */
    public void endedByName(String container) {
        for (SessionMetadata m : store.all()) {
            if (container.equals(m.containerName()) && "running".equals(m.status())) {
                store.update(m.tool(), m.sessionId(), now -> endIfRunningIn(container, now));
            }
        }
    }

    /** Ends every session marked running whose container is gone or down; returns those containers, one for each session ended. */
    public List<String> sweep() {
        return sweep(incus.instances());
    }

    /**
     * As {@link #sweep()}, given the instances just listed (one listing serves a whole `coi list`).
     * A container gone ends its sessions; one that reads down ends them once its stop holds: a
     * reboot inside reads Stopped for a moment (its power record too) before it runs again, and so
     * does a poweroff while Incus tidies up (see {@link Instances#awaitStopped}). That wait comes only
     * for a session still marked running whose container reads down: once, as it is then ended.
     */
    public List<String> sweep(List<Model.Instance> all) {
        // a paused (frozen) container's session is not over
        Map<String, Model.Instance> listed = all.stream().collect(Collectors.toMap(Model.Instance::name, i -> i, (a, b) -> a));
        Map<String, Boolean> over = new HashMap<>();
        List<String> ended = new ArrayList<>();
        for (SessionMetadata m : store.all()) {
            if (!"running".equals(m.status())) continue;
            Model.Instance instance = listed.get(m.containerName());
            boolean ends = instance == null || instance.down() && over.computeIfAbsent(instance.name(),
                    name -> incus.awaitStopped(name, STOP_CONFIRM_WAIT).outcome() == Instances.StopSeen.Outcome.STOPPED);
            if (!ends) continue;
            // counted only when this sweep ended it (another may have, or said who stopped it, meanwhile)
            boolean[] endedHere = {false};
            store.update(m.tool(), m.sessionId(), now -> {
                SessionMetadata after = endIfRunningIn(m.containerName(), now);
                endedHere[0] = after != now;
                return after;
            });
            if (endedHere[0]) ended.add(m.containerName());
        }
        return ended;
    }

    /**
     * Ended now if it still reads running in {@code container} (read under its lock: another may have ended it, said
     * who stopped it, or resumed it in another container meanwhile).
     */
    private static SessionMetadata endIfRunningIn(String container, SessionMetadata m) {
        return "running".equals(m.status()) && (m.containerName() == null || container.equals(m.containerName())) ? m.ended(Sessions.now()) : m;
    }

    /** The most a sweep waits for a container read down to show whether its stop holds. */
    static final Duration STOP_CONFIRM_WAIT = Duration.ofSeconds(5);

    private SessionStore storeFor(Model.Instance instance) {
        String root = instance.configValue(Labels.SESSIONS_ROOT);
        return root == null || root.equals(store.root().toString()) ? store : new SessionStore(Path.of(root));
    }
}
