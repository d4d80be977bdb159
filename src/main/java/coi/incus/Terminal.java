package coi.incus;

import java.io.Console;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place coi hands a terminal over to the incus CLI: `incus exec -t` already does raw
 * mode, window resizes and signals right, so an interactive attach runs it as a child process
 * with the user's stdio.
 */
public final class Terminal {
    private Terminal() {}

    /** Runs {@code command} in {@code instance} on the user's terminal; returns its exit code. */
    public static int attach(IncusClient client, String instance, int uid, int gid, String cwd, List<String> command) {
        return await(start(client, instance, uid, gid, cwd, command));
    }

    /**
     * Starts {@code command} in {@code instance} on the user's terminal and returns the CLI's
     * process: from here on the terminal is the CLI's (raw mode, Ctrl-C goes to the command).
     */
    public static Process start(IncusClient client, String instance, int uid, int gid, String cwd, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("incus", "exec", "-t"));
        if (!client.project().equals("default")) argv.addAll(List.of("--project", client.project()));
        // the daemon coi talks to, not whatever the CLI's default remote is
        argv.add(client.cliRemote().map(remote -> remote + ":" + instance).orElse(instance));
        argv.addAll(List.of("--user", Integer.toString(uid), "--group", Integer.toString(gid)));
        if (cwd != null) argv.addAll(List.of("--cwd", cwd));
        argv.add("--");
        argv.addAll(command);
        try {
            Process terminal = new ProcessBuilder(argv).inheritIO().start();
            coi.Trace.mark("terminal: incus exec -t started");
            return terminal;
        } catch (IOException e) {
            throw new IncusException("cannot run the incus CLI for the terminal (" + e.getMessage()
                    + "): install the `incus` client package", e);
        }
    }

    /** Waits for a terminal {@link #start}ed; its exit code (130 when this thread is interrupted). */
    public static int await(Process terminal) {
        try {
            return terminal.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** Whether this process has a terminal to hand over. */
    public static boolean interactive() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }
}
