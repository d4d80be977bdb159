package coi.monitor;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** What a threat was seen in: a process, a connection, file io; the parts that do not apply are null. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Evidence(ProcessInfo process, NetworkInfo network, FilesystemInfo filesystem) {

    /** uid as the container sees it (code is 1000, root 0). */
    public record ProcessInfo(int pid, int ppid, int uid, String exe, List<String> cmdline) {
        public ProcessInfo {
            cmdline = List.copyOf(cmdline);
        }
    }

    public record NetworkInfo(String local, String remote, int port, String protocol) {}

    /** {@code bytes} within the last {@code window} (e.g. "10s"). */
    public record FilesystemInfo(long bytes, String window) {}

    public static Evidence of(Snapshot.Proc p) {
        return new Evidence(p.info(), null, null);
    }

    public static Evidence of(Snapshot.Proc p, Snapshot.Conn c) {
        return new Evidence(p == null ? null : p.info(), c.info(), null);
    }

    public static Evidence of(long bytes, String window) {
        return new Evidence(null, null, new FilesystemInfo(bytes, window));
    }

    public static Evidence of(Snapshot.Proc p, long bytes, String window) {
        return new Evidence(p.info(), null, new FilesystemInfo(bytes, window));
    }

    public static Evidence none() {
        return new Evidence(null, null, null);
    }
}
