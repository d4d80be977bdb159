package coi.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A private tmux server on the host (its own -L socket) in which interactive coi commands run as
 * on a user's terminal: send-keys to type, capture-pane to read the screen.
 */
public final class HostTmux implements AutoCloseable {
    private final String socket = "coitest-" + UUID.randomUUID().toString().substring(0, 8);
    private int windows;

    /** Runs a shell command line in a new 200x50 window; returns the window's target. */
    public String start(String commandLine) {
        String target = "w" + (++windows);
        if (windows == 1) tmux("new-session", "-d", "-s", "main", "-n", target, "-x", "200", "-y", "50", commandLine);
        else tmux("new-window", "-d", "-t", "main", "-n", target, commandLine);
        tmux("set-option", "-t", "main", "remain-on-exit", "on");
        return "main:" + target;
    }

    public void send(String target, String... keys) {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", target));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** Types a line of text literally and presses Enter. */
    public void type(String target, String line) {
        tmux("send-keys", "-t", target, "-l", line);
        tmux("send-keys", "-t", target, "Enter");
    }

    public String capture(String target) {
        return tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", target);
    }

    /** Waits until the screen shows {@code text}; fails with the screen when it does not. */
    public String await(String target, String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String screen = "";
        while (System.nanoTime() < deadline) {
            screen = capture(target);
            if (screen.contains(text)) return screen;
            sleep(200);
        }
        throw new AssertionError("screen never showed '" + text + "' within " + timeout.toSeconds() + " s; it shows:\n" + screen);
    }

    private String tmux(String... args) {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new AssertionError("tmux " + String.join(" ", args) + ": " + out);
            return out;
        } catch (IOException e) {
            throw new AssertionError("tmux is needed for interactive tests: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends this test's tmux server only (its own socket), with everything running in it. */
    @Override
    public void close() {
        try {
            new ProcessBuilder("tmux", "-L", socket, "kill-server").redirectErrorStream(true).start().waitFor();
        } catch (IOException | InterruptedException e) {
            // the server is already gone
        }
    }
}
