package coi.session;

import coi.CoiException;
import coi.UsageException;
import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Instances;
import coi.incus.Model;
import coi.incus.Terminal;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The user's terminal in a session's tmux, as code, and what happens when it returns: a
 * container that went down is finalized (session saved, ephemeral container and its rules
 * removed), one still running gets a hint how to come back.
 */
final class Attachment {
    static final Duration STOP_WAIT = Duration.ofSeconds(60);
    /** What `systemctl is-system-running` says of a system that is up (booting, running, with failed units, in rescue). */
    private static final Set<String> UP_STATES = Set.of("initializing", "starting", "running", "degraded", "maintenance");

    private final IncusClient incus;
    private final SessionStore store;
    private final Fencing fencing;
    private final PrintWriter out;
    private final Duration stopWait;

    Attachment(IncusClient incus, SessionStore store, Fencing fencing, PrintWriter out) {
        this(incus, store, fencing, out, STOP_WAIT);
    }

    /** As above, waiting {@code stopWait} for a container going down to stop. */
    Attachment(IncusClient incus, SessionStore store, Fencing fencing, PrintWriter out, Duration stopWait) {
        this.incus = incus;
        this.store = store;
        this.fencing = fencing;
        this.out = out;
        this.stopWait = stopWait;
    }

    /** A plain login shell as code (`coi attach --bash`). */
    int bash(String container, CodeUser code) {
        requireTerminal("`coi attach` needs a terminal: run it from an interactive shell");
        return Terminal.attach(incus, container, code.uid(), code.gid(), SessionPlan.WORKSPACE_MOUNT, List.of("bash", "-l"));
    }

    /** Attaches to the session's tmux, then settles what the session left. */
    int attachAndSettle(String container, String tmux, CodeUser code, Path workspace) {
        requireTerminal("`coi shell` needs a terminal to attach: run it interactively, or use `--detach` and `coi attach` later");
        String since = runningSince(container);
        int exit = Terminal.attach(incus, container, code.uid(), code.gid(), SessionPlan.WORKSPACE_MOUNT,
                List.of("tmux", "attach-session", "-t", tmux));
        settle(container, tmux, code, workspace, since);
        return exit;
    }

