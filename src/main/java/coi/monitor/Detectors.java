package coi.monitor;

import coi.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The detectors: pure functions from snapshots to threats. {@code window} is the container's
 * recent snapshots, oldest first, spanning at most {@link Config.Monitoring#WINDOW_SECONDS}.
 */
public final class Detectors {
    /** Shells and interpreters that give whoever holds their stdin a way to run anything. */
    static final Pattern INTERPRETER = Pattern.compile(
            "(sh|bash|dash|zsh|ksh|mksh|ash|fish|csh|tcsh|busybox|python[0-9.]*|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|node|nodejs|"
                    + "lua[0-9.]*|luajit|tclsh[0-9.]*|pwsh|irb|expect)");
    private static final Set<String> NETCATS = Set.of("nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "socat");
    private static final Set<String> NETCAT_EXEC_FLAGS = Set.of("-e", "-c", "--exec", "--sh-exec", "--lua-exec");
    private static final Pattern SOCAT_EXEC = Pattern.compile("(?i)^(exec|system):.*");
    private static final Pattern DEV_NET = Pattern.compile("/dev/(tcp|udp)/");
    private static final Pattern ENVIRON = Pattern.compile("^/proc/(\\d+|\\*|self)/environ$");
    private static final Set<String> SEARCHERS = Set.of("grep", "egrep", "fgrep", "rg", "ag", "ack", "git-grep");
    private static final Pattern SECRET_WORD = Pattern.compile("(?i).*(key|token|secret|passw).*");
    private static final Pattern CREDENTIAL_PATH = Pattern.compile("(^|.*/)(\\.ssh|\\.aws|\\.config/gh|\\.docker/config\\.json|\\.netrc)(/.*)?$");
    /**
     * The coding tools' own credential files (their state dirs are mounted under /home/code) and the tool that owns each,
     * in a fixed order (a process holding two tools' files is named after the first; the native monitor asks in this order too).
     */
    private static final List<Map.Entry<Pattern, String>> TOOL_CREDENTIALS = List.of(
            Map.entry(Pattern.compile("(^|.*/)\\.claude/\\.credentials\\.json$"), "claude"),
            Map.entry(Pattern.compile("(^|.*/)\\.codex/auth\\.json$"), "codex"),
            Map.entry(Pattern.compile("(^|.*/)opencode/auth\\.json$"), "opencode"));
    /**
     * Blocked attempts within the window that mean probing, not one unlucky request: a client
     * retrying a host missing from the allowlist makes a handful (rejects answer at once).
     */
    static final int BLOCKED_BURST = 10;
    /**
     * DNS packets to the bridge's resolver within the window that mean a tunnel: a build resolves
     * a few names (an A and an AAAA query each, cached after); a tunnel moving even 1 KB/s needs
     * about 10 queries a second. 300 in 10 s is 15 a second, sustained.
     */
    static final int DNS_BURST = 300;
    /** Programs whose job is to read those files. */
    private static final Set<String> CREDENTIAL_OWNERS = Set.of("ssh", "ssh-add", "ssh-agent", "scp", "sftp", "aws", "gh", "git", "docker");

    private Detectors() {}

    /**
     * Every detector over the window of full looks but {@link #processSpike}, which the monitor's
     * guard runs over its own pid-only looks; the newest snapshot is the window's last element.
     */
    public static List<Threat> detect(List<Snapshot> window, Config.Monitoring settings) {
        Snapshot now = window.getLast();
        List<Threat> threats = new ArrayList<>();
        threats.addAll(reverseShells(now));
        threats.addAll(connections(now, settings.suspiciousPorts()));
        threats.addAll(credentialScans(now));
        threats.addAll(workspaceIo(window, settings.fileReadThresholdMb(), settings.fileWriteThresholdMb()));
        threats.addAll(fenceCounters(window));
        threats.addAll(unreadTables(now));
        threats.addAll(unownedConnections(window));
        return threats;
    }

    /** A shell or interpreter talking to a remote peer on its stdio; netcat/socat with an exec option; /dev/tcp redirections. */
    public static List<Threat> reverseShells(Snapshot s) {
        List<Threat> threats = new ArrayList<>();
        for (Snapshot.Proc p : s.processes()) {
            String program = p.program();
            if (INTERPRETER.matcher(program).matches()) {
                for (int fd = 0; fd <= 2; fd++) {
                    var conn = s.socket(p.fds().getOrDefault(fd, "")).filter(Snapshot.Conn::hasRemotePeer);
                    if (conn.isPresent()) {
                        threats.add(new Threat(Level.CRITICAL, Threat.REVERSE_SHELL, "reverse shell: " + program + " with its "
                                + (fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr") + " on a connection to " + conn.get().remote()
                                + ":" + conn.get().remotePort(), "a shell or interpreter reads commands from a network peer",
                                Evidence.of(p, conn.get())));
                        break;
                    }
                }
            }
            List<String> args = p.cmdline().size() > 1 ? p.cmdline().subList(1, p.cmdline().size()) : List.of();
            if (NETCATS.contains(program) && args.stream().anyMatch(a -> NETCAT_EXEC_FLAGS.contains(a) || SOCAT_EXEC.matcher(a).matches())) {
                threats.add(new Threat(Level.CRITICAL, Threat.REVERSE_SHELL, "reverse shell: " + program + " executing a program for a connection",
                        "netcat or socat with an exec option hands a program's stdio to a network peer", Evidence.of(p)));
            } else if (p.cmdline().stream().anyMatch(a -> DEV_NET.matcher(a).find())) {
                threats.add(new Threat(Level.CRITICAL, Threat.REVERSE_SHELL, "reverse shell: " + program + " redirecting to /dev/tcp or /dev/udp",
                        "a shell redirection opens a network connection", Evidence.of(p)));
            }
        }
        return threats;
    }

    /** Connections to suspicious ports or the cloud metadata address; listeners on suspicious ports. */
    public static List<Threat> connections(Snapshot s, List<Integer> suspiciousPorts) {
        List<Threat> threats = new ArrayList<>();
        for (Snapshot.Conn c : s.connections()) {
            var owner = s.owner(c.inode()).orElse(null);
            boolean outgoing = c.hasRemotePeer() && !c.state().equals("LISTEN") && !c.state().equals("TIME_WAIT");
            if (outgoing && Addresses.metadata(c.remote())) {
                threats.add(new Threat(Level.HIGH, Threat.NETWORK, "connection to the cloud metadata address " + c.remote(),
                        "the metadata service hands out cloud credentials", Evidence.of(owner, c)));
            } else if (outgoing && suspiciousPorts.contains(c.remotePort())) {
                threats.add(new Threat(Level.HIGH, Threat.NETWORK, "connection to suspicious port " + c.remotePort() + " of " + c.remote(),
                        "a port listed in suspicious_ports, typical of attack tooling", Evidence.of(owner, c)));
            } else if (c.state().equals("LISTEN") && suspiciousPorts.contains(c.localPort())) {
                threats.add(new Threat(Level.HIGH, Threat.NETWORK, "listening on suspicious port " + c.localPort(),
                        "a port listed in suspicious_ports, typical of a bind shell", Evidence.of(owner, c)));
            }
        }
        return threats;
    }

    /** Reading other processes' environment, searching for KEY/TOKEN/SECRET/PASSWORD, opening ~/.ssh, ~/.aws, ~/.config/gh. */
    public static List<Threat> credentialScans(Snapshot s) {
        List<Threat> threats = new ArrayList<>();
        for (Snapshot.Proc p : s.processes()) {
            List<String> paths = new ArrayList<>(p.fds().values());
            if (p.cmdline().size() > 1) paths.addAll(p.cmdline().subList(1, p.cmdline().size()));
            if (paths.stream().anyMatch(a -> ENVIRON.matcher(a).matches() && !p.ownEnviron(a) && !a.equals("/proc/self/environ"))) {
                threats.add(new Threat(Level.WARNING, Threat.CREDENTIALS, "reading other processes' environment",
                        "environment variables of other processes often hold API keys", Evidence.of(p)));
            } else if (SEARCHERS.contains(p.program()) && p.cmdline().stream().skip(1).filter(a -> !a.startsWith("-") || a.length() > 2)
                    .anyMatch(a -> SECRET_WORD.matcher(a).matches() && !a.startsWith("/"))) {
                threats.add(new Threat(Level.WARNING, Threat.CREDENTIALS, "searching for credentials with " + p.program(),
                        "a search for KEY, TOKEN, SECRET or PASSWORD", Evidence.of(p)));
            } else if (toolCredential(p, paths) != null) {
                threats.add(new Threat(Level.WARNING, Threat.CREDENTIALS, "reading " + toolCredential(p, paths) + "'s credential file by " + p.program(),
                        "the coding tool's login token, read by a process that is not the tool", Evidence.of(p)));
            } else if (!CREDENTIAL_OWNERS.contains(p.program()) && paths.stream().anyMatch(a -> CREDENTIAL_PATH.matcher(a).matches())) {
                threats.add(new Threat(Level.WARNING, Threat.CREDENTIALS, "reading credential files by " + p.program(),
                        "~/.ssh, ~/.aws, ~/.config/gh hold keys and tokens", Evidence.of(p)));
            }
        }
        return threats;
    }

    /**
     * Bytes read from and written to workspace files within the window, as each look's
     * {@link Snapshot#workspace()} charged them to processes (the first look's belong to the time
     * before the window). The largest reader or writer is the evidence.
     */
    public static List<Threat> workspaceIo(List<Snapshot> window, int readMb, int writeMb) {
        Map<Integer, long[]> byPid = new HashMap<>();
        for (Snapshot s : window.subList(1, window.size())) {
            for (Snapshot.WorkspaceUse u : s.workspace()) {
                long[] sum = byPid.computeIfAbsent(u.pid(), p -> new long[2]);
                sum[0] += u.read();
                sum[1] += u.written();
            }
        }
        long read = byPid.values().stream().mapToLong(a -> a[0]).sum(), written = byPid.values().stream().mapToLong(a -> a[1]).sum();
        String span = span(window).toSeconds() + "s";
        List<Threat> threats = new ArrayList<>();
        if (read > readMb * MIB) {
            threats.add(new Threat(Level.HIGH, Threat.FILESYSTEM, "large workspace read: " + read / MIB + " MB in " + span,
                    "more than file_read_threshold_mb (" + readMb + ") read from workspace files within the window, as when the workspace is copied out",
                    evidence(window, byPid, 0, read, span)));
        }
        if (written > writeMb * MIB) {
            threats.add(new Threat(Level.HIGH, Threat.FILESYSTEM, "large workspace write: " + written / MIB + " MB in " + span,
                    "more than file_write_threshold_mb (" + writeMb + ") written to workspace files within the window",
                    evidence(window, byPid, 1, written, span)));
        }
        return threats;
    }

    /** The bytes and the process that moved the most of them, if it is still there to describe. */
    private static Evidence evidence(List<Snapshot> window, Map<Integer, long[]> byPid, int column, long bytes, String span) {
        int top = byPid.entrySet().stream().max(Map.Entry.comparingByValue((a, b) -> Long.compare(a[column], b[column]))).orElseThrow().getKey();
        for (Snapshot s : window.reversed()) {
            for (Snapshot.Proc p : s.processes()) if (p.pid() == top) return Evidence.of(p, bytes, span);
        }
        return Evidence.of(bytes, span);
    }

    /** Too many processes, or too many new ones per second: a fork bomb. */
    public static List<Threat> processSpike(List<Snapshot> window, int countThreshold, int spawnRateThreshold) {
        Snapshot now = window.getLast();
        List<Threat> threats = new ArrayList<>();
        if (now.processes().size() > countThreshold) {
            threats.add(new Threat(Level.CRITICAL, Threat.PROCESSES, "process count " + now.processes().size() + " above " + countThreshold,
                    "a fork bomb or runaway spawning", Evidence.none()));
            return threats;
        }
        Threat climbing = climbing(window, countThreshold);
        if (climbing != null) return List.of(climbing);
        int spawned = 0;
        for (int i = 1; i < window.size(); i++) {
            Set<Integer> before = window.get(i - 1).processes().stream().map(Snapshot.Proc::pid).collect(Collectors.toCollection(HashSet::new));
            for (Snapshot.Proc p : window.get(i).processes()) if (!before.contains(p.pid())) spawned++;
        }
        // over at least a second, so that a few processes started between two polls are not a "rate"
        double seconds = Math.max(1.0, span(window).toMillis() / 1000.0);
        double rate = spawned / seconds;
        if (rate > spawnRateThreshold) {
            threats.add(new Threat(Level.CRITICAL, Threat.PROCESSES, String.format(Locale.ROOT, "process spawn rate %.0f/s above %d/s", rate,
                    spawnRateThreshold), "a fork bomb or runaway spawning", Evidence.none()));
        }
        return threats;
    }

    /**
     * Threads' descriptor tables the look left unread, past its bounds (more than 64 in one process, more descriptors
     * than one look reads, or tables moved from thread to thread faster than a look reads them): no workload does
     * that, and whatever those tables hold is hidden from the other detectors.
     */
    public static List<Threat> unreadTables(Snapshot s) {
        if (s.unread().isEmpty()) return List.of();
        Snapshot.Unread first = s.unread().getFirst();
        Snapshot.Proc p = s.processes().stream().filter(x -> x.pid() == first.pid()).findFirst().orElse(null);
        return List.of(new Threat(Level.HIGH, Threat.PROCESSES, "descriptor tables beyond the monitor's reading",
                "pid " + first.pid() + " has " + first.why() + ": what they hold is hidden from the monitor", p == null ? Evidence.none() : Evidence.of(p)));
    }

    /**
     * A TCP connection to a remote peer that no process holds, in this look and the one before: its socket is in no
     * descriptor table a look reads, as when it was sent over a unix socket and not received yet (SCM_RIGHTS), or
     * registered with io_uring and closed, which hides a reverse shell's connection from the other detectors. Two
     * looks: a connection made between a look's reading of its process and of the socket tables is unowned in that
     * look only. A socket waiting in a listener's queue has no inode and is not one. The first such connection is raised.
     */
    public static List<Threat> unownedConnections(List<Snapshot> window) {
        if (window.size() < 2) return List.of();
        Snapshot now = window.getLast(), before = window.get(window.size() - 2);
        Set<Long> unownedBefore = unowned(before);
        if (unownedBefore.isEmpty()) return List.of();
        Set<Long> unownedNow = unowned(now);
        for (Snapshot.Conn c : now.connections()) {
            if (unownedNow.contains(c.inode()) && unownedBefore.contains(c.inode())) {
                return List.of(new Threat(Level.HIGH, Threat.NETWORK, "connection to " + c.remote() + ":" + c.remotePort() + " held by no process",
                        "its socket is in no process's descriptors, in two looks in a row: sent over a unix socket and not received,"
                                + " or registered with io_uring and closed, as a reverse shell hides its connection", Evidence.of(null, c)));
            }
        }
        return List.of();
    }

    /** The inodes of a look's established TCP connections to a remote peer that no process holds. */
    private static Set<Long> unowned(Snapshot s) {
        Set<Long> unowned = new HashSet<>();
        Set<String> held = null;
        for (Snapshot.Conn c : s.connections()) {
            if (!c.protocol().equals("tcp") || !c.state().equals("ESTABLISHED") || c.inode() == 0 || !c.hasRemotePeer()) continue;
            if (held == null) {
                held = new HashSet<>();
                for (Snapshot.Proc p : s.processes()) held.addAll(p.fds().values());
            }
            if (!held.contains("socket:[" + c.inode() + "]")) unowned.add(c.inode());
        }
        return unowned;
    }

    /**
     * A cgroup of the container past the walk's bounds ({@link HostView#MAX_DEPTH} levels,
     * {@link HostView#MAX_GROUPS} cgroups), or one it could not read: what runs there is out of the
     * monitor's sight. No workload nests so deep or makes so many; the agent, root inside, can, to
     * hide processes.
     */
    public static Threat hiddenCgroups(String beyond) {
        return new Threat(Level.HIGH, Threat.PROCESSES, "cgroups beyond the monitor's walk",
                "the container nests its cgroups deeper than " + HostView.MAX_DEPTH + " levels, makes more than " + HostView.MAX_GROUPS
                        + " of them, keeps one from being read, or moves processes out of a walk's way so that pids.current counts tasks"
                        + " no walk or scan of /proc finds (first: " + beyond + "): processes there would be hidden from the monitor",
                Evidence.none());
    }

    /** How far back {@link #climbing} looks. */
    static final Duration CLIMB = Duration.ofSeconds(5);

    /**
     * A fork bomb's process count only climbs, while builds and installs go up and down as their
     * children finish. On a loaded 2-core host a bash bomb forks only some 40-100 times a second
     * (under process_spawn_rate_threshold) yet stalls the host before it reaches
     * process_count_threshold, so a count that rose at three looks in four or more over
     * {@link #CLIMB} (a bomb's branches whose fork failed end too) and by more than a fifth of the
     * count threshold is answered as a bomb already.
     */
    private static Threat climbing(List<Snapshot> window, int countThreshold) {
        Instant from = window.getLast().at().minus(CLIMB);
        List<Integer> counts = window.stream().filter(s -> !s.at().isBefore(from)).map(s -> s.processes().size()).toList();
        if (counts.size() < 3) return null;
        int falls = 0;
        for (int i = 1; i < counts.size(); i++) if (counts.get(i) < counts.get(i - 1)) falls++;
        if (falls * 4 > counts.size() - 1) return null;
        int rise = counts.getLast() - counts.getFirst();
        if (rise <= countThreshold / 5) return null;
        return new Threat(Level.CRITICAL, Threat.PROCESSES, "process count climbing: " + counts.getFirst() + " to " + counts.getLast()
                + " in " + span(window.subList(window.size() - counts.size(), window.size())).toMillis() / 1000.0 + "s",
                "a fork bomb: the count kept rising, as no ordinary build or install does", Evidence.none());
    }

    /** The tool whose credential file {@code p} has open or names, unless {@code p} is that tool (its program or script). */
    private static String toolCredential(Snapshot.Proc p, List<String> paths) {
        for (var e : TOOL_CREDENTIALS) {
            if (paths.stream().noneMatch(a -> e.getKey().matcher(a).matches())) continue;
            String tool = e.getValue();
            boolean isTool = p.program().equals(tool)
                    || p.cmdline().stream().limit(2).anyMatch(a -> a.substring(a.lastIndexOf('/') + 1).equals(tool));
            if (!isTool) return tool;
        }
        return null;
    }

    /**
     * coi's nft counters over the window: rising blocked attempts (allowlist mode) and a burst of
     * DNS packets (restricted mode). The host sees how many packets go to the resolver, not the
     * names asked: reading names would need the bridge's dnsmasq to log every query, so a tunnel
     * is recognised by its volume alone.
     */
    public static List<Threat> fenceCounters(List<Snapshot> window) {
        Snapshot.Fence first = window.getFirst().fence(), last = window.getLast().fence();
        String span = span(window).toSeconds() + "s";
        List<Threat> threats = new ArrayList<>();
        long blocked = rise(first.blocked(), last.blocked());
        if (blocked >= BLOCKED_BURST) {
            threats.add(new Threat(Level.HIGH, Threat.NETWORK, blocked + " blocked connection attempts in " + span,
                    "the allowlist fence rejected repeated attempts to reach hosts outside it, as when probing for a way out",
                    Evidence.none()));
        }
        long dns = rise(first.dns(), last.dns());
        if (dns >= DNS_BURST) {
            threats.add(new Threat(Level.HIGH, Threat.DNS_TUNNEL, "burst of " + dns + " DNS packets in " + span,
                    "far more DNS queries than ordinary work makes, as when data is tunnelled through DNS names"
                            + " (the host counts packets to the resolver; it does not see the names)", Evidence.none()));
        }
        return threats;
    }

    /** Growth of a counter, 0 where it is unknown (-1) or went back (rules re-created). */
    private static long rise(long before, long after) {
        return before < 0 || after < before ? 0 : after - before;
    }

    private static final long MIB = 1024L * 1024;

    static Duration span(List<Snapshot> window) {
        return Duration.between(window.getFirst().at(), window.getLast().at());
    }
}
