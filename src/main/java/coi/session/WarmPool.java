package coi.session;

import coi.Trace;
import coi.config.Config;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import coi.incus.Retries;
import coi.network.BridgeFacts;
import coi.pool.Fit;
import coi.pool.Pool;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The warm pool as sessions use it: which `coi run` may take a member, the claim (its labels),
 * the attach (the session's devices beside its network policy), and `coi pool status|fill|drain`.
 * A member is fenced closed until the attach replaces its rules with the session's own in one
 * nft transaction, so it never has a wider policy than the session's, not even for a moment.
 */
public final class WarmPool {
    static final String CLAIM = "claim";
    static final String ATTACH = "attach";

    private final IncusClient incus;
    private final Sessions.Host host;
    private final Fencing fencing;
    private final Path sessionsRoot;
    private final Pool pool;

    WarmPool(IncusClient incus, Sessions.Host host, Fencing fencing, Path sessionsRoot) {
        this.incus = incus;
        this.host = host;
        this.fencing = fencing;
        this.sessionsRoot = sessionsRoot;
        this.pool = new Pool(incus, Fencing.hostFence(host.uid()), host.prefix());
    }

    /**
     * Whether a new `coi run` or `coi shell` session may come from the pool. Not when the
     * workspace needs a locked protected view: a disk added to a running container does not bring
     * the view's read-only submounts along (tried: they came in writable), so such a session
     * launches cold. Not a persistent session: it is found again by its `coi-<hash>-<slot>` name,
     * which a running member cannot take (Incus renames only stopped instances). Not a monitored
     * one: `--monitor` fails closed until the supervisor watches the container, and the
     * supervisor's event path knows sessions by that name. Not a time-limited one: the limit
     * counts from the container's creation, which for a member lies before the session began.
     */
    static boolean fits(SessionPlan plan, Config config) {
        return config.pool().size() > 0 && ("run".equals(plan.kind()) || "shell".equals(plan.kind())) && plan.creates()
                && !plan.persistent() && !plan.monitored() && plan.limitDuration() == null
                && (plan.protection().readOnly().isEmpty() || !plan.protection().locked());
    }

    /** No ready member fits: the launch goes cold. */
    static final class NoneReady extends RuntimeException {
        NoneReady() {
            super("no ready pool member fits", null, false, false);
        }
    }

    /**
     * {@code cold} with its steps {@code first} .. {@code last} (create .. network) replaced by
     * the {@link #claim} of a ready member and the {@link #attach} of the session to it, the
     * claim looked for first among {@code listed} (the instances the plan was made from).
     */
    Launcher pooled(Launcher cold, String first, String last, List<Model.Instance> listed, Consumer<SessionPlan> alongside,
                    Predicate<SessionPlan> homeByTmux) {
        return cold.replace(first, last, claim(listed, homeByTmux)).insertAfter(CLAIM, attach(alongside, homeByTmux));
    }

    /**
     * Takes a ready member for the plan: one compare-and-swap of its labels (claimed, the session's
     * labels and environment, the owner `coi clean` judges a leftover by) and the session's devices
     * (workspace, state, protected paths), so the session's container is made in one update of the
     * daemon's (two updates, labels then devices, cost a pooled launch 50-170 ms more under load);
     * its network policy and code's home follow ({@link #attach}). The launch goes on in the member.
     * Throws {@link NoneReady} when no member fits, also when the plan's image does not exist (the
     * cold launch says so). A member listed in {@code listed} may have been taken since: the
     * compare-and-swap reads its state again, and when none of them can be had, a fresh list is
     * tried once. Its undo deletes the member and its rules: a claimed member never returns.
     */
    Launcher.Step claim(List<Model.Instance> listed, Predicate<SessionPlan> homeByTmux) {
        return Launcher.step(CLAIM, launch -> {
            SessionPlan plan = launch.plan();
            Map<String, String> labels = new TreeMap<>();
            plan.config().forEach((k, v) -> {
                if (Fit.perSession(k)) labels.put(k, v);
            });
            labels.put(Pool.OWNER, plan.config().getOrDefault(Labels.OWNER, Owner.current()));
            labels.put(Pool.CLAIMED_AT, java.time.Instant.now().toString());
            Fit fit;
            try {
                fit = fit(plan);
            } catch (IncusException.NotFound noImage) {
                throw new NoneReady();
            }
            // no file call follows where the tmux exec makes the home: no file server to wake then
            Consumer<String> trying = homeByTmux.test(plan) ? member -> { } : this::wakeFileServer;
            Map<String, Map<String, String>> devices = new TreeMap<>(plan.devices());
            // the member's own: its pinned, fenced NIC and the image's root disk
            devices.remove("eth0");
            devices.remove("root");
            Optional<Model.Instance> member = pool.claim(fit, listed, labels, devices, trying)
                    .or(() -> pool.claim(fit, incus.instancesWithoutState(), labels, devices, trying));
            if (member.isEmpty()) throw new NoneReady();
            String name = member.get().name();
            Trace.mark("pool: claimed " + name + " with the session's devices");
            launch.use(plan.withContainer(name, member.get().devices().get("eth0")));
            return () -> {
                Retries.delete(incus, name);
                fencing.remove(name);
            };
        });
    }

    /**
     * The claimed member, its devices attached ({@link #claim}), made the session's container, three
     * things at the same time: code's home (it looks at the mount points the devices made) unless the
     * exec that starts tmux makes it ({@code homeByTmux}: a shell's, where {@link CodeHome#madeInTmuxExec},
     * as in a cold shell; the file API's first call into a member costs its daemon a process started in
     * it); the session's network policy (the member's closed rules replaced by the session's in one nft
     * transaction: never wider than the session's, not even for a moment); and {@code alongside} on the
     * claimed plan. No agent runs in the member until a later step starts the tool. Nothing of its own
     * to undo: the claim's undo deletes the member and its rules.
     */
    Launcher.Step attach(Consumer<SessionPlan> alongside, Predicate<SessionPlan> homeByTmux) {
        return Launcher.step(ATTACH, launch -> {
            SessionPlan claimed = launch.plan();
            String name = claimed.container();
            Overlap.run(() -> {
                if (!homeByTmux.test(claimed)) CodeHome.prepare(incus, claimed);
            }, () -> Overlap.run(() -> alongside.accept(claimed), () -> {
                try (NameLock lock = NameLock.hold(sessionsRoot, name)) {
                    // an open session has no rules: the member's closed ones go
                    if (claimed.fenced()) fencing.install(claimed);
                    else fencing.remove(name);
                }
                Trace.mark("pool: session's network policy applied");
            }));
            return Launcher.Undo.NOTHING;
        });
    }

    /**
     * The daemon's file server for a container is a process it starts in it at the first file
     * call (0.15-0.2 s) and ends after some idle seconds, so a ready member has none: it is
     * started as the claim's compare-and-swap begins, runs up while the claim's update adds the devices,
     * and code's home, made through it next, finds it running. A failure here is left for the home's own calls to report.
     */
    private void wakeFileServer(String member) {
        Thread.ofPlatform().daemon().name("coi-file-server").start(() -> {
            try {
                incus.files(member).stat("/");
            } catch (RuntimeException leftToTheHome) {
                // the home's calls ask again and say what went wrong
            }
        });
    }

    private Fit fit(SessionPlan plan) {
        return Fit.of(plan.image(), incus.aliasTarget(plan.image()), plan.config(), plan.devices());
    }

    /** One member as `coi pool status` shows it; {@code fits}: whether a session of this config would take it. */
    public record Member(String name, String state, String alias, String image, String ipv4, String created, boolean fits) {}

    public List<Member> status(Workspace workspace, Config config) {
        Fit fit = template(workspace, config).fit;
        return incus.instances().stream().filter(i -> Pool.named(host.prefix(), i.name()) && Pool.member(i))
                .map(i -> new Member(i.name(), i.configValue(Pool.STATE), i.configValue(Pool.ALIAS), i.configValue(Pool.IMAGE),
                        i.state() == null ? null : i.state().ipv4(), i.createdAt(),
                        Pool.READY.equals(i.configValue(Pool.STATE)) && Pool.of(i, fit)))
                .toList();
    }

    /** Brings the pool of this config's image up to `[pool] size`, stale members out first; returns the members made. */
    public List<String> fill(Workspace workspace, Config config) {
        Template t = template(workspace, config);
        try (NameLock turn = turn()) {
            return fill(t, config);
        }
    }

    /**
     * The {@link PoolKeeper}'s fill: nothing when the pool is full and fresh (the common case, a
     * few reads), nothing when {@code request} was withdrawn; members made while it was withdrawn
     * (its sessions folder deleted) go again.
     */
    Filled fillRequested(Workspace workspace, Config config, Path request) {
        Template t = template(workspace, config);
        if (pool.full(t.fit, config.pool().size(), incus.instancesWithoutState())) return new Filled(t.fit, List.of());
        try (NameLock turn = turn()) {
            if (!Files.exists(request)) return new Filled(t.fit, List.of());
            List<String> made = fill(t, config);
            if (Files.exists(request)) return new Filled(t.fit, made);
            made.forEach(pool::remove);
            return new Filled(t.fit, List.of());
        }
    }

    /** What a keeper's fill was for, and the members it made. */
    record Filled(Fit fit, List<String> made) {}

    /**
     * Removes the ready members of {@code fit} that this sessions folder's keeper made (its request no longer wants
     * them); returns their names. Another folder's members of the same fit are that keeper's to keep.
     */
    List<String> retire(Fit fit) {
        try (NameLock turn = turn()) {
            return pool.retire(fit, sessionsRoot.toString(), Owner.current());
        }
    }

    private List<String> fill(Template t, Config config) {
        Ownership.requireMappable(host.uid(), host.gid());
        // a member must not get the address of rules left by a container that is gone (see Fencing.sweepGone)
        fencing.sweepGone(sessionsRoot, null);
        return pool.fill(t.fit, Fit.fixedConfig(t.plan.config()), Fit.fixedDevices(t.plan.devices()), config.pool().size(),
                t.bridge, fencing.taken(incus.instancesWithoutState(), t.bridge), Owner.current(), sessionsRoot.toString());
    }

    /** Fills, drains and the keeper's rounds take turns: a drain is never followed by a refill it did not see. */
    private NameLock turn() {
        return NameLock.hold(sessionsRoot, host.prefix() + "pool");
    }

    /**
     * Asks the background process to keep this workspace's pool filled (see {@link PoolKeeper})
     * and starts it if it is not running; {@code env}: the caller's environment.
     */
    public void keepFilled(Workspace workspace, Map<String, String> env) {
        requestRefills(workspace, env);
        Watcher.ensureRunning(host, sessionsRoot, new PrintWriter(System.err, true));
    }

    /** As {@link #keepFilled} without starting the background process: for `coi shell`, which starts it once its session runs. */
    public void requestRefills(Workspace workspace, Map<String, String> env) {
        PoolKeeper.request(sessionsRoot, workspace, env);
    }

    /** The keeper the background process runs. */
    public PoolKeeper keeper(PoolKeeper.Configs configs) {
        return new PoolKeeper(this, sessionsRoot, configs);
    }

    /** Removes every unclaimed member; nothing refills the pool until a fill or a pooled session asks again. */
    public List<String> drain() {
        try (NameLock turn = turn()) {
            PoolKeeper.forgetAll(sessionsRoot);
            return pool.drain();
        }
    }

    private record Template(SessionPlan plan, Fit fit, BridgeFacts bridge) {}

    /** The plan a `coi run` of this config would have, for the fixed part its members need. */
    private Template template(Workspace workspace, Config config) {
        BridgeFacts bridge = fencing.bridge();
        HostFacts facts = new HostFacts(host.uid(), host.gid(), config.incus().codeUid(), host.prefix(),
                Set.of(), bridge, Set.of(), null, Protection.NONE);
        SessionPlan plan = Planner.plan(workspace, config, "run", ContainerName.MIN_SLOT, null, false, null, null, sessionsRoot, facts);
        try {
            return new Template(plan, fit(plan), bridge);
        } catch (IncusException.NotFound e) {
            // `coi pool status|fill` of an image that is not there: the line a session of it says
            throw LaunchSteps.imageMissing(plan.image());
        }
    }
}