    /**
     * `coi shell --tmux=false`: the tool on this terminal, no tmux to detach from; its exit (or coi's
     * end: the terminal closed, SIGTERM) ends the session: the container is stopped (an ephemeral one
     * is removed, a persistent one kept) and the session saved, as after `sudo poweroff` inside. A
     * session that a `coi shell` joined in tmux meanwhile is left running. Returns the tool's exit
     * code, as `incus exec` reports it (a poweroff inside ends it as the CLI reports a lost exec).
     */
    int runToolAndEnd(String container, String tmux, CodeUser code, List<String> tool, Path workspace) {
        // coi ended while the tool runs (its terminal closed, SIGTERM): the container is stopped all the same
        Thread hook = new Thread(() -> {
            try {
                incus.stopInBackground(container);
                new Finalizer(incus, store).endedByName(container);
            } catch (RuntimeException e) {
                // best effort on the way out: the background process ends the session when the container stops
            }
        }, "coi-end-without-tmux");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit;
        try {
            exit = Terminal.attach(incus, container, code.uid(), code.gid(), SessionPlan.WORKSPACE_MOUNT, tool);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs
            }
        }
        coi.Trace.mark("settle: the tool returned");
        try {
            // the monitor froze it: it decides, as after a shell in tmux
            if (saidFrozen(container)) return exit;
            if (tmuxRunning(incus, container, tmux, code)) {
                out.println("the tool exited; " + container + " keeps running: a `coi shell` joined it in tmux (`coi attach " + container + "`)");
                return exit;
            }
            Optional<Model.Instance> down = stopForGood(container);
            if (down.isPresent() && !down.get().down()) {
                out.println("could not stop " + container + " (it still reads " + down.get().status() + "): `coi kill " + container
                        + "` stops it; the session is saved when it stops");
                return exit;
            }
            ended(container, down);
            return exit;
        } finally {
            warnGit(store.root(), workspace, incus, out);
            out.flush();
        }
    }

    /** How long the end of a session without tmux waits for the container's clean shutdown before it stops it at once. */
    static final int END_STOP_SECONDS = 30;

    /**
     * Stops {@code container} until a stop holds: cleanly first, then at once. A poweroff inside may
     * have it stopping already (the stop is refused), a reboot inside starts it again after its stop.
     * Returns the last reading: empty when it is gone, down when stopped, else what it still reads.
     */
    private Optional<Model.Instance> stopForGood(String container) {
        Instances.StopSeen seen = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                incus.stop(container, attempt == 0 ? END_STOP_SECONDS : 0, attempt > 0);
            } catch (IncusException.NotFound gone) {
                return Optional.empty();
            } catch (IncusException e) {
                // already stopped or stopping: the wait below reads what it comes to
                coi.Trace.mark("stop of " + container + " refused: " + e.getMessage());
            }
            seen = incus.awaitStopped(container, Duration.ofSeconds(10));
            if (seen.outcome() == Instances.StopSeen.Outcome.STOPPED) return seen.last();
        }
        return seen.last();
    }

    static void requireTerminal(String message) {
        if (!Terminal.interactive()) throw new UsageException(message);
    }

    /**
     * When {@code container}, running as a terminal attaches to it, last started (Incus's
     * last_used_at), for {@link #settle}; null when it cannot be read.
     */
    String runningSince(String container) {
        try {
            return incus.findInstance(container).map(Model.Instance::lastUsedAt).orElse(null);
        } catch (IncusException e) {
            return null;
        }
    }

    /**
     * After the terminal returns: saved and removed if the container went down, a hint otherwise
     * (detached; started again by a reboot inside; still shutting down; the tool exited). Only a stop
     * that {@link Instances#awaitStopped} saw through, or a container gone, is down: a "Frozen" reading
     * may be a stopping container's monitor that did not answer, or a paused session; neither is ended.
     * {@code runningSince} is the container's last start as the terminal attached ({@link #runningSince};
     * null: not known): a later one is a reboot inside, also when no reading saw its stop.
     */
    void settle(String container, String tmux, CodeUser code, Path workspace, String runningSince) {
        coi.Trace.mark("settle: the terminal returned");
        Instances.StopSeen stop = null;
        if (!tmuxRunning(incus, container, tmux, code)) {
            coi.Trace.mark("settle: tmux is gone");
            // the monitor froze it (no exec gets in): nothing to wait for, nothing ended
            if (saidFrozen(container)) return;
            if (shuttingDown(container)) stop = incus.awaitStopped(container, stopWait, runningSince);
        }
        // the wait's own last reading when it saw the stop: a look after it may fall in Incus's tidying up, which reads Running
        Optional<Model.Instance> now = stop != null && stop.outcome() == Instances.StopSeen.Outcome.STOPPED ? stop.last() : incus.findInstance(container);
        coi.Trace.mark("settle: " + now.map(Model.Instance::status).orElse("gone"));
        if (now.isEmpty() || now.get().down()) {
            ended(container, now);
        } else if (tmuxRunning(incus, container, tmux, code)) {
            out.println("detached from " + container + ": `coi attach " + container + "` to return");
        } else if (stop != null && stop.outcome() == Instances.StopSeen.Outcome.STARTED_AGAIN
                || now.get().running() && Instances.startedSince(now.get(), runningSince)) {
            out.println(ViewlessStart.onItsView(store.root(), now.get())
                    ? container + " started again (a reboot inside) on an empty /workspace (only coi's own start mounts a protected view):"
                            + " coi's background process stops it; `coi shell --resume` continues the session with its workspace"
                    : container + " started again (a reboot inside): `coi attach " + container + " --bash` to return, `coi shutdown " + container
                            + "` to end the session");
        } else if (stop != null && !Thread.currentThread().isInterrupted()) {
            // a process inside that ignores SIGTERM holds a shutdown up to systemd's 90 s
            out.println(container + " is still shutting down after " + stopWait.toSeconds() + " s (a process inside has not ended): coi's background"
                    + " process saves the session when it stops; `coi kill " + container + "` stops it now");
        } else {
            out.println("the tool exited; " + container + " is still running: `coi attach " + container + " --bash` or `coi shutdown " + container + "`");
        }
        warnGit(store.root(), workspace, incus, out);
        out.flush();
    }

    /** Whether the monitor froze {@code container}; if so, says so and what to do. */
    private boolean saidFrozen(String container) {
        String threat = incus.findInstance(container).filter(i -> "Frozen".equals(i.status())).map(i -> i.configValue(Labels.FROZEN_BY)).orElse(null);
        if (threat == null) return false;
        out.println(container + " is frozen by the monitor (" + threat + "): `coi resume " + container + "` lets it go on, `coi kill "
                + container + "` ends it");
        out.flush();
        return true;
    }

    /** A session whose container is gone or down ({@code now}): saved as ended, an ephemeral container and its rules removed, and said. */
    private void ended(String container, Optional<Model.Instance> now) {
        Finalizer finalizer = new Finalizer(incus, store);
        now.ifPresentOrElse(finalizer::ended, () -> finalizer.endedByName(container));
        if (incus.findInstance(container).isEmpty()) fencing.remove(container);
        out.println("session ended: container " + container + (now.isPresent() && "true".equals(now.get().configValue(Labels.PERSISTENT))
                ? " stopped (persistent)" : " removed") + "; `coi shell --resume` continues it");
    }

    /** What the {@link GitGuard} moved aside in {@code workspace} now, said on {@code out}. */
    static void warnGit(Path root, Path workspace, IncusClient incus, PrintWriter out) {
        for (GitGuard.Quarantined q : GitGuard.check(root, workspace, incus::instancesOfAllProjects)) {
            out.println("coi: warning: " + coi.Printable.line(q.describe()));
        }
    }

    /** How long a look at the session's tmux is waited for: tmux is a program the agent may have replaced. */
    static final long TMUX_LOOK_SECONDS = 10;

    /**
     * Whether the session's tmux holds {@code tmux}. Only its exit code matters: its output goes
     * nowhere, and an answer that does not come within {@link #TMUX_LOOK_SECONDS} counts as
     * running (a session is never ended because a look went unanswered).
     */
    static boolean tmuxRunning(IncusClient incus, String container, String tmux, CodeUser code) {
        try {
            var exit = incus.execDetached(container, code.exec(List.of("tmux", "has-session", "-t", tmux), SessionPlan.CODE_HOME), TMUX_LOOK_SECONDS);
            return exit.isEmpty() || exit.getAsInt() == 0;
        } catch (IncusException e) {
            return false;
        }
    }

    /**
     * tmux dies early in a `poweroff` inside, while Incus still says Running: ask systemd. Late in a
     * shutdown systemctl cannot reach it any more and says "offline" (or "unknown"), and an exec may
     * fail outright: only a state of a system that is up means it is not going down.
     */
    private boolean shuttingDown(String container) {
        try {
            // bounded: root inside may have replaced systemctl; no answer in time reads as going down (a wait for the stop follows)
            String state = incus.execCaptureBounded(container, ExecRequest.of("systemctl", "is-system-running"), 4096, TMUX_LOOK_SECONDS)
                    .out().trim();
            coi.Trace.mark("settle: systemd says " + state);
            return !UP_STATES.contains(state);
        } catch (IncusException e) {
            coi.Trace.mark("settle: systemd not asked: " + e.getMessage());
            return true;
        }
    }

    /** The container `coi attach` means, checked: coi's, there, running. */
    static Model.Instance running(IncusClient incus, String target, String prefix) {
        if (!target.startsWith(prefix)) throw SessionAdmin.notCoi(target, prefix);
        Model.Instance instance;
        try {
            instance = incus.instance(target);
        } catch (IncusException.NotFound e) {
            throw new CoiException("container " + target + " not found: `coi list` shows the running sessions");
        }
        if (!instance.running()) {
            throw new CoiException("container " + target + " is " + instance.status().toLowerCase()
                    + ": `coi shell --persistent --slot " + instance.configValue(Labels.SLOT) + "` starts it again");
        }
        return instance;
    }
}
