/*
 * The security monitor in the native waiter: what coi.monitor (Java) does for a monitored container
 * while the supervisor has nothing else to do, so that the resident process stays a few MiB with a
 * monitored session too. The Java monitor stays the reference: the same looks (HostView), the same
 * detectors with the same titles, descriptions and dedup keys (Detectors, Threat.dedupKey), the same
 * window (10 s). What the native monitor does not do is respond: it hands every new threat to the
 * supervisor (a JVM it execs, see coi-waiter.c), whose Responder records and answers it as always.
 * Only the one answer that cannot wait for a JVM to start is given here: with auto_kill_on_critical,
 * a critical threat's container has every process killed through its cgroup at once (CgroupKill).
 *
 * Everything read here is written by the agent (command lines, descriptor targets, socket tables,
 * file names): every read is bounded, every string is copied with its length, nothing is
 * interpreted but by the detectors' fixed patterns.
 */
#ifndef COI_MONITOR_H
#define COI_MONITOR_H

#include <poll.h>
#include <stddef.h>

/* bounds: what is beyond them is cut (a look stays bounded whatever runs inside) */
#define MON_MAX_TARGETS 16
#define MON_MAX_PORTS 64
#define MON_NAME 128          /* container names, payload cgroup names */
#define MON_PATH 4096
#define MON_MAX_CMDLINE 8192  /* bytes of /proc/PID/cmdline kept */
#define MON_LINK 512          /* bytes of a link target kept (exe, cwd, fd) */
#define MON_MAX_THREATS 64    /* per look */
#define MON_WINDOW_MS 10000   /* Config.Monitoring.WINDOW_SECONDS */
#define MON_POLL_MS 200       /* Supervisor.POLL */

/* A container's monitor settings (Config.Monitoring), as the supervisor hands them over. */
struct mon_settings {
    int auto_pause_on_high, auto_kill_on_critical;
    int file_read_mb, file_write_mb;
    int process_count_threshold, process_spawn_rate_threshold;
    int ports[MON_MAX_PORTS];
    int nports;
};

/* One watched container (Monitor.Target) and how to read its fence counters. */
struct mon_target {
    char container[MON_NAME];
    char payload[MON_NAME];     /* lxc.payload.NAME (HostView.payload) */
    long init;                  /* host pid of its init, 0 when unknown */
    struct mon_settings settings;
    char blocked_counter[MON_NAME]; /* nft counter object in coi's inet table, "" for none (-1) */
    char dns_counter[MON_NAME];
};

/* One threat (Threat + Evidence); the evidence parts that do not apply have has_* = 0. */
struct mon_threat {
    int level;                  /* 0 INFO, 1 WARNING, 2 HIGH, 3 CRITICAL (Level's order) */
    char category[32];
    char title[512];
    char description[512];
    int has_process;
    int pid, ppid, uid;
    char exe[MON_LINK];
    int has_exe_value;
    char cmdline[MON_MAX_CMDLINE]; /* arguments joined by NUL, cmdline_len bytes (for the JSON array and the dedup key) */
    size_t cmdline_len;
    int has_network;
    char net_local[96], net_remote[96], net_protocol[4];
    int net_port;
    int has_filesystem;
    long long fs_bytes;
    char fs_window[16];
};


/*
 * The start of an error (mon_look_read's err, mon_detect_look's overflow, mon_tick's why) that says the
 * container holds more than the native monitor reads without losing anything (more sockets, descriptors,
 * command line, threats or cgroup depth than its bounds, or a look that took too long): the waiter then
 * hands that container back to the supervisor's monitor, which reads everything, and is not given it again.
 */
#define MON_TOO_MUCH "too much to watch natively: "

/* ---- monitor-look.c: one look at a container, and the detectors that need one look only ---- */

/* One look (HostView.detailed or .bare + the sockets): owns its memory. */
struct mon_look;
/* One process read on its own at its exec (HostView.process). */
struct mon_proc;

/*
 * Reads the container's processes: every pid of its payload cgroup and subgroups (v1 pids/PAYLOAD, v2
 * PAYLOAD, v1-hybrid unified/PAYLOAD, as HostView.cgroupOf), each read from PROC_ROOT/PID (stat, status's
 * Uid mapped through the first pid's uid_map, cmdline, exe, cwd, fd/N, io) unless there are more than
 * count_threshold of them (then pids only, HostView.bare), and the namespace's sockets through its init
 * (the host pid init, when > 0) or else the first pid that still exists. NULL when the container cannot be observed, with HostView's message in err.
 */
struct mon_look *mon_look_read(const char *proc_root, const char *cgroup_root, const char *payload, long init, int count_threshold,
                               char *err, size_t errlen);
