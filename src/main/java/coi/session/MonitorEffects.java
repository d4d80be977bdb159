package coi.session;

import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import coi.monitor.Responder;
import coi.monitor.Threat;
import java.nio.file.Path;
import java.util.List;

/**
 * The monitor's responses, applied through Incus: a warning shown in the session's tmux, a
 * freeze with its reason on the container, a forced stop with the session marked as stopped by
 * the monitor first (workspace and tool state are host mounts, untouched by either).
 */
final class MonitorEffects implements Responder.Effects {
    private final IncusClient incus;
    private final SessionStore store;

    MonitorEffects(IncusClient incus, SessionStore store) {
        this.incus = incus;
        this.store = store;
    }

    @Override
    public void alert(String container, Threat threat) {
        try {
            incus.execCapture(container, CodeUser.of(incus.instance(container)).exec(List.of("tmux", "display-message", "-d", "10000",
                    "-t", ContainerName.tmuxSession(container), "coi monitor: " + threat.level().label() + ": " + threat.title()),
                    SessionPlan.CODE_HOME));
        } catch (IncusException e) {
            Supervisor.log("could not show the warning in " + container + ": " + e.getMessage());
        }
    }

    @Override
    public void pause(String container, Threat threat) {
        incus.setConfig(container, Labels.FROZEN_BY, threat.title());
        incus.freeze(container);
        Supervisor.log("froze " + container + ": " + threat.title());
    }

    @Override
    public void kill(String container, Threat threat) {
        try {
            Model.Instance instance = incus.instance(container);
            String tool = instance.configValue(Labels.TOOL), id = instance.configValue(Labels.SESSION);
            String root = instance.configValue(Labels.SESSIONS_ROOT);
            SessionStore sessions = root == null ? store : new SessionStore(Path.of(root));
            if (tool != null && id != null) {
                sessions.find(tool, id).ifPresent(m -> sessions.save(m.stoppedBy("monitor: " + threat.title(), Sessions.now())));
            }
        } catch (RuntimeException e) {
            Supervisor.log("could not mark the session of " + container + " as stopped by the monitor: " + e.getMessage());
        }
        incus.stop(container, -1, true);
        Supervisor.log("stopped " + container + ": " + threat.title());
    }
}
