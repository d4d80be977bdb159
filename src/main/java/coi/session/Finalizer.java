package coi.session;

import coi.incus.IncusClient;
import coi.incus.Model;
import coi.incus.Retries;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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
            sessions.find(tool, id).filter(m -> "running".equals(m.status())).ifPresent(m -> sessions.save(m.ended(Sessions.now())));
        }
        if (!"true".equals(instance.configValue(Labels.PERSISTENT)) && instance.down()) {
            // Incus may be removing an ephemeral one itself right now: gone is what is asked for
            Retries.delete(incus, instance.name());
        }
    }

    /** A container that no longer exists: end any session still marked as running in it. */
    public void endedByName(String container) {
        for (SessionMetadata m : store.all()) {
            if (container.equals(m.containerName()) && "running".equals(m.status())) store.save(m.ended(Sessions.now()));
        }
    }

    /** Ends every session marked running whose container is gone or down; returns how many. */
    public int sweep() {
        return sweep(incus.instances());
    }

    /** As {@link #sweep()}, given the instances just listed (one listing serves a whole `coi list`). */
    public int sweep(List<Model.Instance> all) {
        // a paused (frozen) container's session is not over
        Set<String> up = all.stream().filter(i -> !i.down()).map(Model.Instance::name).collect(Collectors.toSet());
        int n = 0;
        for (SessionMetadata m : store.all()) {
            if ("running".equals(m.status()) && !up.contains(m.containerName())) {
                store.save(m.ended(Sessions.now()));
                n++;
            }
        }
        return n;
    }

    private SessionStore storeFor(Model.Instance instance) {
        String root = instance.configValue(Labels.SESSIONS_ROOT);
        return root == null || root.equals(store.root().toString()) ? store : new SessionStore(Path.of(root));
    }
}
