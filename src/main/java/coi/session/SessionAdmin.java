package coi.session;

import coi.CoiException;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import coi.incus.Retries;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** list, info, shutdown, kill, clean and persist: the session commands that manage what runs. */
public final class SessionAdmin {
    private final IncusClient incus;
    private final SessionStore store;
    private final String prefix;
    private final Finalizer finalizer;
    private final Fencing fencing;

    public SessionAdmin(IncusClient incus, SessionStore store, String prefix, Fencing fencing) {
        this.incus = incus;
        this.store = store;
        this.prefix = prefix;
        this.finalizer = new Finalizer(incus, store);
        this.fencing = fencing;
    }

    /**
     * One line of `coi list`. {@code alias} is an alias of the image the container came from (null
     * when the image has none); session, tool, network and slot are null/0 for a container coi did
     * not label (made by hand or by another coi under coi's prefix). {@code frozenBy}: why the
     * monitor froze it, while it is frozen.
     */
    public record Entry(String name, String status, boolean persistent, String mode, String workspace, String image,
                        String alias, String ipv4, String created, String session, String tool, String network, int slot,
                        long blocked, Map<String, String> limits, boolean monitored, String frozenBy) {}

    /**
     * coi's containers, after ending any session whose container went away meanwhile (no zombies).
     * The listing comes without state, which the daemon gathers for every running instance, coi's
     * or not; only coi's that are up are then asked for theirs (their address).
     */
    public List<Entry> list() {
        List<Model.Instance> all = incus.instancesWithoutState();
        coi.Trace.mark("list: answered");
        finalizer.sweep(all);
        List<Model.Instance> instances = coiInstances(all).stream().map(this::withState).toList();
        Map<String, String> aliases = instances.isEmpty() ? Map.of() : aliasesByFingerprint();
        List<Entry> entries = new ArrayList<>();
        for (Model.Instance i : instances) {
            String ip = i.state() == null ? null : i.state().ipv4();
            String network = i.configValue(Labels.NETWORK);
            boolean persistent = persistent(i);
            entries.add(new Entry(i.name(), i.status(), persistent, persistent ? "persistent" : "ephemeral",
                    i.configValue(Labels.WORKSPACE), imageOf(i), aliases.get(i.configValue("volatile.base_image")), ip, i.createdAt(),
                    i.configValue(Labels.SESSION), i.configValue(Labels.TOOL), network,
                    parseSlot(i.configValue(Labels.SLOT)), network == null || "open".equals(network) ? 0 : fencing.blocked(i.name()),
                    Hardening.inForce(i.config(), i.devices() == null ? null : i.devices().get("root")),
                    i.configValue(Labels.MONITOR) != null, "Frozen".equals(i.status()) ? i.configValue(Labels.FROZEN_BY) : null));
        }
        return entries;
    }

    /**
     * The instance with its state when it has one worth asking for (a stopped one has no address); none when it went
     * meanwhile, or when the daemon cannot read it: incusd answers "Invalid PID" for a container that is stopping (an
     * ephemeral one just after its `coi run`), and one such container must not fail the listing of the others.
     */
    private Model.Instance withState(Model.Instance i) {
        if ("Stopped".equals(i.status())) return i;
        try {
            return i.withState(incus.instanceState(i.name()));
        } catch (IncusException e) {
            // not reached at all (no status): the listing fails as any other call would
            if (e.status() == 0) throw e;
            return i;
        }
    }

    /** coi's label when it set one, otherwise what Incus says (a container made by hand or by another coi). */
    static boolean persistent(Model.Instance i) {
        String label = i.configValue(Labels.PERSISTENT);
        return label == null ? !i.ephemeral() : "true".equals(label);
    }

    /** The first alias of each image, by fingerprint (versioned aliases sort after the plain one). */
    private Map<String, String> aliasesByFingerprint() {
        Map<String, String> aliases = new java.util.HashMap<>();
        for (Model.Image image : incus.images()) {
            if (image.aliases() == null) continue;
            // a loop, not Comparator.comparing(...).thenComparing(...): those spin classes at their first use (`coi list`)
            String first = null;
            for (Model.Image.Alias alias : image.aliases()) {
                String a = alias.name();
                if (first == null || a.length() < first.length() || a.length() == first.length() && a.compareTo(first) < 0) first = a;
            }
            if (first != null) aliases.put(image.fingerprint(), first);
        }
        return aliases;
    }

