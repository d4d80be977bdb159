package coi.cli;

import java.io.PrintWriter;

/** `coi run` and `coi shell`, as picocli runs them and as {@link QuickSessions} does. */
interface SessionCommand {
    /** Runs the command, printing to {@code out}; returns its exit code. */
    int call(PrintWriter out);
}
