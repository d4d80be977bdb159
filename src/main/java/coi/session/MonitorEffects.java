package coi.session;

import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import coi.monitor.CgroupKill;
import coi.monitor.HostView;
import coi.monitor.Threat;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The monitor's responses: a warning shown in the session's tmux, a freeze with its reason on the
 * container, a kill of every process through the cgroup followed by a forced Incus stop, with the
 * session marked as stopped by the monitor (workspace and tool state are host mounts, untouched
 * by either).
 */
final class MonitorEffects {
    private final IncusClient incus;
    private final SessionStore store;

    private final CgroupKill cgroups;

    MonitorEffects(IncusClient incus, SessionStore store, CgroupKill cgroups) {
        this.incus = incus;
        this.store = store;
        this.cgroups = cgroups;
    }

    /** How long a warning's exec is waited for: the agent may have replaced tmux with what never ends. */
    static final long ALERT_SECONDS = 3;
    /** Warnings waiting to be shown; more are dropped (each is in the audit log already). */
    private static final int ALERTS_WAITING = 16;

    /**
     * Shows warnings one after the other, on a thread of their own: the exec is the agent's to
     * make slow (tmux is a program in its container), and the monitor answers every container
     * from one place, which must never wait on it. Made when the first warning comes.
     */
    private java.util.concurrent.ExecutorService alerts;

    /**
     * The warning in the session's tmux, shown beside the monitor, never in its way: queued for
     * the alerts' thread (dropped when {@link #ALERTS_WAITING} wait already), where its exec is
     * bounded: its output is dropped and its end awaited at most {@link #ALERT_SECONDS}.
     */
    synchronized void alert(String container, Threat threat) {
        if (alerts == null) {
            alerts = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
                    new java.util.concurrent.ArrayBlockingQueue<>(ALERTS_WAITING), Thread.ofPlatform().daemon().name("coi-monitor-alerts").factory());
        }
        try {
            alerts.execute(() -> show(container, threat));
        } catch (java.util.concurrent.RejectedExecutionException full) {
            Supervisor.log("not shown in " + container + " (" + ALERTS_WAITING + " warnings wait already): " + threat.title());
        }
    }

    private void show(String container, Threat threat) {
        try {
            var shown = incus.execDetached(container, CodeUser.of(incus.instance(container)).exec(List.of("tmux", "display-message", "-d", "10000",
                    "-t", ContainerName.tmuxSession(container), "coi monitor: " + threat.level().label() + ": " + coi.Printable.line(threat.title())),
                    SessionPlan.CODE_HOME), ALERT_SECONDS);
            if (shown.isEmpty()) Supervisor.log("the warning in " + container + " did not return within " + ALERT_SECONDS + " s: left running there");
        } catch (RuntimeException e) {
            Supervisor.log("could not show the warning in " + container + ": " + e.getMessage());
        }
    }

    void pause(String container, Threat threat) {
        incus.setConfig(container, Labels.FROZEN_BY, threat.title());
        incus.freeze(container);
        Supervisor.log("froze " + container + ": " + threat.title());
    }

    /**
     * Stops the container at once: the session is marked as stopped by the monitor (from the labels
     * of the last listing, so nothing waits on incusd first), every process is killed through the
     * cgroup (a fork bomb cannot outrun it, see {@link CgroupKill}), then Incus stops what is left
     * (an ephemeral container is deleted by Incus as it stops).
     */
    void kill(Model.Instance instance, Threat threat) {
        String container = instance.name();
        boolean killed = false;
        try {
            killed = cgroups.kill(HostView.payload(incus.project(), container));
            if (!killed) Supervisor.log(container + " had no cgroup left to kill");
        } catch (RuntimeException e) {
            Supervisor.log("could not kill the processes of " + container + " through its cgroup: " + e.getMessage());
        }
        try {
            String tool = instance.configValue(Labels.TOOL), id = instance.configValue(Labels.SESSION);
            String root = instance.configValue(Labels.SESSIONS_ROOT);
            SessionStore sessions = root == null ? store : new SessionStore(Path.of(root));
            if (tool != null && id != null) {
                sessions.update(tool, id, m -> m.stoppedBy("monitor: " + threat.title(), Sessions.now()));
            }
        } catch (RuntimeException e) {
            Supervisor.log("could not mark the session of " + container + " as stopped by the monitor: " + e.getMessage());
        }
        String root = instance.configValue(Labels.SESSIONS_ROOT);
        // under the name's lock, and only the very container that was killed: with its processes gone, Incus may have
        // stopped and (ephemeral) deleted it already, its session ended, and the next launch made a new one of that name
        try (NameLock lock = NameLock.hold(root == null ? store.root() : Path.of(root), container)) {
            Optional<Model.Instance> now = incus.findInstance(container);
            if (now.isPresent() && sameInstance(now.get(), instance)) {
                incus.stop(container, -1, true);
            } else if (now.isPresent()) {
                Supervisor.log(container + " is another container of the same name now: left running");
            }
        } catch (IncusException e) {
            // with its processes killed, Incus may be stopping (and, ephemeral, deleting) it already
            if (!killed) throw e;
        }
        Supervisor.log("stopped " + container + ": " + threat.title());
    }

    /** The same instance, not one made again under its name: Incus's volatile.uuid, else the creation time. */
    static boolean sameInstance(Model.Instance now, Model.Instance then) {
        String uuid = then.configValue("volatile.uuid");
        if (uuid != null && now.configValue("volatile.uuid") != null) return uuid.equals(now.configValue("volatile.uuid"));
        return then.createdAt() == null || then.createdAt().equals(now.createdAt());
    }
}