    public List<SessionMetadata> savedSessions() {
        return store.all();
    }

    /** `coi info`: a saved session by id, or the newest of this workspace. */
    public Map<String, Object> info(String sessionId, Workspace ws) {
        finalizer.sweep();
        SessionMetadata m;
        if (sessionId != null) {
            // a well-formed id naming nothing is not found (exit 1, as the original and `coi kill NAME`), not a usage error
            m = store.find(sessionId).orElseThrow(() -> new CoiException("unknown session id " + sessionId + ": `coi list --all` shows the saved sessions"));
        } else {
            m = store.all().stream().filter(s -> ws.path().toString().equals(s.workspace()))
                    .max(java.util.Comparator.comparing(SessionMetadata::savedAt))
                    .orElseThrow(() -> new CoiException("no saved session for " + ws + ": `coi list --all` shows all of them"));
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("session_id", m.sessionId());
        info.put("tool", m.tool());
        info.put("workspace", m.workspace());
        info.put("container_name", m.containerName());
        info.put("persistent", m.persistent());
        info.put("status", m.status());
        info.put("created_at", m.createdAt());
        info.put("saved_at", m.savedAt());
        if (m.stoppedBy() != null) info.put("stopped_by", m.stoppedBy());
        info.put("directory", store.dir(m.tool(), m.sessionId()).toString());
        info.put("container_status", incus.findInstance(m.containerName())
                .filter(i -> m.sessionId().equals(i.configValue(Labels.SESSION))).map(Model.Instance::status).orElse("gone"));
        info.put("resume", "coi shell --workspace " + m.workspace() + " --tool " + m.tool() + " --resume " + m.sessionId());
        return info;
    }

    /** Graceful stop within {@code timeout} seconds (or at once with force), session saved, container deleted. */
    public List<String> shutdown(List<String> names, int timeout, boolean force) {
        List<String> done = new ArrayList<>();
        for (String name : names) {
            Model.Instance instance = coiInstance(name);
            if (instance.running()) {
                try {
                    incus.stop(name, timeout, force);
                } catch (IncusException.NotFound gone) {
                    // ephemeral: stopping already removed it
                } catch (IncusException e) {
                    // an ephemeral instance is deleted as it stops: its stop operation may then fail though the stop happened
                    if (incus.findInstance(name).map(i -> !i.running()).orElse(true)) {
                        end(name);
                        done.add(name);
                        continue;
                    }
                    if (!force) throw new CoiException(name + " did not stop within " + timeout + " s (" + e.getMessage()
                            + "): `coi shutdown --force " + name + "` or `coi kill " + name + "`");
                    throw e;
                }
            }
            end(name);
            done.add(name);
        }
        return done;
    }

    /** Immediate stop and delete; the session metadata is still marked ended. */
    public List<String> kill(List<String> names) {
        List<String> done = new ArrayList<>();
        for (String name : names) {
            coiInstance(name);
            Retries.delete(incus, name);
            fencing.remove(name);
            finalizer.endedByName(name);
            done.add(name);
        }
        return done;
    }

    /** Makes running ephemeral sessions persistent: Incus keeps them when they stop. */
    public List<String> persist(List<String> names) {
        List<String> done = new ArrayList<>();
        for (String name : names) {
            Model.Instance instance = coiInstance(name);
            if ("true".equals(instance.configValue(Labels.PERSISTENT))) continue;
            incus.updateInstance(name, inst -> {
                inst.put("ephemeral", false);
                inst.with("config").put(Labels.PERSISTENT, "true");
                return inst;
            });
            String tool = instance.configValue(Labels.TOOL), id = instance.configValue(Labels.SESSION);
            if (tool != null && id != null) store.update(tool, id, m -> m.withPersistent(true));
            done.add(name);
        }
        return done;
    }

    /** What `coi clean` would remove: stopped coi containers and `coi run` containers whose coi died. */
    public List<String> leftovers() {
        List<String> names = new ArrayList<>();
        for (Model.Instance i : coiInstances()) {
            if (!i.running() && !"Frozen".equals(i.status())) names.add(i.name());
            else if ("run".equals(i.configValue(Labels.KIND)) && !Owner.alive(i.configValue(Labels.OWNER))) names.add(i.name());
            // a pool member whose filler or claimer died half-way
            else if (coi.pool.Pool.member(i) && !coi.pool.Pool.READY.equals(i.configValue(coi.pool.Pool.STATE))
                    && !Owner.alive(i.configValue(coi.pool.Pool.OWNER))) names.add(i.name());
        }
        return names;
    }

    /** Removes the given leftovers, then the network rules of every container that no longer exists. */
    public List<String> clean(List<String> names) {
        // a launch killed before it took its protected view down leaves it mounted
        ProtectedView views = views();
        for (String name : names) {
            Retries.delete(incus, name);
            finalizer.endedByName(name);
            views.remove(ProtectedView.path(store.root(), name));
        }
        finalizer.sweep();
        return List.copyOf(names);
    }

    /** The views left mounted by a coi killed mid-launch whose container is gone by now (see {@link ViewSweep}); returns their containers. */
    public List<String> cleanOrphanViews() {
        return new ViewSweep(incus, views(), store.root(), prefix).sweep(null);
    }

    private static ProtectedView views() {
        return ProtectedView.onHost("root".equals(System.getProperty("user.name")) ? 0 : -1);
    }

    /** The placeholders of workspaces no container is left in (see {@link Placeholders}); returns their paths. */
    public List<String> cleanPlaceholders() {
        return Placeholders.sweep(store.root(), null, incus::instancesOfAllProjects, java.time.Duration.ZERO);
    }

    /** `coi clean`: what the agents wrote in nested git repositories of workspaces, moved aside (see {@link GitGuard}). */
    public List<GitGuard.Quarantined> cleanGit() {
        return GitGuard.checkAll(store.root(), incus::instancesOfAllProjects);
    }

    /**
     * `coi container mount` of a host folder, writable, into a session's container: from now the agent can write it too, so
     * it gets a git window as a `--mount` folder does, checked with the session's workspace (see {@link GitGuard}). Another
     * container is none of coi's sessions: nothing to do.
     */
    public void mountingBeside(String container, java.nio.file.Path source) {
        String workspace = incus.findInstance(container).map(i -> i.configValue(Labels.WORKSPACE)).orElse(null);
        if (workspace != null) GitGuard.mountedBeside(store.root(), java.nio.file.Path.of(workspace), source.toAbsolutePath());
    }

    public java.util.Set<String> cleanOrphanRules() {
        return fencing.removeOrphans(store.root());
    }

    /** Saved sessions no container uses any more. */
    public List<SessionMetadata> endedSessions() {
        finalizer.sweep();
        return store.all().stream().filter(m -> !"running".equals(m.status())).toList();
    }

    public void deleteSessions(List<SessionMetadata> sessions) {
        sessions.forEach(store::delete);
    }

    /** All running coi containers (for --all). */
    public List<String> runningNames() {
        return coiInstances().stream().filter(Model.Instance::running).map(Model.Instance::name).toList();
    }

    public List<String> allNames() {
        return coiInstances().stream().map(Model.Instance::name).toList();
    }

    private void end(String name) {
        Optional<Model.Instance> now = incus.findInstance(name);
        if (now.isPresent()) {
            finalizer.ended(now.get());
            if (incus.findInstance(name).isPresent()) Retries.delete(incus, name);
        }
        fencing.remove(name);
        finalizer.endedByName(name);
    }

    private List<Model.Instance> coiInstances() {
        return coiInstances(incus.instances());
    }

    private List<Model.Instance> coiInstances(List<Model.Instance> all) {
        return all.stream()
                .filter(i -> i.name().startsWith(prefix))
                .sorted((a, b) -> a.name().compareTo(b.name())).toList();   // not Comparator.comparing: see SessionStore.BY_SAVED
    }

    /** As in the original, a container is coi's when its name carries coi's prefix; labels only add detail. */
    private Model.Instance coiInstance(String name) {
        if (!name.startsWith(prefix)) throw notCoi(name, prefix);
        return incus.findInstance(name).orElseThrow(() ->
                new CoiException("container " + name + " not found: `coi list` shows the sessions"));
    }

    static CoiException notCoi(String name, String prefix) {
        return new CoiException(name + " is not a coi container (its name does not start with '" + prefix
                + "', COI_CONTAINER_PREFIX): coi leaves it alone, use `incus` directly");
    }


    private static String imageOf(Model.Instance i) {
        Map<String, String> cfg = i.config() == null ? Map.of() : i.config();
        return cfg.getOrDefault("image.description", cfg.getOrDefault("volatile.base_image", "").substring(0, Math.min(12, cfg.getOrDefault("volatile.base_image", "").length())));
    }

    private static int parseSlot(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
