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
import java.util.function.Function;

/**
 * Watches monitored containers from the host: each {@link #tick} reads a snapshot of one
 * container, keeps the last {@link Config.Monitoring#WINDOW_SECONDS} of them, runs the detectors
 * and hands what they find to the responder. One instance serves every container of the supervisor.
 */
public final class Monitor {
    /** A container to watch: its name, its payload cgroup name and its settings. */
    public record Target(String container, String payload, Config.Monitoring settings) {}

    private static final Duration WINDOW = Duration.ofSeconds(Config.Monitoring.WINDOW_SECONDS);

    private final HostView view;
    private final Responder responder;
    private final AuditLog log;
    private final Clock clock;
    private final Map<String, Deque<Snapshot>> windows = new HashMap<>();
    private final Map<String, Path> cgroups = new HashMap<>();
    private final Function<String, Snapshot.Fence> fence;
    /** The last counters read per container and when: nft is a process to start, so at most once a second. */
    private final Map<String, Snapshot.Fence> counters = new HashMap<>();
    private final Map<String, Instant> countersAt = new HashMap<>();

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
     * was not running for a while, is written in as well.
     */
    public void start(Target t, OffsetDateTime gapSince) {
        if (gapSince != null) {
            note(t.container(), Level.WARNING, "monitoring gap since " + gapSince,
                    "the supervisor was not running (killed or crashed) from " + gapSince + " until now: activity in between was not watched");
        }
        try {
            Path cgroup = view.cgroupOf(t.payload());
            Snapshot first = view.snapshot(t.container(), cgroup).withFence(counters(t.container()));
            cgroups.put(t.container(), cgroup);
            windows.put(t.container(), new ArrayDeque<>(List.of(first)));
            note(t.container(), Level.INFO, "monitoring started", "the supervisor watches this container from the host");
        } catch (ObservationException e) {
            note(t.container(), Level.HIGH, "cannot observe the container", e.getMessage());
            throw e;
        }
    }

    /** One look at the container; returns what was recorded. */
    public List<AuditEvent> tick(Target t) {
        Path cgroup = cgroups.get(t.container());
        Deque<Snapshot> window = windows.get(t.container());
        Snapshot now = view.snapshot(t.container(), cgroup, t.settings().processCountThreshold()).withFence(counters(t.container()));
        window.addLast(now);
        while (window.size() > 2 && window.peekFirst().at().plus(WINDOW).isBefore(now.at())) window.removeFirst();
        return responder.respond(t.container(), t.settings(), Detectors.detect(new ArrayList<>(window), t.settings()));
    }

    /**
     * After a pause (frozen) the window starts over: the io and spawns of before the freeze were
     * answered already.
     */
    public void restartWindow(String container) {
        Deque<Snapshot> window = windows.get(container);
        if (window != null && window.size() > 1) {
            Snapshot last = window.peekLast();
            window.clear();
            window.add(last);
        }
    }

    private Snapshot.Fence counters(String container) {
        Instant now = clock.instant();
        Instant last = countersAt.get(container);
        if (last == null || !now.isBefore(last.plusSeconds(1))) {
            Snapshot.Fence read;
            try {
                read = fence.apply(container);
            } catch (RuntimeException e) {
                // the counters are one detector's input: failing to read them must not blind the others
                read = Snapshot.Fence.UNKNOWN;
            }
            counters.put(container, read);
            countersAt.put(container, now);
        }
        return counters.get(container);
    }

    /** Stops watching containers that are not in {@code keep}. */
    public void retain(Set<String> keep) {
        for (String name : List.copyOf(windows.keySet())) {
            if (!keep.contains(name)) {
                windows.remove(name);
                cgroups.remove(name);
                counters.remove(name);
                countersAt.remove(name);
                responder.forget(name);
            }
        }
    }

    private void note(String container, Level level, String title, String description) {
        log.append(AuditEvent.of(container, new Threat(level, Threat.MONITOR, title, description, Evidence.none()), Action.LOGGED,
                OffsetDateTime.now(clock)));
    }
}
