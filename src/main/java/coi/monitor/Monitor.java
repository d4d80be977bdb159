package coi.monitor;

import coi.config.Config;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Watches monitored containers from the host: each {@link #tick} reads a snapshot of one
 * container, keeps the last {@link Config.Monitoring#WINDOW_SECONDS} of them, runs the detectors
 * and hands what they find to the responder. One instance serves every container of the supervisor.
 */
public final class Monitor {
    /** A container to watch: its name, its payload cgroup name and its settings. */
    /** A container to watch; {@code init} is its init process's host pid (0 when unknown): another one means another container. */
    public record Target(String container, String payload, Config.Monitoring settings, long init) {}

    private static final Duration WINDOW = Duration.ofSeconds(Config.Monitoring.WINDOW_SECONDS);

    private final HostView view;
    private final Responder responder;
    private final AuditLog log;
    private final Clock clock;
    private final Map<String, Deque<Snapshot>> windows = new HashMap<>();
    private final Map<String, WorkspaceWatch> workspaces = new HashMap<>();
    /** Watched containers by payload cgroup, for the process events: which container an exec belongs to. */
    private final Map<String, String> payloads = new ConcurrentHashMap<>();
    /** Processes read at their exec since the last look, per container; at most {@link #EXECS_PER_LOOK}. */
    private final Map<String, List<Snapshot.Proc>> execs = new ConcurrentHashMap<>();
    private static final int EXECS_PER_LOOK = 1000;
    private boolean listening;
    private final Map<String, Path> cgroups = new ConcurrentHashMap<>();
    /** The guard's pid-only looks per container; {@link #windows} are the full looks of the supervisor's main loop. */
    private final Map<String, Deque<Snapshot>> counts = new ConcurrentHashMap<>();
    private final Function<String, Snapshot.Fence> fence;
    /**
     * The last counters read per container and when: nft is a process to start, so at most once a
     * second, and off the looking thread: under a fork bomb starting a process takes seconds here,
     * and the look that must answer the bomb cannot wait for it.
     */
    private final Map<String, Snapshot.Fence> counters = new ConcurrentHashMap<>();
    private final Map<String, Instant> countersAt = new ConcurrentHashMap<>();
    private final Set<String> reading = ConcurrentHashMap.newKeySet();
    private final Shortfalls shortfalls = new Shortfalls();

    public Monitor(HostView view, Responder responder, AuditLog log, Clock clock) {
        this(view, responder, log, clock, name -> Snapshot.Fence.UNKNOWN);
    }

    /** {@code fence} reads coi's nft counters of a container (blocked attempts, DNS packets). */
    public Monitor(HostView view, Responder responder, AuditLog log, Clock clock, Function<String, Snapshot.Fence> fence) {
        this.view = view;
        this.responder = responder;
        this.log = log;
        this.clock = clock;
        this.fence = fence;
    }

    public boolean watching(String container) {
        return windows.containsKey(container);
    }

    /**
     * Starts watching: one snapshot proves the container is observable, then "monitoring started"
     * goes into its log (what a starting session waits for). {@code gapSince}, when the supervisor
     * was not running for a while, is written in as well. The container's init process (when known)
     * is the one whose /workspace is watched: the lowest pid in the
     * cgroup may be a process the daemon is still moving into the container (an exec's or the file
     * API's helper), whose root is not yet the container's (seen once: "the container has no /workspace").
     */
    public void start(Target t, OffsetDateTime gapSince) {
        start(t, gapSince, false);
    }

    /**
     * As {@link #start(Target, OffsetDateTime)}; {@code resumed}: the native waiter watched this very container
     * (same init) until now, whose log says "monitoring started" already: a supervisor that takes it back says nothing.
     */
    public void start(Target t, OffsetDateTime gapSince, boolean resumed) {
        if (gapSince != null) {
            note(t.container(), Level.WARNING, "monitoring gap since " + gapSince,
                    "the supervisor was not running (killed or crashed) from " + gapSince + " until now: activity in between was not watched");
        }
        try {
            if (!listening) {
                ProcessEvents.listen(this::exec);
                listening = true;
            }
            Path cgroup = view.cgroupOf(t.payload());
            readCounters(t.container());
            Snapshot first = view.snapshot(t.container(), cgroup).withFence(counters.get(t.container()));
            if (first.processes().isEmpty()) throw new ObservationException("cannot observe " + t.container() + ": none of its processes could be read");
            int through = t.init() > 0 ? (int) t.init() : first.processes().getFirst().pid();
            WorkspaceWatch workspace = new WorkspaceWatch(t.container(), view, through);
            WorkspaceWatch earlier = workspaces.put(t.container(), workspace);
            if (earlier != null) earlier.close();
            cgroups.put(t.container(), cgroup);
            payloads.put(t.payload(), t.container());
            windows.put(t.container(), new ArrayDeque<>(List.of(first)));
            if (!resumed) {
                // another container of the same name (a new session in the slot of one just gone) is not the one whose
                // threats were answered: its own are not deduplicated against those (CI saw a reverse shell in the next
                // `coi run` left running for the rest of the 30 s period)
                synchronized (responder) {
                    responder.forget(t.container());
                }
                note(t.container(), Level.INFO, "monitoring started", "the supervisor watches this container from the host");
            }
        } catch (ObservationException e) {
            note(t.container(), Level.HIGH, "cannot observe the container", e.getMessage());
            throw e;
        }
    }

    /**
     * One full look at the container (processes from /proc, sockets, io, fence counters); returns
     * what was recorded. Process counts are the {@link #guard}'s: with more processes than
     * process_count_threshold only pids are read, so a look stays bounded whatever runs inside.
     */
    public List<AuditEvent> tick(Target t) {
        Deque<Snapshot> window = windows.get(t.container());
        List<Integer> pids = view.pids(t.container(), cgroups.get(t.container()));
        Snapshot now = (pids.size() > t.settings().processCountThreshold() ? view.bare(t.container(), pids)
                : view.detailed(t.container(), pids, t.init())).withFence(counters(t.container()))
                .withWorkspace(workspaces.get(t.container()).take()).withExecs(takeExecs(t.container())).sharing(window.peekLast());
        window.addLast(now);
        trim(window, now);
        List<Threat> threats = Detectors.detect(new ArrayList<>(window), t.settings());
        synchronized (responder) {
            return responder.respond(t.container(), t.settings(), threats);
        }
    }

    /**
     * The fork-bomb guard's look, from a thread of its own: the container's pids only, which the
     * kernel lists without touching any process's memory. A full look under a bomb can take
     * seconds (reading a command line waits on the memory map lock that every fork holds), and the
     * bomb must be answered before it stalls the host: on this project's 2-core machines a host
     * became unresponsive within seconds at a few hundred processes.
     */
    public List<AuditEvent> guard(Target t) {
        Path cgroup = cgroups.get(t.container());
        if (cgroup == null) return List.of();
        Deque<Snapshot> series = counts.computeIfAbsent(t.container(), c -> new ArrayDeque<>());
        HostView.Tree tree = view.tree(t.container(), cgroup);
        Snapshot now = view.bare(t.container(), tree.pids());
        series.addLast(now);
        trim(series, now);
        List<Threat> bomb = new ArrayList<>(Detectors.processSpike(new ArrayList<>(series), t.settings().processCountThreshold(),
                t.settings().processSpawnRateThreshold()));
        if (tree.beyond() != null) bomb.add(Detectors.hiddenCgroups(tree.beyond()));
        Threat hidden = shortfalls.see(t.container(), tree.unaccounted());
        if (hidden != null) bomb.add(hidden);
        if (bomb.isEmpty()) return List.of();
        synchronized (responder) {
            return responder.respond(t.container(), t.settings(), bomb);
        }
    }

    /**
     * An exec anywhere on the host: read at once when it is in a watched container, as a process
     * that lives less than one look (`cat /proc/1/environ`) would be gone by the next.
     */
    private void exec(int pid) {
        String payload = view.payloadOf(pid);
        String container = payload == null ? null : payloads.get(payload);
        if (container == null) return;
        List<Snapshot.Proc> seen = execs.computeIfAbsent(container, c -> new ArrayList<>());
        // a process without a command line is exiting (its memory is gone, its descriptors not yet): nothing to tell by
        view.process(pid).filter(p -> !p.cmdline().isEmpty()).ifPresent(p -> {
            synchronized (seen) {
                if (seen.size() < EXECS_PER_LOOK) seen.add(p);
            }
        });
    }

    private List<Snapshot.Proc> takeExecs(String container) {
        List<Snapshot.Proc> seen = execs.get(container);
        if (seen == null) return List.of();
        synchronized (seen) {
            List<Snapshot.Proc> taken = List.copyOf(seen);
            seen.clear();
            return taken;
        }
    }

    private static void trim(Deque<Snapshot> window, Snapshot now) {
        while (window.size() > 2 && window.peekFirst().at().plus(WINDOW).isBefore(now.at())) window.removeFirst();
    }

    /**
     * After a pause (frozen) the window starts over: the io, spawns and execs of before the freeze
     * were answered already.
     */
    public void restartWindow(String container) {
        counts.remove(container);
        shortfalls.forget(container);
        WorkspaceWatch workspace = workspaces.get(container);
        if (workspace != null) workspace.take();
        takeExecs(container);
        Deque<Snapshot> window = windows.get(container);
        if (window != null && window.size() > 1) {
            Snapshot last = window.peekLast();
            window.clear();
            window.add(last);
        }
    }

    /**
     * The latest counters; a read of fresh ones starts in the background when these are a second old, on a
     * short-lived platform thread: a virtual one would keep the scheduler's carrier and helper threads (four)
     * and their classes resident in the supervisor for a read that runs `nft` once a second.
     */
    private Snapshot.Fence counters(String container) {
        Instant last = countersAt.get(container);
        if ((last == null || !clock.instant().isBefore(last.plusSeconds(1))) && reading.add(container)) {
            Thread.ofPlatform().daemon().name("coi-fence-counters").start(() -> {
                try {
                    readCounters(container);
                } finally {
                    reading.remove(container);
                }
            });
        }
        return counters.getOrDefault(container, Snapshot.Fence.UNKNOWN);
    }

    private void readCounters(String container) {
        Snapshot.Fence read;
        try {
            read = fence.apply(container);
        } catch (RuntimeException e) {
            // the counters are one detector's input: failing to read them must not blind the others
            read = Snapshot.Fence.UNKNOWN;
        }
        counters.put(container, read);
        countersAt.put(container, clock.instant());
    }

    /** Stops watching containers that are not in {@code keep}. */
    public void retain(Set<String> keep) {
        for (String name : List.copyOf(windows.keySet())) {
            if (!keep.contains(name)) forget(name);
        }
    }

    /** Stops watching a container and forgets what was seen of it. */
    public void forget(String name) {
        windows.remove(name);
        WorkspaceWatch workspace = workspaces.remove(name);
        if (workspace != null) workspace.close();
        payloads.values().remove(name);
        execs.remove(name);
        cgroups.remove(name);
        counts.remove(name);
        shortfalls.forget(name);
        counters.remove(name);
        countersAt.remove(name);
        synchronized (responder) {
            responder.forget(name);
        }
    }

    /**
     * The native waiter handed {@code container} back ({@code why}) after its last look at {@code at}, and this
     * monitor watches it from now: said in its audit log, with the time nobody looked (the JVM's start).
     */
    public void handedBack(String container, String why, java.time.Instant at) {
        long gap = Math.max(0, java.time.Duration.between(at, clock.instant()).toMillis());
        note(container, Level.INFO, "handed back to the supervisor", "the native monitor could not watch it whole (" + why
                + "); the supervisor watches it from here, its first look " + gap + " ms after the native monitor's last");
    }

    private void note(String container, Level level, String title, String description) {
        log.append(AuditEvent.of(container, new Threat(level, Threat.MONITOR, title, description, Evidence.none()), Action.LOGGED,
                OffsetDateTime.now(clock)));
    }
}