void mon_look_free(struct mon_look *look);
/* Its pids in the order read (bare or not), and how many. */
int mon_look_pids(const struct mon_look *look, const int **pids);
/*
 * The tasks its cgroup's pids.current counted that neither two walks nor a scan of PROC_ROOT for the processes under
 * the cgroup found (HostView.Tree.unaccounted); 0 for none, or with no pids.current.
 */
long long mon_look_unaccounted(const struct mon_look *look);
/*
 * A process read at its exec; NULL when it is gone or has no command line (exiting). One over the look's bounds comes
 * back marked: mon_detect_look of the look it is added to then answers -1 (MON_TOO_MUCH).
 */
struct mon_proc *mon_proc_read(const char *proc_root, int pid);
void mon_proc_free(struct mon_proc *p);
/* The payload cgroup name (lxc.payload.NAME) of a host process, from PROC_ROOT/PID/cgroup, into buf; 0 if none. */
int mon_payload_of(const char *proc_root, int pid, char *buf, size_t n);
/*
 * Why the detectors fail on this look when an exec added to it could not be read whole (its MON_TOO_MUCH message, or
 * out of memory); NULL when none was.
 */
const char *mon_look_refused(const struct mon_look *look);
/* Snapshot.withExecs: adds the processes whose pid the look does not have; takes every one of them (frees the rest). */
void mon_look_add_execs(struct mon_look *look, struct mon_proc **procs, int n);
/*
 * Detectors.reverseShells, .connections, .credentialScans over one look, in that order; returns how many written to
 * out, or -1 when there were more than max (nothing may be left out: the caller hands the container back, MON_TOO_MUCH).
 */
int mon_detect_look(const struct mon_look *look, const struct mon_settings *settings, struct mon_threat *out, int max);
/*
 * Detectors.unownedConnections over the look before and this one: an established TCP connection to a remote peer that no
 * process holds in both (its socket in flight over a unix socket, or registered with io_uring and closed). At most one,
 * written to out; how many, or -1 out of memory. None without a look before.
 */
int mon_detect_unowned(const struct mon_look *now, const struct mon_look *before, struct mon_threat *out);
/* Fills t's process evidence from the look's process pid (Evidence.of(p)); 0 when the look has no such read process. */
int mon_look_describe(const struct mon_look *look, int pid, struct mon_threat *t);

/* A threat as one JSON line (no newline) for the supervisor: {"container":..,"level":"CRITICAL",..,"evidence":{..}}; length, or -1 if it does not fit. */
int mon_threat_json(const struct mon_threat *t, const char *container, char *buf, size_t n);
/* Threat.dedupKey(): category|title with each run of digits as #|peer or joined command line; length, or -1. */
int mon_dedup_key(const struct mon_threat *t, char *buf, size_t n);

/*
 * `coi-waiter --look PROC_ROOT CGROUP_ROOT TARGETS_FILE`: one look at each target of TARGETS_FILE (format: see
 * monitor.c) under those roots, its one-look detectors, each threat printed as a line of mon_threat_json on stdout;
 * exit 0, or 1 with the reason on stderr when a target cannot be observed. What tests compare with coi.monitor.
 */
int mon_look_main(int argc, char **argv);

/* ---- monitor.c: the watch over time (Monitor, the guard, process events, workspace traffic, fence counters) ---- */

/*
 * Loads TARGETS_FILE (written by the supervisor, see coi.session.NativeWatch) and starts watching: the
 * process events socket, a fanotify mark on each target's workspace, a first look at each. 0, or -1 with why.
 */
int mon_start(const char *targets_file, const char *proc_root, const char *cgroup_root, char *why, size_t n);
/* The descriptors to poll beside the waiter's own (POLLIN); how many written. */
int mon_pollfds(struct pollfd *fds, int max);
/* After poll: reads what those descriptors have (execs, workspace accesses). */
void mon_handle(const struct pollfd *fds, int n);
/* Monotonic ms (CLOCK_MONOTONIC) at which mon_tick has a look to do. */
long long mon_due_ms(void);
/*
 * The looks that are due, the guard's and the full ones, and their detectors. New threats (not handed over
 * within Responder.DEDUP of the same key, counting the keys the supervisor handed over as seen) are appended to
 * THREATS_FILE as JSON lines; a critical one of a container with auto_kill_on_critical has its cgroup killed first.
 * Returns how many were written (the caller then wakes the supervisor), 0 for none, -1 when a target cannot be
 * observed any more (stopped, gone: the supervisor decides; why says which).
 */
int mon_tick(const char *threats_file, char *why, size_t n);

#endif
