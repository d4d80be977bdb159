package coi.session;

import coi.CoiException;
import coi.incus.IncusClient;
import coi.incus.Terminal;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The user's terminal started as the session's tmux is made, not after (from the pool: as soon
 * as the member is claimed, beside the attach of the session's devices and policy): the incus
 * CLI's own start, its exec and websockets (about 0.2 s) then overlap the tmux exec. Its command
 * waits in the container for the tmux session to exist, then attaches. The tmux step still makes
 * the session and reports a failure, and the launch is kept only once it did, so each way a
 * launch fails is undone as before, the terminal first:
 * <ul>
 * <li>the tmux step fails (tmux missing, the exec failing), or a claimed member's attach: the
 *     terminal is ended before the launch's undo and its error line;</li>
 * <li>coi is interrupted (SIGTERM, SIGHUP) before the launch is kept: the interrupt's undo ends it
 *     the same way;</li>
 * <li>the terminal ends before the session is up (Ctrl-C: in raw mode it reaches the waiting
 *     command, not coi; or the CLI fails): the launch is undone, as a Ctrl-C was before.</li>
 * </ul>
 * Ended means SIGTERM, which the CLI passes on to its command and then restores the terminal,
 * once it listens for it: the incus CLI (6.0) puts the terminal in raw mode, then connects its
 * websockets, and only then handles SIGTERM. A SIGTERM in between (some 40 ms, longer under load:
 * a tmux step that fails at once ends the terminal just then) kills it with the terminal still
 * raw, so coi puts back the mode it saw before the CLI started ({@code stty -g}) whenever it ended
 * the CLI. A coi killed with SIGKILL leaves the CLI waiting: its command attaches if the session
 * comes up and gives up after about {@link #WAIT_ROUNDS} rounds otherwise.
 */
final class EarlyTerminal {
    /** Rounds of 30 ms the terminal waits for the session: some 35 s. */
    static final int WAIT_ROUNDS = 1000;
    private static final long END_WAIT_SECONDS = 5;

    private final IncusClient incus;
    private final PrintWriter out;
    private volatile Process process;
    /** The terminal's mode before the CLI took it ({@code stty -g}), or null when there was none to read. */
    private volatile String mode;

    EarlyTerminal(IncusClient incus, PrintWriter out) {
        this.incus = incus;
        this.out = out;
    }

    /**
     * The launch with its {@link LaunchSteps#TMUX} step (if any) starting this terminal first,
     * and a pooled launch's {@link WarmPool#ATTACH} step earlier still: once a member is claimed
     * the terminal's start has nothing to wait for.
     */
    Launcher around(Launcher launcher) {
        return launcher.around(step -> switch (step.name()) {
            case WarmPool.ATTACH -> beside(step);
            case LaunchSteps.TMUX -> around(step);
            default -> step;
        });
    }

    /**
     * The terminal started beside a claimed member's attach. Its command runs as code and only
     * waits for tmux's socket: nothing of the session is needed for that, and the agent starts
     * only with tmux, after the attach. A failing attach ends it before the claim's undo.
     */
    private Launcher.Step beside(Launcher.Step attach) {
        return Launcher.step(attach.name(), launch -> {
            Launcher.Undo undo;
            try {
                undo = Overlap.run(() -> start(launch.plan()), () -> attach.apply(launch));
            } catch (RuntimeException | Error e) {
                end();
                throw e;
            }
            return () -> {
                end();
                undo.undo();
            };
        });
    }

    private Launcher.Step around(Launcher.Step tmux) {
        return Launcher.step(tmux.name(), launch -> {
            SessionPlan plan = launch.plan();
            AtomicReference<Launcher.Undo> made = new AtomicReference<>(Launcher.Undo.NOTHING);
            try {
                // the JVM takes a few tens of milliseconds to start a process: not on the tmux exec's path either
                if (process == null) Overlap.run(() -> start(plan), () -> made.set(tmux.apply(launch)));
                else made.set(tmux.apply(launch));
            } catch (RuntimeException | Error e) {
                end();
                // tmux's step may have succeeded beside a terminal that could not start: the launcher undoes only completed steps
                made.get().undo();
                throw e;
            }
            Launcher.Undo undo = made.get();
            if (!process.isAlive()) {
                int exit = process.exitValue();
                undo.undo();
                if (exit == 130) throw new Launcher.Interrupted();
                throw new CoiException("the terminal ended (exit code " + exit + ") before the session was up: the launch was undone");
            }
            return () -> {
                end();
                undo.undo();
            };
        });
    }

    private void start(SessionPlan plan) {
        out.println("Attaching to " + plan.container() + " (slot " + plan.slot() + ")...");
        out.flush();
        mode = modeOfTerminal();
        // "/": a claimed member's /workspace may not be mounted yet, and the attaching client's folder is no pane's
        process = Terminal.start(incus, plan.container(), plan.code().uid(), plan.code().gid(), "/", command(plan.tmuxSession()));
    }

    /**
     * Waits in the container until tmux holds {@code session}, then attaches to it. A tmux client
     * is asked only once the server's socket is there: until then a round costs a `sleep`, not a
     * tmux, on the CPU the session is being made with.
     */
    static List<String> command(String session) {
        return List.of("sh", "-c", "n=0; socket=\"${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/default\";"
                + " until [ -S \"$socket\" ] && tmux has-session -t \"$1\" 2>/dev/null; do n=$((n+1));"
                + " if [ $n -gt " + WAIT_ROUNDS + " ]; then echo \"coi: tmux session $1 never came up\" >&2; exit 1; fi;"
                + " sleep 0.03; done; exec tmux attach-session -t \"$1\"", "coi-attach", session);
    }

    /** Whether the launch started the terminal (a launch without a tmux step does not). */
    boolean started() {
        return process != null;
    }

    /** Waits for the terminal to end; its exit code. */
    int await() {
        return Terminal.await(process);
    }

    /**
     * SIGTERM, then a moment for the CLI to restore the terminal; SIGKILL only if it does not end.
     * Then the terminal's mode from before the CLI: a SIGTERM before the CLI listens for it (or a
     * SIGKILL) ends it in raw mode, and the user's shell would get a terminal without echo.
     */
    private void end() {
        Process p = process;
        if (p == null || !p.isAlive()) return;
        p.destroy();
        try {
            if (!p.waitFor(END_WAIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(END_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        if (!p.isAlive()) restoreMode(mode);
    }

    /** {@code stty -g} of coi's terminal: the mode to put back; null when stdin is no terminal or stty failed. */
    static String modeOfTerminal() {
        try {
            Process stty = new ProcessBuilder("stty", "-g").redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String saved = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return stty.waitFor() == 0 && saved.matches("[0-9a-fA-F:]+") ? saved : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Puts back a mode {@link #modeOfTerminal} read; the CLI, when it restored it itself, left the same. */
    static void restoreMode(String saved) {
        if (saved == null) return;
        try {
            new ProcessBuilder("stty", saved).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            // no stty: the user's `reset` is the way back, as before
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
