package coi.session;

import coi.CoiException;
import coi.incus.ExecRequest;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** `coi tmux`: automation of running sessions (list them, type into them, read their screen). */
public final class TmuxControl {
    private final IncusClient incus;
    private final String prefix;

    public TmuxControl(IncusClient incus, String prefix) {
        this.incus = incus;
        this.prefix = prefix;
    }

    public record Pane(String container, String session, int windows, boolean attached) {}

    public List<Pane> list() {
        List<Pane> panes = new ArrayList<>();
        for (Model.Instance i : incus.instances()) {
            if (!i.name().startsWith(prefix) || i.configValue(Labels.WORKSPACE) == null || !i.running()) continue;
            Model.ExecResult r = tmux(i.name(), "list-sessions", "-F", "#{session_name} #{session_windows} #{session_attached}");
            if (r.exitCode() != 0) continue;
            for (String line : r.out().split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length == 3) panes.add(new Pane(i.name(), f[0], Integer.parseInt(f[1]), !f[2].equals("0")));
            }
        }
        return panes;
    }

    /** Types {@code text} into the session and presses Enter. */
    public void send(String container, String text) {
        String session = session(container);
        check(container, tmux(container, "send-keys", "-t", session, "-l", text));
        check(container, tmux(container, "send-keys", "-t", session, "Enter"));
    }

    /** The visible pane of the session. */
    public String capture(String container) {
        Model.ExecResult r = tmux(container, "capture-pane", "-p", "-t", session(container));
        check(container, r);
        return r.out();
    }

    private String session(String container) {
        Model.Instance instance;
        try {
            instance = incus.instance(container);
        } catch (IncusException.NotFound e) {
            throw new CoiException("container " + container + " not found: `coi tmux list` shows the running sessions");
        }
        if (!instance.running()) throw new CoiException("container " + container + " is not running");
        return ContainerName.tmuxSession(container);
    }

    private Model.ExecResult tmux(String container, String... args) {
        List<String> argv = new ArrayList<>(List.of("tmux"));
        argv.addAll(List.of(args));
        return incus.execCapture(container, new ExecRequest(argv, Map.of(), Sessions.CODE_UID, Sessions.CODE_UID, SessionPlan.CODE_HOME));
    }

    private static void check(String container, Model.ExecResult r) {
        if (r.exitCode() != 0) {
            throw new CoiException("tmux in " + container + ": " + r.err().trim() + " (`coi tmux list` shows the sessions)");
        }
    }
}
