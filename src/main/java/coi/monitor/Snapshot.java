package coi.monitor;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the host kernel shows of one container at one instant: its processes (from its cgroup
 * and /proc) and the sockets of its network namespace. Plain data, so detectors are pure
 * functions and tests feed them recorded snapshots. Its instant is written as ISO-8601 text in
 * `coi monitor --format json` (the shared mapper has no java.time module).
 */
public record Snapshot(String container, @JsonSerialize(using = ToStringSerializer.class) Instant at, List<Proc> processes, List<Conn> connections, Fence fence,
                       List<WorkspaceUse> workspace, List<Unread> unread) {
    public Snapshot {
        processes = List.copyOf(processes);
        connections = List.copyOf(connections);
        workspace = List.copyOf(workspace);
        unread = List.copyOf(unread);
    }

    public Snapshot(String container, Instant at, List<Proc> processes, List<Conn> connections) {
        this(container, at, processes, connections, Fence.UNKNOWN, List.of(), List.of());
    }

    public Snapshot(String container, Instant at, List<Proc> processes, List<Conn> connections, Fence fence) {
        this(container, at, processes, connections, fence, List.of(), List.of());
    }

    public Snapshot(String container, Instant at, List<Proc> processes, List<Conn> connections, List<Unread> unread) {
        this(container, at, processes, connections, Fence.UNKNOWN, List.of(), unread);
    }

    public Snapshot withFence(Fence counters) {
        return new Snapshot(container, at, processes, connections, counters, workspace, unread);
    }

    public Snapshot withWorkspace(List<WorkspaceUse> uses) {
        return new Snapshot(container, at, processes, connections, fence, uses, unread);
    }

    /**
     * What a look left unread of a process, and why: descriptor tables of its threads past what one look reads
     * (see HostView's tables), which the detectors raise, since whatever is in them is hidden from them.
     */
    public record Unread(int pid, String why) {}

    /**
     * With the processes read at their exec since the last look that this look did not find
     * (ended meanwhile): the detectors see them as if they were still there.
     */
    public Snapshot withExecs(List<Proc> execs) {
        Set<Integer> seen = new HashSet<>();
        for (Proc p : processes) seen.add(p.pid());
        List<Proc> all = new ArrayList<>(processes);
        for (Proc p : execs) if (seen.add(p.pid())) all.add(p);
        return new Snapshot(container, at, all, connections, fence, workspace, unread);
    }

    /**
     * This snapshot with what did not change since {@code earlier} taken from it: the window holds 10 s of
     * looks (50) at mostly the same processes, and each look's own copies of the same command lines,
     * descriptor tables and sockets are what the supervisor's heap filled with (bench/background).
     */
    public Snapshot sharing(Snapshot earlier) {
        if (earlier == null) return this;
        Map<Integer, Proc> before = new HashMap<>();
        for (Proc p : earlier.processes) before.put(p.pid(), p);
        List<Proc> shared = new ArrayList<>(processes.size());
        for (Proc p : processes) {
            Proc b = before.get(p.pid());
            shared.add(b == null ? p : p.sharing(b));
        }
        return new Snapshot(container, at, shared, connections.equals(earlier.connections) ? earlier.connections : connections, fence,
                workspace, unread);
    }

    /**
     * Bytes a process read from and wrote to workspace files since the previous look (see
     * WorkspaceTraffic for how they are told apart from the rest of its io).
     */
    public record WorkspaceUse(int pid, long read, long written) {}

    /**
     * coi's own nft counters for the container (packets since its rules were first applied): connection
     * attempts the fence rejected, and packets to the bridge's DNS on port 53. -1 where there is no
     * such counter (an open network has no rules; allowlist mode has no DNS at all). Packets, not
     * names: the host sees how much the container asks its resolver, not what.
     */
    public record Fence(long blocked, long dns) {
        public static final Fence UNKNOWN = new Fence(-1, -1);
    }

    /**
     * @param fds   open descriptors: number to link target ("socket:[123]", "/workspace/a", "pipe:[9]")
     * @param rchar bytes read through read() and friends so far, page-cache hits included
     *              (after wait(), a parent's count includes its reaped children)
     * @param tgid  the process whose memory it is: its own pid, or for a thread's own descriptor table (HostView) its process's
     */
    public record Proc(int pid, int ppid, int uid, String comm, String exe, List<String> cmdline, String cwd,
                       Map<Integer, String> fds, long rchar, long wchar, int tgid) {
        public Proc {
            cmdline = List.copyOf(cmdline);
            fds = Map.copyOf(fds);
        }

        /** A process: its own thread group. */
        public Proc(int pid, int ppid, int uid, String comm, String exe, List<String> cmdline, String cwd, Map<Integer, String> fds,
                    long rchar, long wchar) {
            this(pid, ppid, uid, comm, exe, cmdline, cwd, fds, rchar, wchar, pid);
        }

        /**
         * Whether {@code path} is this entry's own /proc/PID/environ: a thread's entry (a table of its own, see HostView)
         * reads its process's under either id.
         */
        boolean ownEnviron(String path) {
            return path.equals("/proc/" + pid + "/environ") || path.equals("/proc/" + tgid + "/environ");
        }

        /** This process with the parts equal to {@code earlier}'s (the same pid, a look before) being earlier's. */
        Proc sharing(Proc earlier) {
            if (equals(earlier)) return earlier;
            return new Proc(pid, ppid, uid, Objects.equals(comm, earlier.comm) ? earlier.comm : comm, Objects.equals(exe, earlier.exe) ? earlier.exe : exe,
                    cmdline.equals(earlier.cmdline) ? earlier.cmdline : cmdline, Objects.equals(cwd, earlier.cwd) ? earlier.cwd : cwd,
                    fds.equals(earlier.fds) ? earlier.fds : fds, rchar, wchar, tgid);
        }

        /** A process known only by its pid (counted, not read). */
        public static Proc bare(int pid) {
            return new Proc(pid, 0, -1, "", null, List.of(), null, Map.of(), 0, 0);
        }

        /**
         * The program's file name: from exe unless it is a memfd's, else argv[0], else comm. A memfd
         * ({@code /memfd:NAME (deleted)}) names no program: read at its exec, a command incus
         * starts may still show the attach helper's (memfd:liblxc), and a program run from memory
         * is named by whoever made it, as argv[0] is.
         */
        public String program() {
            boolean memfd = exe != null && exe.startsWith("memfd:", exe.lastIndexOf('/') + 1);
            String path = exe != null && !exe.isEmpty() && !memfd ? exe : !cmdline.isEmpty() ? cmdline.getFirst() : comm;
            String name = path.substring(path.lastIndexOf('/') + 1);
            return name.endsWith(" (deleted)") ? name.substring(0, name.length() - 10) : name;
        }

        /**
         * The evidence: with the command line, or {@code [comm]} for a process that shows none (as ps shows it): one read in the
         * middle of its exec (the new program's memory has no arguments yet) or as it exits.
         */
        public Evidence.ProcessInfo info() {
            List<String> shown = cmdline.isEmpty() && comm != null && !comm.isEmpty() ? List.of("[" + comm + "]") : cmdline;
            return new Evidence.ProcessInfo(pid, ppid, uid, exe, shown);
        }
    }

    /** A TCP or UDP socket of the container's network namespace; remote is "" for an unconnected one. */
    public record Conn(String protocol, String local, int localPort, String remote, int remotePort, String state, long inode) {
        public boolean hasRemotePeer() {
            return remotePort != 0 && !Addresses.loopback(remote) && !Addresses.unspecified(remote);
        }

        public Evidence.NetworkInfo info() {
            return new Evidence.NetworkInfo(local + ":" + localPort, remote + ":" + remotePort, remotePort, protocol);
        }
    }

    /** The process holding the socket with this inode, if any. */
    public Optional<Proc> owner(long inode) {
        String link = "socket:[" + inode + "]";
        return processes.stream().filter(p -> p.fds().containsValue(link)).findFirst();
    }

    public Optional<Conn> socket(String fdLink) {
        if (!fdLink.startsWith("socket:[")) return Optional.empty();
        long inode = Long.parseLong(fdLink.substring(8, fdLink.length() - 1));
        return connections.stream().filter(c -> c.inode() == inode).findFirst();
    }
}
