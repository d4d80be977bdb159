package coi.session;

import coi.CoiException;
import coi.incus.IncusClient;
import coi.incus.IncusException;
import coi.incus.Model;
import java.util.ArrayList;
import java.util.List;

/** `coi tmux`: automation of running sessions (list them, type into them, read their screen). */
public final class TmuxControl {
    private final IncusClient incus;
    private final String prefix;

    public TmuxControl(IncusClient incus, String prefix) {
        this.incus = incus;
        this.prefix = prefix;
    }

    public record Pane(String container, String session, int windows, boolean attached) {}

    /**
     * The sessions of every running coi container; a container whose tmux does not answer as tmux does (given up,
     * see {@link #tmux}) is left out and said on {@code warn}, so one container cannot hide the others.
     */
    public List<Pane> list(java.util.function.Consumer<String> warn) {
        List<Pane> panes = new ArrayList<>();
        for (Model.Instance i : incus.instances()) {
            if (!i.name().startsWith(prefix) || i.configValue(Labels.WORKSPACE) == null || !i.running()) continue;
            Model.ExecResult r;
            try {
                try {
                    r = tmux(i, "list-sessions", "-F", "#{session_name} #{session_windows} #{session_attached}");
                } catch (IncusException e) {
                    // once more: the daemon sometimes fails an exec it has just begun ("Failed to retrieve PID of executing child process")
                    r = tmux(i, "list-sessions", "-F", "#{session_name} #{session_windows} #{session_attached}");
                }
            } catch (GivenUp e) {
                warn.accept(e.getMessage());
                continue;
            }
            if (r.exitCode() != 0) continue;
            for (String line : r.out().split("\n")) {
                String[] f = line.trim().split(" ");
                // tmux in the container is the agent's to replace: a line that is not tmux's is left out
                if (f.length == 3 && f[1].matches("\\d{1,6}")) panes.add(new Pane(i.name(), f[0], Integer.parseInt(f[1]), !f[2].equals("0")));
            }
        }
        return panes;
    }

    /** Types {@code text} into the session and presses Enter. */
    public void send(String container, String text) {
        Model.Instance instance = running(container);
        String session = ContainerName.tmuxSession(container);
        check(container, tmux(instance, "send-keys", "-t", session, "-l", text));
        check(container, tmux(instance, "send-keys", "-t", session, "Enter"));
    }

    /** The visible pane of the session. */
    public String capture(String container) {
        Model.ExecResult r = tmux(running(container), "capture-pane", "-p", "-t", ContainerName.tmuxSession(container));
        check(container, r);
        return r.out();
    }

    private Model.Instance running(String container) {
        Model.Instance instance;
        try {
            instance = incus.instance(container);
        } catch (IncusException.NotFound e) {
            throw new CoiException("container " + container + " not found: `coi tmux list` shows the running sessions");
        }
        if (!instance.running()) throw new CoiException("container " + container + " is not running");
        return instance;
    }

    /** The most output of one tmux command read: a screen of 1,000 columns by 1,000 lines. */
    static final int OUTPUT_MAX = 1 << 20;
    /** How long one tmux command is waited for. */
    static final long SECONDS = 15;

    /**
     * tmux as the container's code user, whose server holds the session, bounded ({@link #OUTPUT_MAX},
     * {@link #SECONDS}): tmux is a program root inside may have replaced with one that floods or never ends.
     */
    private Model.ExecResult tmux(Model.Instance instance, String... args) {
        List<String> argv = new ArrayList<>(List.of("tmux"));
        argv.addAll(List.of(args));
        try {
            return incus.execCaptureBounded(instance.name(), CodeUser.of(instance).exec(argv, SessionPlan.CODE_HOME), OUTPUT_MAX, SECONDS);
        } catch (IncusException.GivenUp e) {
            throw new GivenUp("tmux in " + instance.name() + ": " + e.getMessage() + "; a tmux that does not answer as tmux does may"
                    + " have been replaced by the agent (or the container is overloaded): `coi attach " + instance.name()
                    + "` still reaches the session");
        }
    }

    /** A container's tmux that wrote too much or did not end in time (see {@link #tmux}). */
    public static final class GivenUp extends CoiException {
        GivenUp(String message) {
            super(message);
        }
    }

    private static void check(String container, Model.ExecResult r) {
        if (r.exitCode() != 0) {
            throw new CoiException("tmux in " + container + ": " + r.err().trim() + " (`coi tmux list` shows the sessions)");
        }
    }
}
