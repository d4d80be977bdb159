package coi.monitor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds snapshots as recorded from containers, for detector tests. */
final class Snapshots {
    private final List<Snapshot.Proc> procs = new ArrayList<>();
    private final List<Snapshot.Conn> conns = new ArrayList<>();
    private Instant at = Instant.parse("2026-12-04T10:00:00Z");
    private Snapshot.Fence fence = Snapshot.Fence.UNKNOWN;

    Snapshots at(Instant when) {
        at = when;
        return this;
    }

    Snapshots fence(long blocked, long dns) {
        fence = new Snapshot.Fence(blocked, dns);
        return this;
    }

    Snapshots proc(int pid, String exe, String cwd, Map<Integer, String> fds, String... cmdline) {
        return proc(pid, 1000, exe, cwd, fds, 0, 0, cmdline);
    }

    Snapshots proc(int pid, int uid, String exe, String cwd, Map<Integer, String> fds, long rchar, long wchar, String... cmdline) {
        String comm = exe.substring(exe.lastIndexOf('/') + 1);
        procs.add(new Snapshot.Proc(pid, 1, uid, comm, exe, List.of(cmdline), cwd, fds, rchar, wchar));
        return this;
    }

    Snapshots conn(String proto, String local, int lport, String remote, int rport, String state, long inode) {
        conns.add(new Snapshot.Conn(proto, local, lport, remote, rport, state, inode));
        return this;
    }

    /** An idle systemd container with the fake tool in tmux, as read from a real one. */
    Snapshots idleContainer() {
        proc(1, 0, "/usr/lib/systemd/systemd", "/", stdio("/dev/null"), 0, 0, "/sbin/init");
        proc(60, 0, "/usr/lib/systemd/systemd-journald", "/", Map.of(0, "/dev/null", 1, "socket:[7001]", 2, "socket:[7001]"), 0, 0,
                "/lib/systemd/systemd-journald");
        proc(120, 998, "/usr/lib/systemd/systemd-networkd", "/", Map.of(0, "/dev/null", 1, "socket:[7002]", 3, "socket:[7003]"), 0, 0,
                "/lib/systemd/systemd-networkd");
        proc(300, "/usr/bin/tmux", "/workspace", stdio("/dev/null"), "tmux", "new-session", "-d", "-s", "coi-x");
        proc(301, "/usr/bin/bash", "/workspace", stdio("/dev/pts/0"), "bash", "-lc", "fake-ai; exec bash -l");
        conn("udp", "10.147.83.75", 68, "0.0.0.0", 0, "UNCONN", 7003);
        return this;
    }

    static Map<Integer, String> stdio(String target) {
        Map<Integer, String> fds = new HashMap<>();
        for (int i = 0; i <= 2; i++) fds.put(i, target);
        return fds;
    }

    Snapshot build() {
        return new Snapshot("coitest-x-1", at, procs, conns, fence);
    }
}
