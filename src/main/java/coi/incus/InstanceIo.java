package coi.incus;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;

/** Commands and files inside a running instance (/1.0/instances/NAME/exec and /files). */
public interface InstanceIo {
    /**
     * Runs a command without a terminal and streams its output. {@code stdin} may be null (the
     * command sees end-of-file at once). Returns the command's exit code.
     */
    int exec(String instance, ExecRequest request, InputStream stdin, OutputStream stdout, OutputStream stderr);

    default Model.ExecResult execCapture(String instance, ExecRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = exec(instance, request, null, out, err);
        return new Model.ExecResult(code, out.toByteArray(), err.toByteArray());
    }

    /**
     * Runs {@code request} without streams, for a command whose output matters only when it
     * fails: it starts with the daemon's operation, with no websockets to connect first; its
     * output is kept by the daemon and read back only for a non-zero exit.
     */
    default Model.ExecResult execRecorded(String instance, ExecRequest request) {
        return execCapture(instance, request);
    }

    /**
     * Runs {@code request} for its effect alone, bounded: its output is dropped (never read, never
     * kept: a command the agent replaced may write without end), and its end is waited for at most
     * {@code seconds}. Returns its exit code, or empty when it still runs then (it is left to run).
     * For the host's own requests into a container the agent controls, e.g. the monitor's warning.
     */
    java.util.OptionalInt execDetached(String instance, ExecRequest request, long seconds);

    /**
     * As {@link #execCapture}, bounded, for the host's looks into a container the agent controls (its tmux, its
     * systemctl: programs root inside may have replaced): at most {@code maxBytes} of each stream are read, and
     * the command's end is waited for at most {@code seconds}. Past either the exec is given up (its streams
     * closed; the command may go on in the container) and {@link IncusException} says which, so a flood costs
     * the host neither memory nor time, and a command that never ends holds no coi command.
     */
    Model.ExecResult execCaptureBounded(String instance, ExecRequest request, int maxBytes, long seconds);

    /** Convenience for scripts run as root: captured output, exit code checked by the caller. */
    default Model.ExecResult sh(String instance, String script) {
        return execCapture(instance, ExecRequest.of("sh", "-c", script));
    }

    InstanceFiles files(String instance);
}
