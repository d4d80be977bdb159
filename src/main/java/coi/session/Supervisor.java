package coi.session;

import coi.incus.EventStream;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Instances;
import coi.incus.Model;
import coi.monitor.AuditLog;
import coi.monitor.CgroupKill;
import coi.monitor.HostView;
import coi.monitor.Monitor;
import coi.monitor.ObservationException;
import coi.monitor.Responder;
import coi.monitor.Snapshot;
import coi.pool.Pool;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The per-user background process (`coi __watch`), one for all of the user's containers. It
 * follows the Incus lifecycle events to finalize sessions that end while nobody is attached,
 * enforces `--limit-duration`, keeps allowlists fresh, and runs the security monitor over every
 * container started with `--monitor`. When incusd goes away it keeps watching what it knows
 * (the monitor reads the host kernel, not Incus) and reconnects with backoff; it exits only when
 * the daemon answers and no coi container has run for {@link #IDLE}. While it has nothing else to do
 * it hands over to the native {@link Waiter}, which watches the monitored containers meanwhile
 * ({@link NativeWatch}) and starts it again with what it found.
 *
 * <p>Why {@link #POLL}: a reverse shell must be stopped within a second of its connection. One
 * snapshot of an idle container costs well under a millisecond of CPU here (bench/monitor), and
 * a forced stop takes a few hundred milliseconds, so a look every 200 ms leaves room for the stop
 * at an idle cost of a few tenths of a percent of one core per container. Container starts are
 * event-driven (lifecycle events) so a new session is watched before its tool runs.
 */
final class Supervisor {
    static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CHECK = Duration.ofSeconds(5);
    private static final Duration IDLE = Duration.ofSeconds(30);
    /** Test hook (the JVM's -D, e.g. through JAVA_TOOL_OPTIONS): {@link Waiter#QUIET}, shortened for tests of hand-overs. */
    static final String QUIET_PROPERTY = "coi.supervisor.quiet";
    private static final Duration QUIET = tuned(QUIET_PROPERTY, Waiter.QUIET);
    /**
     * Test hook: a supervisor the waiter's bridge watches over ({@link WaiterBridge}) holds its first look back until
     * the file this names exists (at most {@link #FIRST_LOOK_HOLD_MAX}), as a JVM starting on a loaded machine does; the
     * bridge must watch meanwhile.
     */
    static final String FIRST_LOOK_HOLD_PROPERTY = "coi.supervisor.firstLookHold";
    private static final Duration FIRST_LOOK_HOLD_MAX = Duration.ofMinutes(2);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /**
     * How often the whole heap is collected. The serial collector grows the old generation toward
     * -Xmx before it collects it (a young collection that cannot promote expands it), and the
     * monitor's snapshots, promoted young and dead 10 s later, fill it steadily: an hour-long idle
     * run with one monitored session went from 68 to 156 MiB. After a full collection the JVM gives
     * back what is free (bin/coi's MaxHeapFreeRatio), so the heap stays near the live set; one costs
     * a few milliseconds.
     */
    private static final Duration COMPACT = Duration.ofSeconds(60);
    /** A session's stopped_by when its container started again without its protected view. */
    static final String RESTARTED_WITHOUT_VIEW = "coi: restarted behind coi's back, without its workspace";
    private static final Set<String> ENDINGS = Set.of("instance-stopped", "instance-shutdown", "instance-deleted");

    private final IncusClient incus;
    private final SessionStore store;
    private final String prefix;
    private final String project;
    private final Fencing fencing;
    private final Finalizer finalizer;
    private final ViewlessStart viewless;
    /**
     * Made when the first monitored container is seen, with the guard thread: most sessions are not
     * monitored, and a supervisor that never loads the monitor (its detectors, fanotify, netlink, FFM)
     * and runs none of its threads stays several MiB smaller (bench/background).
     */
    private Monitor monitor;
    /** The monitor's responder (made with it), which also answers what the waiter found (see {@link NativeWatch}). */
    private Responder responder;
    /** What the waiter found while it watched, answered after the first listing; and the containers as they were listed then. */
    private List<NativeWatch.Found> found = List.of();
    private Map<String, Model.Instance> handedInstances = Map.of();
    /** Monitored containers the waiter handed back (NativeWatch.refused): while one is held, the supervisor stays. */
    private Refusals refusals;
    /** What the waiter handed back as this supervisor started, until its watch starts here (then in the audit log). */
    private Map<String, NativeWatch.HandedBack> handedBack = Map.of();
    private Thread guard;
    private final Path heartbeat;
    /** Made when the first pool request is seen: the keeper's fills load the whole launch path. */
    private final Supplier<PoolKeeper> keeper;
    private PoolKeeper pool;
    private final AtomicBoolean relist = new AtomicBoolean(true);
    /**
     * Monitored containers by name; frozen ones stay here but are not looked at until thawed. Shared
     * with the guard thread, which may stop a container (and so remove it) at any time.
     */
    private final Map<String, Monitor.Target> targets = new ConcurrentHashMap<>();
    private final Set<String> frozen = ConcurrentHashMap.newKeySet();
    /** Each monitored container as last listed: its labels name the network mode and the session to mark when it is stopped. */
    private final Map<String, Model.Instance> instances = new ConcurrentHashMap<>();
    /** Containers whose last look failed, so that the log says it once. */
    private final Set<String> unobservable = new HashSet<>();
    /** Containers whose guard look failed last time (said once in the log); the guard's thread only. */
    private final Set<String> guardFailing = new HashSet<>();
    private Fencing.AllowlistKeeper allowlists;
    private EventStream events;
    private Instant nextConnect = Instant.EPOCH;
    private Duration backoff = Duration.ofSeconds(1);
    private Instant nextCheck = Instant.EPOCH;
    private Instant nextCompact = Instant.EPOCH;
    private Instant idleSince;
    /** The user's containers as last listed (running or frozen); empty when the listing failed. */
    private List<Model.Instance> running = List.of();
    /** The waiter to hand over to while there is nothing to do but wait (see {@link Waiter}); empty without one. */
    private final Optional<Waiter.Binary> waiter = Waiter.installed();
    /** When one of our containers last did something (an event), or this process started. */
    private volatile Instant lastActivity = Instant.now();
    private Instant nextHandOver = Instant.EPOCH;
    private Waiter handedOver;
    /** When the previous supervisor stopped beating, if it died without saying goodbye. */
    private OffsetDateTime gapSince;
    /** The waiter's bridge, which watches the monitored containers until this supervisor's first look; null once ended (or without one). */
    private WaiterBridge bridge;
    /** Whether a listing of the containers has worked: the monitored ones are known, and looked at in the same round. */
    private boolean listed;

    Supervisor(IncusClient incus, SessionStore store, String prefix, String project, Fencing fencing, Supplier<PoolKeeper> keeper) {
        this.keeper = keeper;
        this.incus = incus;
        this.store = store;
        this.prefix = prefix;
        this.project = project;
        this.fencing = fencing;
        this.finalizer = new Finalizer(incus, store);
        this.viewless = new ViewlessStart(store.root(), ViewlessStart.local());
        this.heartbeat = heartbeatFile(store.root());
    }

    static Path heartbeatFile(Path sessionsRoot) {
        return sessionsRoot.resolve("supervisor.alive");
    }

    /** Runs until idle; returns the exit code. */
    int run() throws InterruptedException {
        gapSince = staleHeartbeat();
        log("watching (pid " + ProcessHandle.current().pid() + ")" + (gapSince == null ? "" : ", previous supervisor gone since " + gapSince));
        AuditLog audit = AuditLog.under(store.root());
        bridge = WaiterBridge.ofThisProcess().orElse(null);
        if (bridge == null) {
            // inherited by whatever a supervisor starts: a `coi __watch` started so finds one that is not its own
            String named = System.getenv(WaiterBridge.ENV);
            if (named != null) log("ignoring " + WaiterBridge.ENV + "=" + named + ": it names no pipe and child of this process");
            found = NativeWatch.read(store.root());
            if (found.isEmpty()) NativeWatch.answered(store.root());
        } else {
            // the bridge may still append to the threats file: it is read once the bridge has ended
            log("the waiter's bridge (pid " + bridge.pid() + ") watches until this supervisor's first look");
            holdFirstLook();
        }
        handedInstances = new java.util.HashMap<>();
        for (Model.Instance i : NativeWatch.instances(store.root())) handedInstances.put(i.name(), i);
        NativeWatch.forget(store.root());
        refusals = Refusals.of(store.root());
        handedBack = new java.util.HashMap<>(NativeWatch.refused(store.root()));
        for (String name : handedBack.keySet()) refusals.handedBack(name, Instant.now());
        try {
            while (true) {
                Instant now = Instant.now();
                if (disconnected() && !now.isBefore(nextConnect)) connect();
                if (!disconnected() && (relist.getAndSet(false) || !now.isBefore(nextCheck))) {
                    // a warm pool to keep filled keeps the process up (see PoolKeeper)
                    boolean poolWanted = PoolKeeper.wanted(store.root());
                    if (poolWanted && pool == null) {
                        pool = keeper.get();
                        pool.start();
                    }
                    boolean none = check(now);
                    if (!found.isEmpty()) answerFound();
                    if (none && idleSince != null && Duration.between(idleSince, now).compareTo(IDLE) >= 0 && !poolWanted) {
                        // the last sweeps (a git walk may take a while), then one more listing: a launch meanwhile found this
                        // process's lock held and counts on it to watch its container
                        finalizer.sweep();
                        sweepPlaceholders(null, false);
                        if (!oursRunning()) break;
                        relist.set(true);
                        continue;
                    }
                    nextCheck = now.plus(CHECK);
                    audit.expire(Duration.ofDays(retentionDays()), now);
                    // handed over: no goodbye (the waiter keeps the heartbeat, the marker and, once released, the lock); the
                    // events stream ends with the process (closed here, its reader would fail on the closed selector)
                    if (!poolWanted && handOver(now)) return 0;
                }
                if (!now.isBefore(nextCompact)) {
                    System.gc();
                    nextCompact = now.plus(COMPACT);
                }
                for (Monitor.Target t : List.copyOf(targets.values())) {
                    if (!frozen.contains(t.container())) look(t);
                }
                // the monitored containers listed and looked at: this supervisor watches, the bridge ends
                if (bridge != null && listed) endBridge(Instant.now());
                Thread.sleep(targets.isEmpty() ? 1000 : POLL.toMillis());
            }
            if (guard != null) guard.interrupt();
            if (events != null) events.close();
            while (bridge != null) {
                endBridge(Instant.now());
                if (bridge != null) Thread.sleep(50);
            }
            finalizer.sweep();
            Files.deleteIfExists(heartbeat);
            Files.deleteIfExists(Watcher.monitoredMarker(store.root()));
            log("no coi container running: exiting");
            return 0;
        } catch (IOException e) {
            log("cannot remove " + heartbeat + ": " + e.getMessage());
            return 0;
        }
    }

    /**
     * Hands over to the {@link Waiter} when there has been nothing to do but wait for a while: returns
     * whether the waiter now waits, subscribed (it takes the lock once {@link #release} has been called).
     */
    private boolean handOver(Instant now) {
        if (waiter.isEmpty() || bridge != null || pool != null || now.isBefore(nextHandOver)
                || Duration.between(lastActivity, now).compareTo(QUIET) < 0) return false;
        // the git check this listing started finishes first: the waiter does not check
        awaitGitCheck();
        Optional<Waiter.Wait> wait = Waiter.idle(running, now, true);
        Optional<Path> socket = localSocket();
        if (wait.isEmpty() || socket.isEmpty()) return false;
        // the monitored containers that are not frozen, watched by the waiter meanwhile (NativeWatch); not one it handed
        // back while its hold lasts (Refusals)
        if (!refusals.held(targets.keySet(), now).isEmpty()) return false;
        List<Monitor.Target> watched = targets.values().stream().filter(t -> !frozen.contains(t.container())).toList();
        // a monitored container the monitor froze keeps the supervisor: once thawed it is watched at once, not once the
        // waiter's events have settled and a JVM has started
        if (watched.size() != targets.size()) return false;
        Optional<Path> targetsFile = Optional.empty();
        if (!watched.isEmpty()) {
            Map<String, String> modes = new java.util.HashMap<>();
            for (String name : instances.keySet()) {
                String mode = networkMode(name);
                if (mode != null) modes.put(name, mode);
            }
            targetsFile = NativeWatch.write(store.root(), watched, responder == null ? Map.of() : responder.seen(), modes,
                    List.copyOf(instances.values()));
            if (targetsFile.isEmpty()) {
                nextHandOver = now.plus(Waiter.RETRY);
                return false;
            }
        }
        Optional<Waiter> started = waiter.get().start(socket.get(), project, prefix, store.root(), wait.get(), targetsFile);
        if (started.isEmpty()) {
            nextHandOver = now.plus(Waiter.RETRY);
            return false;
        }
        // what started before the waiter listened is seen now, and kept here; the waiter watches what it was told only
        Instant again = Instant.now();
        Set<String> told = new HashSet<>(watched.stream().map(Monitor.Target::container).toList());
        check(again);
        Set<String> now2 = new HashSet<>(targets.keySet());
        now2.removeAll(frozen);
        if (PoolKeeper.wanted(store.root()) || !now2.equals(told) || Waiter.idle(running, again, true).isEmpty()) {
            started.get().cancel();
            return false;
        }
        handedOver = started.get();
        log("handing over to the waiter (pid " + handedOver.pid() + "): " + running.size() + " container(s), "
                + (told.isEmpty() ? "nothing to do but wait" : "it watches " + String.join(", ", new java.util.TreeSet<>(told)))
                + wait.get().deadline().map(d -> " until " + d).orElse(""));
        return true;
    }

    /** The daemon's unix socket, which the waiter can reach (not a remote over HTTPS). */
    private Optional<Path> localSocket() {
        String address = incus.address();
        return address.startsWith("/") ? Optional.of(Path.of(address)) : Optional.empty();
    }

    /** After the lock is released: a waiter that was handed over to takes it. */
    void release() {
        if (handedOver != null) handedOver.go();
    }

    private boolean disconnected() {
        return events == null || events.ended();
    }

    /** (Re)connects to the events stream and catches up on what happened meanwhile. */
    private void connect() {
        if (events != null) events.close();
        try {
            events = incus.events("lifecycle", this::onEvent);
            // what ended unseen: while disconnected, or before this process (woken by the waiter) listened
            for (String name : finalizer.sweep()) log("ended " + name + " (its container stopped or went away before this process listened)");
            fencing.sweepGone(store.root(), null);
            relist.set(true);
            if (backoff.compareTo(Duration.ofSeconds(1)) > 0) log("reconnected to Incus");
            backoff = Duration.ofSeconds(1);
        } catch (IncusException | java.io.UncheckedIOException e) {
            events = null;
            log("daemon unavailable (" + e.getMessage() + "): retrying in " + backoff.toSeconds() + " s, still watching "
                    + targets.size() + " container(s)");
            nextConnect = Instant.now().plus(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** What the git guard could not move, said already (by the thread of {@link #checkGit}). */
    private final Set<String> gitSaid = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The git guard's check under way, or null. */
    private Thread gitCheck;

    /**
     * The placeholders of workspaces no container is left in (see {@link Placeholders}), and what the
     * agents wrote in nested git repositories ({@link GitGuard}); {@code all}: just listed, or null. With {@code aside},
     * the git check runs on a thread of its own, one at a time: a large workspace's walk (or the first linking of its
     * native calls) must not hold up the monitor's looks. Without, it waits for the one under way and checks again.
     */
    private void sweepPlaceholders(List<Model.Instance> all, boolean aside) {
        for (String path : Placeholders.sweep(store.root(), all, incus::instancesOfAllProjects, Duration.ZERO)) {
            log("removed placeholder " + path + " (no container of its workspace is left)");
        }
        if (aside) {
            if (gitCheck == null || !gitCheck.isAlive()) gitCheck = Thread.ofPlatform().daemon(true).name("coi-git-guard").start(this::checkGit);
        } else {
            awaitGitCheck();
            checkGit();
        }
    }

    private void checkGit() {
        try {
            for (GitGuard.Quarantined q : GitGuard.checkAll(store.root(), incus::instancesOfAllProjects)) {
                // what cannot be moved is found again at every check: said once
                if (q.outcome() != GitGuard.Quarantined.Outcome.NOT_MOVED || gitSaid.add(q.describe())) log(q.describe());
            }
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // the agent's workspace is no reason for the supervisor to stop watching: the next check looks again
            log("cannot check the nested git repositories: " + e);
        }
    }

    /** Waits for the git check under way, if any: a process that hands over or exits finishes what it moves first. */
    private void awaitGitCheck() {
        Thread running = gitCheck;
        if (running == null) return;
        try {
            running.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a container of ours runs (or is frozen), or the daemon cannot say. */
    private boolean oursRunning() {
        try {
            return incus.instances().stream().anyMatch(this::oursUp);
        } catch (IncusException | java.io.UncheckedIOException e) {
            return true;
        }
    }

    /** A container of this user's sessions, running or frozen. */
    private boolean oursUp(Model.Instance i) {
        return i.name().startsWith(prefix) && Watcher.mine(i, store) && (i.running() || "Frozen".equals(i.status()));
    }

    /** Lists the containers; returns whether nothing of ours runs. */
    private boolean check(Instant now) {
        running = List.of();
        try {
            List<Model.Instance> all = incus.instances();
            listed = true;
            running = all.stream().filter(this::oursUp).toList();
            sweepPlaceholders(all, true);
            touchHeartbeat(now);
        } catch (IncusException | java.io.UncheckedIOException e) {
            log("daemon unavailable: " + e.getMessage());
            if (events != null) events.close();
            return false;
        }
        running.stream().filter(Model.Instance::running).filter(Watcher::overdue).forEach(this::stopOverdue);
        // the views are this host's mounts, and the pids Incus reports this host's processes, only with a local daemon
        if (localSocket().isPresent()) {
            List<Model.Instance> viewlessOnes = running.stream().filter(viewless::startedWithoutView).filter(this::stopViewless).toList();
            if (!viewlessOnes.isEmpty()) running = running.stream().filter(i -> !viewlessOnes.contains(i)).toList();
        }
        if (running.stream().anyMatch(i -> "allowlist".equals(i.configValue(Labels.NETWORK)))) {
            if (allowlists == null) allowlists = fencing.new AllowlistKeeper(fencing.bridge());
            refresh(running.stream().filter(Model.Instance::running).toList());
        }
        updateTargets(running);
        idleSince = running.isEmpty() ? (idleSince == null ? now : idleSince) : null;
        return running.isEmpty();
    }

    private void updateTargets(List<Model.Instance> running) {
        Set<String> keep = new HashSet<>();
        for (Model.Instance i : running) {
            var settings = MonitorLabel.decode(i.configValue(Labels.MONITOR));
            if (settings.isEmpty()) continue;
            keep.add(i.name());
            instances.put(i.name(), i);
            if ("Frozen".equals(i.status())) {
                frozen.add(i.name());
                continue;
            }
            if (frozen.remove(i.name())) monitor().restartWindow(i.name());
            long init = i.state() == null ? 0 : i.state().pid();
            Monitor.Target watched = targets.get(i.name());
            if (watched != null && init > 0 && watched.init() != init) {
                // the same name, another container: restarted (a `sudo reboot` inside a persistent one) or made again
                // between two looks at the list; its workspace mount, processes and history are new, and a watch
                // kept from the old one would see no workspace io at all and take its threats for repeats
                monitor().forget(i.name());
                targets.remove(i.name());
                log(i.name() + " was restarted or made again (init " + watched.init() + " -> " + init + "): watching it afresh");
            }
            if (!targets.containsKey(i.name())) {
                Monitor.Target t = new Monitor.Target(i.name(), HostView.payload(project, i.name()), settings.get(), init);
                try {
                    Model.Instance handed = handedInstances.get(i.name());
                    boolean resumed = handed != null && handed.state() != null && init > 0 && handed.state().pid() == init;
                    monitor().start(t, gapSince, resumed);
                    NativeWatch.HandedBack back = handedBack.remove(i.name());
                    if (back != null) monitor().handedBack(i.name(), back.reason(), back.at());
                    targets.put(i.name(), t);
                    log((resumed ? "monitoring again " : "monitoring ") + i.name());
                } catch (ObservationException e) {
                    log("cannot monitor " + i.name() + ": " + e.getMessage());
                }
            }
        }
        gapSince = null;
        targets.keySet().retainAll(keep);
        frozen.retainAll(keep);
        instances.keySet().retainAll(keep);
        if (monitor != null) monitor.retain(keep);
    }

    /**
     * Tells the bridge to end, and sees whether it has (a round later, a look under way finishes first); once it has,
     * what the waiter and the bridge found is answered. One given up on (killed, not reaped) may still be writing:
     * what it found is left in the file for the next supervisor.
     */
    private void endBridge(Instant now) {
        bridge.end(now);
        WaiterBridge.State state = bridge.poll(now);
        if (state == WaiterBridge.State.ENDING) return;
        long pid = bridge.pid();
        bridge = null;
        if (state == WaiterBridge.State.GIVEN_UP) return;
        log("the waiter's bridge (pid " + pid + ") ended: this supervisor watches");
        found = NativeWatch.read(store.root());
        if (found.isEmpty()) NativeWatch.answered(store.root());
        else answerFound();
    }

    /** {@link #FIRST_LOOK_HOLD_PROPERTY}'s wait, when set. */
    private static void holdFirstLook() throws InterruptedException {
        String file = System.getProperty(FIRST_LOOK_HOLD_PROPERTY);
        if (file == null) return;
        log("holding the first look until " + file + " exists (" + FIRST_LOOK_HOLD_PROPERTY + ")");
        long deadline = System.nanoTime() + FIRST_LOOK_HOLD_MAX.toNanos();
        while (!Files.exists(Path.of(file)) && System.nanoTime() < deadline) Thread.sleep(100);
    }

    /**
     * Answers what the waiter found while it watched, as the monitor answers its own finds (the audit
     * line, then the action the settings say), once the containers have been listed: a container the
     * waiter killed may have stopped (and, ephemeral, gone) meanwhile; its labels are then those it
     * was handed over with.
     */
    private void answerFound() {
        List<NativeWatch.Found> todo = found;
        found = List.of();
        try {
            answer(todo);
        } finally {
            NativeWatch.answered(store.root());
        }
    }

    private void answer(List<NativeWatch.Found> todo) {
        Map<String, List<coi.monitor.Threat>> byContainer = new java.util.LinkedHashMap<>();
        for (NativeWatch.Found f : todo) {
            byContainer.computeIfAbsent(f.container(), c -> new java.util.ArrayList<>()).add(f.threat());
            if (f.killed()) log("the waiter killed the processes of " + f.container() + ": " + f.threat().title());
        }
        monitor();
        byContainer.forEach((container, threats) -> {
            Model.Instance listed = instances.getOrDefault(container, handedInstances.get(container));
            Optional<coi.config.Config.Monitoring> settings = Optional.ofNullable(targets.get(container)).map(Monitor.Target::settings)
                    .or(() -> listed == null ? Optional.empty() : MonitorLabel.decode(listed.configValue(Labels.MONITOR)));
            if (settings.isEmpty()) {
                log("the waiter found " + threats.size() + " threat(s) in " + container + ", which coi does not know as monitored: ignored");
                return;
            }
            if (listed != null) instances.putIfAbsent(container, listed);
            try {
                synchronized (responder) {
                    responder.respond(container, settings.get(), threats);
                }
            } catch (RuntimeException e) {
                log("could not answer what the waiter found in " + container + ": " + e.getMessage());
            }
        });
    }

    /** The monitor and its fork-bomb guard, started for the first monitored container. */
    private Monitor monitor() {
        if (monitor == null) {
            AuditLog audit = AuditLog.under(store.root());
            responder = new Responder(audit, new Effects(), Clock.systemUTC());
            monitor = new Monitor(HostView.local(), responder, audit, Clock.systemUTC(), this::fenceCounters);
            guard = Thread.ofPlatform().daemon().name("fork-bomb guard").start(this::guard);
        }
        return monitor;
    }

    /**
     * The counters the detectors use: blocked attempts in allowlist mode (in restricted mode the fence
     * only rejects private ranges), DNS packets in restricted mode (allowlist mode has no DNS).
     */
    private Snapshot.Fence fenceCounters(String container) {
        String mode = networkMode(container);
        return new Snapshot.Fence("allowlist".equals(mode) ? fencing.blocked(container) : -1,
                "restricted".equals(mode) ? fencing.dns(container) : -1);
    }

    /** The network mode a monitored container was listed with (its label), null when not listed or unlabelled. */
    private String networkMode(String container) {
        Model.Instance listed = instances.get(container);
        return listed == null ? null : listed.configValue(Labels.NETWORK);
    }

    private void look(Monitor.Target t) {
        try {
            monitor.tick(t);
            unobservable.remove(t.container());
        } catch (ObservationException e) {
            // most often stopping (its cgroup is going away; the next listing drops it)
            if (unobservable.add(t.container())) log("cannot observe " + t.container() + ": " + e.getMessage());
            relist.set(true);
            return;
        } catch (RuntimeException | StackOverflowError e) {
            // an overflow too: what the agent builds (a tree, a table) must not end the main loop
            log("monitor error on " + t.container() + ": " + e);
            relist.set(true);
        }
    }

    /**
     * Counts every monitored container's processes each {@link #POLL}, apart from the full looks of
     * the main loop, which a fork bomb slows down (see {@link Monitor#guard}).
     */
    private void guard() {
        while (!Thread.currentThread().isInterrupted()) {
            for (Monitor.Target t : targets.values()) {
                if (frozen.contains(t.container())) continue;
                try {
                    monitor.guard(t);
                    guardFailing.remove(t.container());
                } catch (ObservationException e) {
                    // not observable right now (most often stopping): the main loop's look says so in the log
                } catch (RuntimeException | StackOverflowError e) {
                    // said once, and the guard goes on: its thread ending would leave every container without one
                    if (guardFailing.add(t.container())) log("fork-bomb guard error on " + t.container() + ": " + e);
                }
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private int retentionDays() {
        return targets.values().stream().mapToInt(t -> t.settings().auditLogRetentionDays()).max().orElse(30);
    }

    private void onEvent(JsonNode event) {
        String action = event.path("metadata").path("action").asText();
        String source = event.path("metadata").path("source").asText();
        String name = source.substring(source.lastIndexOf('/') + 1);
        // a session in a claimed warm pool member keeps the member's name
        if (ContainerName.parse(prefix, name).isEmpty() && !Pool.named(prefix, name)) return;
        lastActivity = Instant.now();
        if (action.equals("instance-started") || action.equals("instance-restarted") || action.equals("instance-resumed") || action.equals("instance-paused")) relist.set(true);
        if (!ENDINGS.contains(action)) return;
        relist.set(true);
        // the wait for the stop to hold is off the events' thread: the events after this one are not held up
        Thread.ofPlatform().daemon().name("coi-stop-event").start(() -> endOnStopEvent(name, action));
    }

    /**
     * The end of {@code name}'s sessions after a stop event ({@code action}): once its stop holds, as a sweep's
     * ({@link Instances#awaitStopped}: Incus sends the event while it may still read the container Running, tidying
     * up after it, and one such reading was taken for no end, which left the session running until the next sweep),
     * at once when it is gone; nothing when it runs again or still runs after {@link #STOP_EVENT_WAIT}.
     */
    void endOnStopEvent(String name, String action) {
        try {
            Instances.StopSeen seen = incus.awaitStopped(name, STOP_EVENT_WAIT);
            Optional<Model.Instance> last = seen.last();
            if (last.isEmpty()) {
                // rules of a container that no longer exists serve nobody, whoever made them; under the
                // lock, a new container that took the name meanwhile keeps its own (see NameLock)
                try (NameLock lock = NameLock.hold(store.root(), name)) {
                    if (incus.findInstance(name).isEmpty()) fencing.remove(name);
                }
                finalizer.endedByName(name);
                log("ended " + name + " (" + action + ", container gone)");
            } else if (seen.outcome() == Instances.StopSeen.Outcome.STOPPED && last.get().down() && Watcher.mine(last.get(), store)) {
                finalizer.ended(last.get());
                log("ended " + name + " (" + action + ")");
            }
        } catch (RuntimeException e) {
            log("could not finalize " + name + ": " + e.getMessage());
        }
    }

    /** The most a stop event's end waits for the stop to hold; after it, the next sweep decides. */
    static final Duration STOP_EVENT_WAIT = Duration.ofSeconds(10);

    private void refresh(List<Model.Instance> running) {
        try {
            for (String name : allowlists.tick(running, Instant.now())) log("allowlist of " + name + " changed: rules updated");
        } catch (RuntimeException e) {
            log("allowlist refresh failed, previous rules kept: " + e.getMessage());
        }
    }

    private void stopOverdue(Model.Instance i) {
        log("stopping " + i.name() + ": its duration limit " + i.configValue(Labels.LIMIT_DURATION) + " is up");
        try {
            incus.stop(i.name(), 30, false);
        } catch (IncusException e) {
            incus.stop(i.name(), -1, true);
        }
    }

    /**
     * Stops a container that started again behind coi's back on its view's empty folder (see
     * {@link ViewlessStart}), confirmed on its state right now (the listing may be seconds old), with
     * its session marked as stopped and why; the end is finalized as any other (the stop's event).
     * Returns whether it stopped it.
     */
    private boolean stopViewless(Model.Instance listed) {
        String name = listed.name();
        try {
            if (!viewless.startedWithoutView(listed.withState(incus.instanceState(name)))) return false;
            String tool = listed.configValue(Labels.TOOL), id = listed.configValue(Labels.SESSION);
            if (tool != null && id != null) store.update(tool, id, m -> m.stoppedBy(RESTARTED_WITHOUT_VIEW, Sessions.now()));
            log("stopping " + name + ": it started again without coi (a reboot inside it, `incus restart` or `incus start`), on"
                    + " an empty /workspace: the folder of its protected view, which only coi's own start mounts; `coi shell`"
                    + " starts it again with its workspace"
                    + (viewless.wroteIntoFolder(name) ? "; what was written to /workspace meanwhile is in "
                    + ProtectedView.path(store.root(), name) + ", not in the workspace" : ""));
            try {
                incus.stop(name, -1, true);
            } catch (IncusException.NotFound gone) {
                // ephemeral: Incus deletes it as it stops
            }
            return true;
        } catch (IncusException.NotFound gone) {
            return false;
        } catch (RuntimeException e) {
            log("could not stop " + name + ", which started again without its protected view: " + e.getMessage());
            return false;
        }
    }

    private OffsetDateTime staleHeartbeat() {
        try {
            Instant last = Files.getLastModifiedTime(heartbeat).toInstant();
            return OffsetDateTime.ofInstant(last, ZoneOffset.UTC);
        } catch (NoSuchFileException none) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private void touchHeartbeat(Instant now) {
        try {
            if (!Files.exists(heartbeat)) Files.createFile(heartbeat);
            Files.setLastModifiedTime(heartbeat, FileTime.from(now));
        } catch (IOException e) {
            log("cannot write " + heartbeat + ": " + e.getMessage());
        }
    }

    /**
     * The duration a test hook {@code property} (the JVM's -D) sets, an ISO-8601 duration such as PT15S, when it is set
     * and positive; else {@code fallback}.
     */
    static Duration tuned(String property, Duration fallback) {
        String set = System.getProperty(property);
        if (set == null) return fallback;
        try {
            Duration d = Duration.parse(set);
            if (!d.isNegative() && !d.isZero()) return d;
        } catch (java.time.format.DateTimeParseException e) {
            // said below
        }
        log("ignoring " + property + "=" + set + ": not a positive ISO-8601 duration (PT15S)");
        return fallback;
    }

    static void log(String message) {
        System.out.println(Sessions.now() + " " + message);
        System.out.flush();
    }

    /** The responses, with the supervisor's own bookkeeping: a frozen or killed container is not looked at again. */
    private final class Effects implements Responder.Effects {
        private final MonitorEffects apply = new MonitorEffects(incus, store, CgroupKill.local());

        @Override
        public void alert(String container, coi.monitor.Threat threat) {
            apply.alert(container, threat);
        }

        @Override
        public void pause(String container, coi.monitor.Threat threat) {
            frozen.add(container);
            apply.pause(container, threat);
        }

        @Override
        public void kill(String container, coi.monitor.Threat threat) {
            targets.remove(container);
            Model.Instance listed = instances.get(container);
            apply.kill(listed != null ? listed : incus.instance(container), threat);
        }
    }
}
