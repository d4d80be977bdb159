package coi.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Bytes each process moved through the workspace between two looks, from two host-side signals
 * that are each wrong alone. fanotify says which processes read or wrote which workspace files,
 * however briefly they lived, but not how much; /proc/PID/io says how much a process read and
 * wrote, but from anywhere (the network, /usr, the reaped children folded in). A process is
 * charged the smaller of the two: the growth of its counters, at most the sizes of the distinct
 * workspace files it touched. So `apt-get install` run from /workspace (no workspace file touched)
 * costs nothing, `head` of a large log costs what head read, and `cat big.bin`, a reader that
 * re-opens a file chunk by chunk, or tar over many small files cost what they read. A process
 * gone before its counters could be read is charged the files' sizes (failing towards noticing).
 */
final class WorkspaceTraffic {
    /** rchar and wchar of a process (/proc/PID/io): everything read and written, page-cache hits included. */
    record Counters(long read, long written) {
        static final Counters ZERO = new Counters(0, 0);
    }

    /** The largest size a file is charged with. */
    static final long MAX_SIZE = 1L << 40;

    /** Counters at the end of the previous interval, for the processes that touched the workspace in it. */
    private Map<Integer, Counters> before = new HashMap<>();
    private final Map<Integer, Counters> latest = new HashMap<>();
    private final Map<Integer, Map<Object, Long>> read = new HashMap<>();
    private final Map<Integer, Map<Object, Long>> written = new HashMap<>();

    /** One batch of events; {@code io} reads a process's counters, null once it is gone. */
    synchronized void record(List<Fanotify.Access> batch, IntFunction<Counters> io) {
        Set<Integer> pids = new LinkedHashSet<>();
        for (Fanotify.Access a : batch) {
            // a sparse file of exabytes must not wrap the sums: a tebibyte is over any threshold already (monitor.c alike)
            long size = Math.max(0, Math.min(a.size(), MAX_SIZE));
            (a.write() ? written : read).computeIfAbsent(a.pid(), p -> new HashMap<>()).merge(a.file(), size, Math::max);
            pids.add(a.pid());
        }
        for (int pid : pids) {
            Counters now = io.apply(pid);
            if (now != null) latest.put(pid, now);
        }
    }

    /** What each process moved since the last call; starts the next interval. */
    synchronized List<Snapshot.WorkspaceUse> take() {
        Set<Integer> pids = new LinkedHashSet<>(read.keySet());
        pids.addAll(written.keySet());
        List<Snapshot.WorkspaceUse> uses = new ArrayList<>();
        Map<Integer, Counters> next = new HashMap<>();
        for (int pid : pids) {
            long r = sum(read.get(pid)), w = sum(written.get(pid));
            Counters to = latest.get(pid);
            if (to != null) {
                Counters from = before.getOrDefault(pid, Counters.ZERO);
                r = Math.min(r, Math.max(0, to.read() - from.read()));
                w = Math.min(w, Math.max(0, to.written() - from.written()));
                next.put(pid, to);
            }
            if (r > 0 || w > 0) uses.add(new Snapshot.WorkspaceUse(pid, r, w));
        }
        before = next;
        latest.clear();
        read.clear();
        written.clear();
        return uses;
    }

    private static long sum(Map<Object, Long> sizes) {
        return sizes == null ? 0 : sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
