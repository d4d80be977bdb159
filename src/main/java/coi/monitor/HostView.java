package coi.monitor;

import coi.LinuxAbi;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a container's {@link Snapshot} from what the host kernel shows: the process list of its
 * cgroup (v1 hybrid: {@code pids/lxc.payload.NAME}; v2: {@code lxc.payload.NAME}), each process
 * under /proc, and the sockets of its network namespace through the /proc/PID/net of a process
 * inside. Nothing runs in the container, so nothing inside can hide from or stop it. The roots
 * are parameters so tests read recorded trees.
 */
public final class HostView {
    private static final int KEEP = 64 * 1024;
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[16 * 1024]);
    private static final String[] NET_TABLES = {"tcp", "tcp6", "udp", "udp6"};
    private static final Map<String, String> TCP_STATES = Map.ofEntries(Map.entry("01", "ESTABLISHED"),
            Map.entry("02", "SYN_SENT"), Map.entry("03", "SYN_RECV"), Map.entry("04", "FIN_WAIT1"), Map.entry("05", "FIN_WAIT2"),
            Map.entry("06", "TIME_WAIT"), Map.entry("07", "CLOSE"), Map.entry("08", "CLOSE_WAIT"), Map.entry("09", "LAST_ACK"),
            Map.entry("0A", "LISTEN"), Map.entry("0B", "CLOSING"));

    private final Path proc;
    private final Path cgroups;

    public HostView(Path proc, Path cgroups) {
        this.proc = proc;
        this.cgroups = cgroups;
    }

    public static HostView local() {
        return new HostView(Path.of("/proc"), Path.of("/sys/fs/cgroup"));
    }

    /** Incus names the payload cgroup {@code lxc.payload.NAME}, with {@code PROJECT_} before NAME outside the default project. */
    public static String payload(String project, String container) {
        return "lxc.payload." + (project == null || project.equals("default") ? "" : project + "_") + container;
    }

    /** The cgroup folder holding the container's processes, v1 or v2. */
    public Path cgroupOf(String payload) {
        for (Path candidate : List.of(cgroups.resolve("pids").resolve(payload), cgroups.resolve(payload),
                cgroups.resolve("unified").resolve(payload))) {
            if (Files.isRegularFile(candidate.resolve("cgroup.procs"))) return candidate;
        }
        throw new ObservationException("cannot observe " + payload + ": no cgroup under " + cgroups
                + " (neither v1 pids/" + payload + " nor v2 " + payload + "); is the container running?");
    }

    /**
     * How deep and how many subgroups a walk of a container's cgroups goes: the native waiter's
     * bounds (its guard walks 64 levels, its look 4,096 cgroups), past which it hands the container
     * to this monitor. No workload nests its cgroups that deep or makes that many; the agent, root
     * inside, can, to move processes where a walk does not reach: {@link Tree#beyond} says so.
     */
    static final int MAX_DEPTH = 64, MAX_GROUPS = 4096;

    /**
     * A cgroup's pids and its subgroups' (in the order a depth-first walk meets them, each once);
     * {@code beyond}: the first subgroup the walk did not enter, past {@link #MAX_DEPTH} or
     * {@link #MAX_GROUPS}, as a path below the container's cgroup (cut to {@link #BEYOND_SHOWN}
     * characters), or null when it walked them all; {@code unaccounted}: the tasks its pids.current
     * counted that neither the walks nor a scan of /proc found (see {@link #unaccounted}), 0 for none,
     * {@link #NOT_KNOWN} when pids.current could not be read.
     */
    public record Tree(List<Integer> pids, String beyond, long unaccounted) {
        public Tree(List<Integer> pids, String beyond) {
            this(pids, beyond, 0);
        }
    }

    /** How much of a subgroup's path {@link Tree#beyond} shows. */
    static final int BEYOND_SHOWN = 200;

    /**
     * Every pid in the cgroup and its subgroups (init.scope, system.slice, user.slice, ...).
     * Subgroups come and go while we read (ENOENT, ENODEV): only the top one must be readable.
     */
    public List<Integer> pids(Path cgroup) {
        return tree(cgroup).pids();
    }

    /**
     * As {@link #pids(Path)}, with what the walk left out. Each subgroup is opened relative to its
     * parent's open folder (openat, through a {@link SecureDirectoryStream}), so that a path over
     * PATH_MAX, which the agent can build from long names, hides nothing, and the walk keeps its
     * folders on a heap stack, not the thread's: the supervisor's threads have small stacks
     * (launcher), and a recursion as deep as the agent can nest overflowed them.
     */
    public Tree tree(Path cgroup) {
        Set<Integer> pids = new LinkedHashSet<>();
        long before = counted(cgroup);
        String beyond = walk(cgroup, pids);
        long unaccounted = unaccounted(cgroup, pids, before);
        return new Tree(new ArrayList<>(pids), beyond, unaccounted);
    }

    /**
     * The tasks the cgroup's hierarchical {@code pids.current} counts that the walk did not find, 0 for none,
     * {@link #NOT_KNOWN} when pids.current cannot be read. Root inside the
     * container sees the host open each cgroup.procs (inotify) and can move a process from a subgroup not read yet
     * into one read already, so that a walk misses it (every process so moved: an empty walk, which read as a
     * container stopping). A walk that falls short is done once more, then /proc is scanned for the processes whose
     * cgroup (as the host sees it in /proc/PID/cgroup) is under this one, and they are added: no move hides from that.
     * Tasks, not processes: pids.current counts threads, and a leader that has exited while its threads run, until
     * the last one ends; /proc/PID/stat's num_threads counts the same. A walk is taken as whole only when its tasks
     * equal pids.current read before it and after them ({@link #exact}). The scan's tasks are compared with the least
     * pids.current read so far, so that a process started or ended meanwhile is less often taken for a hidden one,
     * and the scan is done again while they fall short, {@link #SCANS} times at most; under churn that count still
     * falls short now and then, so what is left unaccounted for is only a number here, which the guard raises when
     * it persists ({@link Shortfalls}). No pids.current (a v2 hierarchy without the pids controller, which the
     * container cannot turn off above itself): nothing to compare with.
     */
    private long unaccounted(Path cgroup, Set<Integer> pids, long before) {
        long tasks = tasks(pids), after = counted(cgroup);
        // a cgroup being removed (ENODEV) fails the read too: not known, which the guard raises when it lasts (Shortfalls)
        if (before == UNREADABLE || after == UNREADABLE) return NOT_KNOWN;
        if (before == NO_COUNT || after == NO_COUNT || exact(before, tasks, after)) return 0;
        long least = Math.min(before, after);
        before = counted(cgroup);
        walk(cgroup, pids);
        tasks = tasks(pids);
        after = counted(cgroup);
        if (before < 0 || after < 0 || exact(before, tasks, after)) return 0;
        least = Math.min(least, Math.min(before, after));
        for (int scans = 1; ; scans++) {
            before = counted(cgroup);
            Scan scan = scan(cgroup);
            after = counted(cgroup);
            pids.addAll(scan.pids());
            if (before < 0 || after < 0) return 0;
            least = Math.min(least, Math.min(before, after));
            if (scan.tasks() >= least) return 0;
            if (scans == SCANS) return least - scan.tasks();
        }
    }

    /**
     * Scans of /proc in one look while their count falls short: a process started or ended while one counts makes it
     * fall short at about one scan in five under heavy churn, a hidden task at every one.
     */
    private static final int SCANS = 3;

    /**
     * Whether a walk's tasks match pids.current read before it and after its tasks were counted, with no change
     * between: a thread started in a listed process after the count before and still there at the count after is in
     * both. Anything else (a walk short of a hidden task, or tasks started or ended meanwhile, which could make up
     * for one) is walked again, then scanned for.
     */
    private static boolean exact(long before, long tasks, long after) {
        return before == after && tasks == after;
    }

    /** {@link Tree#unaccounted} when pids.current cannot be read: how many tasks the walks left out is not known. */
    public static final long NOT_KNOWN = -1;

    /** {@link #counted} of a cgroup without pids.current, and of one whose pids.current cannot be read. */
    private static final long NO_COUNT = -1, UNREADABLE = -2;

    /** The cgroup's pids.current: the tasks in it and its subgroups; {@link #NO_COUNT} or {@link #UNREADABLE}. */
    private static long counted(Path cgroup) {
        try {
            return Long.parseLong(read(cgroup.resolve("pids.current")).trim());
        } catch (NoSuchFileException none) {
            return NO_COUNT;
        } catch (IOException | NumberFormatException e) {
            return UNREADABLE;
        }
    }

    /** The tasks of the processes (their num_threads), read now. */
    private long tasks(Set<Integer> pids) {
        long tasks = 0;
        for (int pid : pids) tasks += tasks(pid);
        return tasks;
    }

    /** A process's tasks (num_threads, the 20th field of its stat), 0 once it is gone, 1 for a stat without the field. */
    private long tasks(int pid) {
        try {
            String[] fields = statFields(read(proc.resolve(pid + "/stat")));
            if (fields == null) return 0;
            return fields.length > 17 ? Long.parseLong(fields[17]) : 1;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** The processes under a cgroup found by their /proc/PID/cgroup, in pid order, and their tasks. */
    private record Scan(List<Integer> pids, long tasks) {}

    private Scan scan(Path cgroup) {
        Hierarchy where = Hierarchy.of(cgroups, cgroup);
        List<Integer> found = new ArrayList<>();
        long tasks = 0;
        if (where == null) return new Scan(found, tasks);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                // a pid has 1 to 9 digits (pid_max is 2^22 at most)
                if (name.isEmpty() || !name.chars().allMatch(c -> c >= '0' && c <= '9') || name.length() > 9) continue;
                int pid = Integer.parseInt(name);
                String groups;
                try {
                    groups = read(entry.resolve("cgroup"));
                } catch (IOException gone) {
                    continue;
                }
                if (!where.holds(groups)) continue;
                found.add(pid);
                tasks += tasks(pid);
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw new ObservationException("cannot scan " + proc + " for the processes of " + cgroup + ": " + e.getMessage());
        }
        found.sort(null);
        return new Scan(found, tasks);
    }

    /**
     * Which line of /proc/PID/cgroup places a process in the walked hierarchy (v1: the one whose controllers
     * include pids; v2, plain or v1-hybrid unified/: "0::"), and the cgroup's path there, as the host sees it.
     */
    record Hierarchy(boolean pids, String path) {
        static Hierarchy of(Path root, Path cgroup) {
            if (!cgroup.startsWith(root) || cgroup.equals(root)) return null;
            Path rel = root.relativize(cgroup);
            String first = rel.getName(0).toString();
            boolean v1 = first.equals("pids");
            if ((v1 || first.equals("unified")) && rel.getNameCount() > 1) rel = rel.subpath(1, rel.getNameCount());
            return new Hierarchy(v1, "/" + rel);
        }

        /**
         * Whether the process of this /proc/PID/cgroup text is in this cgroup or one below it. On a v1 hierarchy the
         * kernel shows an exiting task (a zombie, a leader that ended before its threads) in the root ("/"): where it
         * was is then told by the v2 line of a hybrid host, which it keeps.
         */
        boolean holds(String text) {
            String at = line(text, pids);
            if (at == null) return false;
            if (under(at)) return true;
            String unified;
            return pids && at.equals("/") && (unified = line(text, false)) != null && under(unified);
        }

        private boolean under(String at) {
            return at.equals(path) || at.startsWith(path + "/");
        }

        /** The path on the first line for the pids controller (v1) or of the v2 hierarchy ("0::"), null when there is none. */
        private static String line(String text, boolean pids) {
            for (String line : text.split("\\n")) {
                int a = line.indexOf(':'), b = a < 0 ? -1 : line.indexOf(':', a + 1);
                if (b < 0) continue;
                String id = line.substring(0, a), controllers = line.substring(a + 1, b);
                boolean mine = pids ? Arrays.asList(controllers.split(",")).contains("pids") : id.equals("0") && controllers.isEmpty();
                if (mine) return line.substring(b + 1);
            }
            return null;
        }
    }

    /** One walk of the cgroup and its subgroups, adding their pids; what it left out (see {@link Tree#beyond}) or null. */
    private String walk(Path cgroup, Set<Integer> pids) {
        try {
            readProcs(cgroup.resolve("cgroup.procs"), pids);
        } catch (IOException e) {
            throw new ObservationException("cannot read the processes of " + cgroup + ": " + e.getMessage());
        }
        String beyond = null;
        Deque<Folder> walk = new ArrayDeque<>();
        try {
            walk.push(Folder.open(Files.newDirectoryStream(cgroup), ""));
            int groups = 0;
            while (!walk.isEmpty()) {
                Folder at = walk.peek();
                Path name = at.next();
                if (name == null) {
                    walk.pop().close();
                    continue;
                }
                String below = at.below.isEmpty() ? name.toString() : at.below + "/" + name;
                Folder sub;
                try {
                    sub = at.enter(name, below);
                } catch (IOException unreadable) {
                    if (beyond == null) beyond = shown(below + " (" + unreadable.getMessage() + ")");
                    continue;
                }
                if (sub == null) continue;
                boolean tooMany = ++groups > MAX_GROUPS;
                if (tooMany || walk.size() > MAX_DEPTH) {
                    sub.close();
                    if (beyond == null) beyond = shown(below);
                    // too deep: the rest is walked; too many: the walk ends here
                    if (tooMany) break;
                    continue;
                }
                try {
                    readProcs(sub.stream.newByteChannel(PROCS, Set.of(StandardOpenOption.READ)), pids);
                } catch (IOException e) {
                    sub.close();
                    // removed while walking: with what is under it; unreadable otherwise (a supervisor with
                    // CAP_SYS_PTRACE but not root, and root inside made it so): its processes are not seen
                    if (!gone(e) && beyond == null) beyond = shown(below + " (" + e.getMessage() + ")");
                    continue;
                }
                walk.push(sub);
            }
        } catch (IOException | DirectoryIteratorException gone) {
            // the top removed while walking: its pids were read
        } finally {
            while (!walk.isEmpty()) walk.pop().close();
        }
        return beyond;
    }

    private static final Path PROCS = Path.of("cgroup.procs");

    private static String shown(String below) {
        return below.length() <= BEYOND_SHOWN ? below : below.substring(0, BEYOND_SHOWN) + "...";
    }

    /** A cgroup removed while it was read: ENOENT, or ENODEV for one going away. */
    private static boolean gone(IOException e) {
        return e instanceof NoSuchFileException || String.valueOf(e.getMessage()).contains("No such device");
    }

    /** A folder of the walk, open, with its names not yet walked; {@code below}: its path under the top. */
    private record Folder(SecureDirectoryStream<Path> stream, Iterator<Path> names, String below) implements AutoCloseable {
        static Folder open(DirectoryStream<Path> stream, String below) throws IOException {
            if (stream instanceof SecureDirectoryStream<Path> secure) return new Folder(secure, secure.iterator(), below);
            stream.close();
            // Linux's file system always has one: not a case to skip quietly, the walk would miss processes
            throw new ObservationException("cannot walk cgroups: no directory stream relative to an open folder (openat) here");
        }

        /** The next name in this folder, null at its end (or when it went meanwhile). */
        Path next() {
            try {
                return names.hasNext() ? names.next().getFileName() : null;
            } catch (DirectoryIteratorException gone) {
                return null;
            }
        }

        /** The subgroup {@code name} opened, null when it is no folder or went meanwhile; IOException when it cannot be read. */
        Folder enter(Path name, String path) throws IOException {
            try {
                if (!stream.getFileAttributeView(name, BasicFileAttributeView.class).readAttributes().isDirectory()) return null;
                return open(stream.newDirectoryStream(name), path);
            } catch (IOException e) {
                if (gone(e)) return null;
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                stream.close();
            } catch (IOException ignored) {
                // a folder read only
            }
        }
    }

    private static void readProcs(Path file, Set<Integer> pids) throws IOException {
        parseProcs(read(file), pids);
    }

    private static void readProcs(SeekableByteChannel file, Set<Integer> pids) throws IOException {
        try (InputStream in = Channels.newInputStream(file)) {
            parseProcs(read(in), pids);
        }
    }

    private static void parseProcs(String text, Set<Integer> pids) {
        for (String line : text.split("\n")) if (!line.isBlank()) pids.add(Integer.parseInt(line.trim()));
    }

    /** One snapshot; fails with {@link ObservationException} when /proc of the container's processes is not readable. */
    public Snapshot snapshot(String container, Path cgroup) {
        return detailed(container, pids(container, cgroup));
    }

    /** The container's pids, failing when it has none (a running container always has its init). */
    public List<Integer> pids(String container, Path cgroup) {
        return tree(container, cgroup).pids();
    }

    /**
     * As {@link #tree(Path)}, failing when the container has no process (a running container always has its init). None
     * found while pids.current counts tasks ({@link Tree#unaccounted}) is no container stopping: the tree is given,
     * for the guard to raise. None found with a pids.current that cannot be read is: its cgroup is being removed.
     */
    public Tree tree(String container, Path cgroup) {
        Tree tree = tree(cgroup);
        // nothing found and nothing known to be missing (pids.current 0, or gone with the cgroup): the container is stopping
        if (tree.pids().isEmpty() && tree.beyond() == null && (tree.unaccounted() == 0 || tree.unaccounted() == NOT_KNOWN)) {
            throw new ObservationException("cannot observe " + container + ": its cgroup " + cgroup + " has no process");
        }
        return tree;
    }

    /** A snapshot of pids only: what a fork bomb's look needs, without reading thousands of /proc entries. */
    public Snapshot bare(String container, List<Integer> pids) {
        return new Snapshot(container, Instant.now(), pids.stream().map(Snapshot.Proc::bare).toList(), List.of());
    }

    /** A snapshot with each process read from /proc and the namespace's sockets (through the first pid that is there). */
    public Snapshot detailed(String container, List<Integer> pids) {
        return detailed(container, pids, 0);
    }

    /**
     * As {@link #detailed(String, List)}, the sockets read through the container's init (its host pid, when
     * {@code init} > 0): the first listed pid may be a process the agent (root inside) put in a cgroup that sorts
     * first and in a network namespace of its own, whose tables show nothing.
     */
    public Snapshot detailed(String container, List<Integer> pids, long init) {
        UidMap uids = pids.isEmpty() ? new UidMap(List.of()) : UidMap.read(proc.resolve(pids.getFirst() + "/uid_map"));
        List<Snapshot.Proc> processes = new ArrayList<>();
        ThreadTables threadTables = new ThreadTables();
        for (int pid : pids) {
            try {
                Read read = process(pid, uids);
                processes.add(read.proc());
                if (read.threads() > 1 && tablesTold()) tables(pid, read, processes, threadTables);
            } catch (AccessDeniedException e) {
                throw new ObservationException("cannot observe " + container + ": " + e.getFile() + " is not readable"
                        + " (the monitor needs root or CAP_SYS_PTRACE to see container processes): run coi as root or without --monitor");
            } catch (IOException | RuntimeException exiting) {
                // it ended between the cgroup listing and now (ENOENT, ESRCH, a half-torn-down zombie)
            }
        }
        List<Integer> through = pids;
        if (init > 0 && init <= Integer.MAX_VALUE) {
            through = new ArrayList<>(pids.size() + 1);
            through.add((int) init);
            through.addAll(pids);
        }
        return new Snapshot(container, Instant.now(), processes, connections(through), threadTables.unread);
    }

    /** The payload cgroup ({@code lxc.payload.NAME}) a process belongs to, null for a host process or one gone. */
    public String payloadOf(int pid) {
        try {
            String cgroups = read(proc.resolve(pid + "/cgroup"));
            int at = cgroups.indexOf("/lxc.payload.");
            if (at < 0) return null;
            int end = at + 1;
            while (end < cgroups.length() && cgroups.charAt(end) != '/' && cgroups.charAt(end) != '\n') end++;
            return cgroups.substring(at + 1, end);
        } catch (IOException gone) {
            return null;
        }
    }

    /** One process read on its own (an exec the process events reported), if it is still there. */
    public Optional<Snapshot.Proc> process(int pid) {
        try {
            return Optional.of(process(pid, UidMap.read(proc.resolve(pid + "/uid_map"))).proc());
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    /** A process read: its entry, the folder its command line and descriptors were read from, its tasks (num_threads). */
    private record Read(Snapshot.Proc proc, Path live, long threads) {}

    private Read process(int pid, UidMap uids) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        String stat = read(dir.resolve("stat"));
        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
        String comm = stat.substring(open + 1, close);
        String[] fields = statFields(stat);
        int ppid = Integer.parseInt(fields[1]);
        int uid = -1;
        for (String line : read(dir.resolve("status")).split("\n")) {
            if (line.startsWith("Uid:")) uid = uids.inside(Integer.parseInt(line.split("\\s+")[1]));
        }
        Path live = fields[0].equals("Z") ? liveThread(dir, pid) : dir;
        List<String> cmdline = Arrays.stream(read(live.resolve("cmdline")).split("\0")).filter(s -> !s.isEmpty()).toList();
        WorkspaceTraffic.Counters io = counters(read(dir.resolve("io")));
        Snapshot.Proc read = new Snapshot.Proc(pid, ppid, uid, comm, link(live.resolve("exe")), cmdline, link(live.resolve("cwd")),
                fds(live.resolve("fd")), io.read(), io.written());
        return new Read(read, live, fields.length > 17 ? Long.parseLong(fields[17]) : 1);
    }

    /** Tables of its own one process's threads may hold: past them, the rest of its threads are not read. */
    static final int MAX_TABLES = 64;

    /** Descriptors of threads' own tables one look reads (the native look's budget for all descriptors): past them, none. */
    static final int MAX_TABLE_FDS = 131072;

    /** Listings of a process's threads in one look while they bring tables of their own not yet read, or end before they are told. */
    static final int TABLE_PASSES = 3;

    /** What one look has read of threads' own tables: the descriptors it may still read, and what it left unread. */
    private static final class ThreadTables {
        long fds = MAX_TABLE_FDS;
        final List<Snapshot.Unread> unread = new ArrayList<>();
    }

    /**
     * Adds an entry for each thread of a process that holds a descriptor table other than the one read for it. A
     * thread that called unshare(CLONE_FILES), or was cloned without CLONE_FILES, holds descriptors that its
     * process's /proc/PID/fd does not show (that is the leader's table): a reverse shell's socket kept there, or a
     * credential file open, would be seen by no detector. Each table is read once, from the first thread (lowest
     * tid) found holding it, at /proc/PID/task/TID/fd, and listed as a process of its own: the thread's tid as its
     * pid, its process as its parent, the process's uid, command, program and command line (one memory), the
     * thread's own folder (CLONE_FS) and descriptors, and no io (the process's counters hold its threads'). A table
     * with no descriptor adds nothing (a thread exiting has let its table go, and the kernel then tells it apart from
     * every table). Which threads share a table the kernel tells (kcmp, KCMP_FILES) for the host's /proc; a recorded
     * tree tells it by their fd folders being one folder (a link).
     *
     * <p>The agent can move a table from thread to thread (each new one sharing it, the old one ending) faster than a
     * slow read of the others gets to it: the threads are listed again while a listing brings new tables or threads
     * that ended (or let their table go) before they were told, {@link #TABLE_PASSES} times at most, each time only
     * those not seen yet; after such a listing, one that brings nothing new is followed by one more (a listing of
     * task/ may miss the newest threads). Past {@link #MAX_TABLES} tables in one process, {@link #MAX_TABLE_FDS}
     * descriptors in one look, new tables still coming at the last listing, or threads ending untold at it while others
     * not seen yet hold other tables, the rest is left unread and said so ({@link Snapshot#unread}, which the detectors
     * raise): a look stays bounded whatever runs inside.
     */
    private void tables(int pid, Read read, List<Snapshot.Proc> into, ThreadTables tables) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        Path task = dir.resolve("task");
        int first = read.live().equals(dir) ? pid : Integer.parseInt(read.live().getFileName().toString());
        List<Integer> held = new ArrayList<>(List.of(first));
        Set<Integer> seen = new java.util.HashSet<>(held);
        boolean movedBefore = false;
        for (int pass = 1; ; pass++) {
            boolean moved = false, found = false;
            for (int tid : tids(dir)) {
                if (!seen.add(tid)) continue;
                Verdict verdict = verdict(task, read.live(), first, held, tid);
                moved |= verdict == Verdict.GONE;
                if (verdict != Verdict.SEPARATE) continue;
                Path thread = task.resolve(Integer.toString(tid));
                Map<Integer, String> fds;
                try {
                    fds = fds(thread.resolve("fd"));
                    if (fds.isEmpty()) {
                        // a thread exiting has let its table go (the kernel then tells it apart from every table): ask again
                        moved = true;
                        continue;
                    }
                    if (held.size() > MAX_TABLES) {
                        tables.unread.add(new Snapshot.Unread(pid, "more than " + MAX_TABLES + " threads with descriptor tables of their own"));
                        return;
                    }
                    if (fds.size() > tables.fds) {
                        tables.unread.add(new Snapshot.Unread(pid, "more than " + MAX_TABLE_FDS + " descriptors in threads' own tables in one look"));
                        tables.fds = 0;
                        return;
                    }
                    Snapshot.Proc p = read.proc();
                    into.add(new Snapshot.Proc(tid, pid, p.uid(), p.comm(), p.exe(), p.cmdline(), link(thread.resolve("cwd")), fds, 0, 0, pid));
                } catch (AccessDeniedException e) {
                    throw e;
                } catch (IOException | DirectoryIteratorException ended) {
                    moved = true;
                    continue;
                }
                tables.fds -= fds.size();
                held.add(tid);
                found = true;
            }
            // a listing of task/ is not atomic (the newest threads may be missing from it): after threads ended untold, a
            // listing that brings nothing new is followed by one more
            boolean other = !found && !moved && movedBefore && untold(task, read.live(), first, held, seen, dir);
            if (!found && !moved && !other) return;
            movedBefore |= moved;
            if (pass == TABLE_PASSES) {
                if (found || other || untold(task, read.live(), first, held, seen, dir)) {
                    tables.unread.add(new Snapshot.Unread(pid, "threads with descriptor tables of their own that come faster than a look reads them"));
                }
                return;
            }
        }
    }

    /**
     * After a listing in which threads ended before they were told (or one after such a listing that brought nothing
     * new): whether a thread not seen yet holds none of the tables read (or ends before it is told). A table moved from
     * thread to thread, each holder ending, lives on in a thread the look has not seen; threads that merely ended leave
     * none behind.
     */
    private boolean untold(Path task, Path firstDir, int first, List<Integer> held, Set<Integer> seen, Path dir) {
        for (int tid : tids(dir)) {
            if (!seen.contains(tid) && verdict(task, firstDir, first, held, tid) != Verdict.SHARED) return true;
        }
        return false;
    }

    /** How a thread's table compares with those read: one of them, one of its own, or not known (it ended). */
    private enum Verdict { SHARED, SEPARATE, GONE }

    /**
     * Whether thread {@code tid} holds one of the tables read (of {@code held}'s threads, the first's read at
     * {@code firstDir}/fd). A held thread that has ended meanwhile tells nothing (its table may live on in
     * others): the thread is compared with the rest, and read when none of them holds its table.
     */
    private Verdict verdict(Path task, Path firstDir, int first, List<Integer> held, int tid) {
        for (int table : held) {
            Verdict v = compare(task, table == first ? firstDir : task.resolve(Integer.toString(table)), table, tid);
            if (v == Verdict.SHARED) return v;
            if (v == Verdict.GONE) {
                // which of the two ended: the thread (nothing to read), or the held one (ask the others)
                if (!alive(task, tid)) return Verdict.GONE;
            }
        }
        return Verdict.SEPARATE;
    }

    /** Whether thread {@code tid} holds thread {@code held}'s table (read at {@code heldDir}/fd); GONE when either has ended. */
    private Verdict compare(Path task, Path heldDir, int held, int tid) {
        if (proc.equals(HOST_PROC)) {
            int r = Libc.kcmpFiles(held, tid);
            return r == 0 ? Verdict.SHARED : r == -LinuxAbi.ESRCH ? Verdict.GONE : Verdict.SEPARATE;
        }
        try {
            return Files.isSameFile(heldDir.resolve("fd"), task.resolve(Integer.toString(tid)).resolve("fd")) ? Verdict.SHARED : Verdict.SEPARATE;
        } catch (NoSuchFileException gone) {
            return Verdict.GONE;
        } catch (IOException unreadable) {
            return Verdict.SEPARATE;
        }
    }

    /** Whether thread {@code tid} is still there (the kernel's answer for itself; a recorded tree's fd folder). */
    private boolean alive(Path task, int tid) {
        if (proc.equals(HOST_PROC)) return Libc.kcmpFiles(tid, tid) == 0;
        return Files.exists(task.resolve(Integer.toString(tid)).resolve("fd"));
    }

    /**
     * Whether this view can tell threads' tables apart: a recorded tree always (by its folders); the host's /proc when
     * the kernel has kcmp (CONFIG_CHECKPOINT_RESTORE, which Debian's, Ubuntu's and Fedora's kernels have). Without
     * it, the tables of threads are not read (each of a JVM's hundred threads would read as a table of its own).
     */
    private boolean tablesTold() {
        return !proc.equals(HOST_PROC) || kernelTellsTables();
    }

    /** Whether this kernel tells which threads share a descriptor table (kcmp): `coi health` says so. */
    public static boolean kernelTellsTables() {
        return Libc.KCMP;
    }

    private static final Path HOST_PROC = Path.of("/proc");

    /** The tids under DIR/task, sorted; none when it cannot be read (the process went). */
    private static List<Integer> tids(Path dir) {
        List<Integer> tids = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir.resolve("task"))) {
            for (Path t : tasks) {
                try {
                    tids.add(Integer.parseInt(t.getFileName().toString()));
                } catch (NumberFormatException notATask) {
                    // only tids are listed there
                }
            }
        } catch (IOException | DirectoryIteratorException gone) {
            return List.of();
        }
        tids.sort(null);
        return tids;
    }

    /**
     * Where a process whose leader is a zombie is read: the folder of its first live thread (lowest tid, its stat not Z
     * or X) under task/, else its own. A main thread that has ended (pthread_exit) while others run leaves its
     * /proc/PID with an empty command line, no exe or cwd and no descriptors: what an agent would do to hide a reverse
     * shell. Its threads show the process's memory (command line), program, folder and descriptors. Its io is
     * the whole process's at /proc/PID/io already; its status (uid) and stat (comm, ppid) are the leader's, still there.
     */
    private static Path liveThread(Path dir, int pid) {
        for (int tid : tids(dir)) {
            if (tid == pid) continue;
            Path thread = dir.resolve("task").resolve(Integer.toString(tid));
            try {
                String[] fields = statFields(read(thread.resolve("stat")));
                String state = fields == null ? "X" : fields[0];
                if (!state.equals("Z") && !state.equals("X")) return thread;
            } catch (IOException | RuntimeException ended) {
                // the next one
            }
        }
        return dir;
    }

    /**
     * The fields of a /proc/PID/stat after its command (which may hold spaces and parentheses, hence the last ")"): the
     * state first, then ppid, ...; null for a stat without a command.
     */
    private static String[] statFields(String stat) {
        int close = stat.lastIndexOf(')');
        return close < 0 || close + 2 > stat.length() ? null : stat.substring(close + 2).trim().split(" ");
    }

    /** The container's /workspace as the host reaches it: through the root of one of its processes. */
    public Path workspaceOf(int pid) {
        return proc.resolve(pid + "/root/workspace");
    }

    /** A process's read and write counters (/proc/PID/io), null once it is gone. */
    WorkspaceTraffic.Counters io(int pid) {
        try {
            return counters(read(proc.resolve(pid + "/io")));
        } catch (IOException gone) {
            return null;
        }
    }

    private static WorkspaceTraffic.Counters counters(String io) {
        long rchar = 0, wchar = 0;
        for (String line : io.split("\n")) {
            if (line.startsWith("rchar:")) rchar = Long.parseLong(line.substring(6).trim());
            if (line.startsWith("wchar:")) wchar = Long.parseLong(line.substring(6).trim());
        }
        return new WorkspaceTraffic.Counters(rchar, wchar);
    }

    private static Map<Integer, String> fds(Path dir) throws IOException {
        Map<Integer, String> fds = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path fd : entries) {
                String target = link(fd);
                if (target != null) fds.put(Integer.parseInt(fd.getFileName().toString()), target);
            }
        }
        return fds;
    }

    /**
     * The link's target, or null for a kernel thread's missing exe or a descriptor closed meanwhile; also null for a
     * target the kernel cannot hand out for its length (ENAMETOOLONG: a cwd or file under a path over PATH_MAX, which
     * an agent can make to hide a process): the process is kept and looked at by what else it shows (its command line,
     * its sockets), not skipped as gone.
     */
    private static String link(Path p) throws IOException {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            if (e instanceof AccessDeniedException || e.getReason() == null || !e.getReason().contains("too long")) throw e;
            return null;
        }
    }

    /** The namespace's sockets, through the first process that still exists. */
    private List<Snapshot.Conn> connections(List<Integer> pids) {
        for (int pid : pids) {
            Path net = proc.resolve(pid + "/net");
            // gone (it ended after the listing): its tables are not there either, the next process's are the namespace's
            if (!Files.isDirectory(net)) continue;
            try {
                List<Snapshot.Conn> all = new ArrayList<>();
                for (String table : NET_TABLES) {
                    Path f = net.resolve(table);
                    if (Files.exists(f)) all.addAll(parseNet(table, read(f)));
                }
                return all;
            } catch (NoSuchFileException exited) {
                // try the next process
            } catch (IOException e) {
                throw new ObservationException("cannot read the sockets of the container through " + net + ": " + e.getMessage());
            }
        }
        return List.of();
    }

    /** Parses one /proc/net/{tcp,tcp6,udp,udp6} table. */
    static List<Snapshot.Conn> parseNet(String table, String text) {
        List<Snapshot.Conn> conns = new ArrayList<>();
        boolean tcp = table.startsWith("tcp");
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 10) continue;
            String[] local = f[1].split(":"), remote = f[2].split(":");
            String state = tcp ? TCP_STATES.getOrDefault(f[3], f[3]) : f[3].equals("01") ? "ESTABLISHED" : "UNCONN";
            conns.add(new Snapshot.Conn(tcp ? "tcp" : "udp", address(local[0]), Integer.parseInt(local[1], 16),
                    address(remote[0]), Integer.parseInt(remote[1], 16), state, Long.parseLong(f[9])));
        }
        return conns;
    }

    /** The kernel prints addresses as 32-bit words in host (little-endian) byte order. */
    static String address(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int word = 0; word < b.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                b[word * 4 + i] = (byte) Integer.parseInt(hex.substring(word * 8 + (3 - i) * 2, word * 8 + (3 - i) * 2 + 2), 16);
            }
        }
        try {
            // a v4-mapped v6 address comes back as an Inet4Address: one form for the detectors to compare
            var address = java.net.InetAddress.getByAddress(b);
            return address instanceof java.net.Inet6Address ? compress(address.getHostAddress()) : address.getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + hex, e);
        }
    }

    /** Java prints IPv6 as eight groups (1:0:0:0:0:0:0:1); show it as ip(8) does (1::1). */
    static String compress(String v6) {
        String[] groups = v6.split(":");
        int bestAt = -1, bestLen = 1;
        for (int i = 0; i < groups.length; i++) {
            int len = 0;
            while (i + len < groups.length && groups[i + len].equals("0")) len++;
            if (len > bestLen) {
                bestAt = i;
                bestLen = len;
            }
        }
        if (bestAt < 0) return v6;
        String head = String.join(":", Arrays.copyOfRange(groups, 0, bestAt));
        String tail = String.join(":", Arrays.copyOfRange(groups, bestAt + bestLen, groups.length));
        return head + "::" + tail;
    }

    /**
     * A /proc or cgroup file as text, read into this thread's buffer: Files.readAllBytes starts each file
     * (procfs gives no size) with a fresh 8 KiB array, and a look at an idle container reads a few hundred
     * files, so the looks and the guard made about 7 MB of garbage a second, a young collection every
     * quarter second (bench/background). A buffer grown past {@link #KEEP} for a big file is not kept.
     */
    private static String read(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return read(in);
        }
    }

    private static String read(InputStream in) throws IOException {
        byte[] buffer = BUFFER.get();
        int n = 0;
        for (int r; (r = in.read(buffer, n, buffer.length - n)) > 0; ) {
            n += r;
            if (n == buffer.length) buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        if (buffer.length <= KEEP) BUFFER.set(buffer);
        return new String(buffer, 0, n, StandardCharsets.UTF_8);
    }

    /** A user namespace's uid map: host uids of container processes back to the uids the container sees. */
    record UidMap(List<long[]> ranges) {
        static UidMap read(Path file) {
            List<long[]> ranges = new ArrayList<>();
            try {
                for (String line : HostView.read(file).split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length == 3) ranges.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])});
                }
            } catch (IOException e) {
                // unmapped: uids are shown as the host sees them
            }
            return new UidMap(ranges);
        }

        int inside(int hostUid) {
            for (long[] r : ranges) {
                if (hostUid >= r[1] && hostUid < r[1] + r[2]) return (int) (r[0] + hostUid - r[1]);
            }
            return hostUid;
        }
    }
}
