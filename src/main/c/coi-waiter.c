/*
 * coi-waiter: what stays resident of coi's per-user background process while it only waits.
 *
 * The supervisor (`coi __watch`, a JVM of 40 MiB and more) starts this when it has nothing to do but
 * wait for Incus' lifecycle events: no monitored container, no allowlist to refresh, no pool to keep.
 * The waiter subscribes to those events on the daemon's unix socket, tells the supervisor so on
 * stdout ("subscribed"), waits for its word on stdin ('g', then the end of the pipe: the supervisor
 * has released the lock), takes the supervisor's lock and keeps its heartbeat, and execs
 * `LAUNCHER __watch` (same pid) when the supervisor may have work again:
 *   - an event naming anything with coi's container prefix (a plain substring test over the event
 *     stream: it can wake too often, never too rarely), once the events have settled: SETTLE_MS
 *     without another, at the latest SETTLE_MAX_MS after the first. A launch is a burst of events
 *     (created, started, execs) over a second or two, and a JVM starting beside it took 0.6-0.8 s
 *     of CPU on a 2-core machine exactly while the user waited for the prompt; what the supervisor
 *     does for such a container (a duration limit, an allowlist's refresh, a restart without its
 *     view) keeps for seconds,
 *   - a coi command that needs the supervisor at once (a `--monitor` session's launch waits until
 *     it is watched) connecting to SESSIONS_DIR/waiter.sock,
 *   - the earliest --limit-duration deadline,
 *   - the events stream ending (a daemon restart) or anything it does not understand,
 *   - a change in POOL_DIR, where `coi pool fill` and pooled sessions leave their requests (looked at
 *     with the heartbeat, every 5 s: inotify instances are few per user, and a refill is no hurry).
 * Without TARGETS it reads nothing but the daemon's socket, the supervisor's pipe and the pool
 * folder's times: nothing a container writes.
 *
 * With TARGETS (a file the supervisor wrote, see monitor.c), it also watches those monitored containers
 * as the supervisor's monitor does (monitor.h): a look every 200 ms, process events, workspace traffic,
 * fence counters, the same detectors; it wakes the supervisor with what it found in
 * SESSIONS_DIR/monitor-threats.jsonl, which the supervisor answers first thing (only the kill of a
 * critical threat's processes is done here, at once), or when a watched container cannot be observed.
 * Then it reads what the agent in those containers writes (/proc, the socket tables, file events):
 * as hostile input, bounded (monitor-look.c). When it wakes, a child of it, the bridge, goes on
 * watching them while the JVM it execs starts (1-3 s, longer on a loaded machine), until that
 * supervisor's own first look is done: it closes its end of the bridge's pipe (BRIDGE_ENV names it)
 * and reaps the bridge (see coi.session.WaiterBridge). The bridge finds and kills as the waiter does;
 * what it finds it appends to the same threats file, which the supervisor reads once the bridge ended.
 *
 * usage: coi-waiter SOCKET EVENTS_PATH PREFIX SESSIONS_DIR DEADLINE POOL_DIR LAUNCHER [TARGETS]
 *   DEADLINE: seconds since the epoch at which to wake anyway, 0 for none
 *   TARGETS: the monitored containers to watch meanwhile; none when left out
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"
#include "util.h"

#define MAX_PREFIX 64
/* how often the heartbeat file is touched, as the supervisor does */
#define BEAT_SECONDS 5
/* the handshake's answer must come within this; the supervisor waits for us meanwhile */
#define HANDSHAKE_SECONDS 10
/* an event burst is over after this long without another event naming us; the wake comes at the latest this long after its first */
#define SETTLE_MS 2000
#define SETTLE_MAX_MS 6000
/* the monitor's descriptors polled beside ours at most (process events, a workspace watch per target, the counters' socket) */
#define MONITOR_FDS 64

/* the variable that names the bridge's pipe end and pid to the supervisor (coi.session.WaiterBridge.ENV) */
#define BRIDGE_ENV "COI_WAITER_BRIDGE"

static const char *prefix;
static size_t prefix_len;
/* who says a line in the supervisor's log: the waiter, or its bridge */
static const char *who = "waiter";

/* One line into the supervisor's log (our stderr), stamped as the supervisor stamps its own. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...) {
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    fprintf(stderr, "%s %s: ", stamp, who);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/*
 * The websocket frames from the daemon, parsed as they come: data frames are searched for the
 * prefix (across frame and read boundaries: the last prefix_len - 1 bytes are carried over), PING
 * is answered, CLOSE ends the wait.
 */
struct stream {
    unsigned char header[14];
    size_t have, need;
    int in_payload, opcode;
    unsigned long long left;
    unsigned char control[125];
    size_t control_len;
    unsigned char carry[MAX_PREFIX];
    size_t carry_len;
    /* set when a data frame named us since the caller last cleared it */
    int named;
};

static int names_ours(struct stream *s, const unsigned char *d, size_t n) {
    unsigned char seam[2 * MAX_PREFIX];
    size_t head = n < prefix_len - 1 ? n : prefix_len - 1;
    memcpy(seam, s->carry, s->carry_len);
    memcpy(seam + s->carry_len, d, head);
    if (memmem(seam, s->carry_len + head, prefix, prefix_len) || memmem(d, n, prefix, prefix_len)) return 1;
    size_t total = s->carry_len + n, keep = total < prefix_len - 1 ? total : prefix_len - 1;
    if (n >= keep) {
        memcpy(s->carry, d + n - keep, keep);
    } else {
        memmove(s->carry, s->carry + s->carry_len - (keep - n), keep - n);
        memcpy(s->carry + keep - n, d, n);
    }
    s->carry_len = keep;
    return 0;
}

/* A client's frames are masked; a zero mask leaves the payload as it is. */
static int pong(int fd, const unsigned char *payload, size_t n) {
    unsigned char frame[6 + 125] = {0x8A, (unsigned char)(0x80 | n), 0, 0, 0, 0};
    memcpy(frame + 6, payload, n);
    return write_all(fd, frame, 6 + n);
}

/* Feeds bytes from the socket (all of them: an event naming us sets s->named); returns why to wake at once, or NULL. */
static const char *feed(struct stream *s, int fd, const unsigned char *d, size_t n) {
    while (n > 0) {
        if (!s->in_payload) {
            s->header[s->have++] = *d++;
            n--;
            if (s->have == 2) {
                if (s->header[1] & 0x80) return "a masked frame from Incus";
                unsigned len7 = s->header[1] & 0x7f;
                s->need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
            }
            if (s->have < s->need) continue;
            unsigned long long len = s->header[1] & 0x7f;
            if (len >= 126) {
                len = 0;
                for (size_t i = 2; i < s->need; i++) len = len << 8 | s->header[i];
            }
            s->opcode = s->header[0] & 0x0f;
            if (s->opcode >= 8 && len > sizeof s->control) return "a bad control frame from Incus";
            s->left = len;
            s->control_len = 0;
            s->have = 0;
            s->need = 2;
            s->in_payload = 1;
        } else {
            size_t k = n < s->left ? n : (size_t)s->left;
            if (s->opcode >= 8) {
                memcpy(s->control + s->control_len, d, k);
                s->control_len += k;
            } else if (!s->named && names_ours(s, d, k)) {
                s->named = 1;
            }
            d += k;
            n -= k;
            s->left -= k;
        }
        if (s->in_payload && s->left == 0) {
            s->in_payload = 0;
            if (s->opcode == 8) return "Incus closed the events stream";
            if (s->opcode == 9 && pong(fd, s->control, s->control_len) < 0) return "cannot answer Incus";
        }
    }
    return NULL;
}

/* Connects and upgrades to the events websocket; returns the socket, or -1 (said why). */
static int subscribe(const char *socket_path, const char *events_path, struct stream *s, const char **early) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path) {
        say("socket path too long: %s", socket_path);
        return -1;
    }
    strcpy(addr.sun_path, socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval limit = {HANDSHAKE_SECONDS, 0}, none = {0, 0};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) < 0
            || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) < 0
            || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        say("cannot connect to Incus at %s: %s", socket_path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    /* the key only proves the server speaks websocket; incusd on its own socket needs no more */
    char request[1024];
    int len = snprintf(request, sizeof request,
            "GET %s HTTP/1.1\r\nHost: incus\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", events_path);
    char answer[8192];
    size_t have = 0;
    char *end = NULL;
    errno = 0;
    if (len < 0 || (size_t)len >= sizeof request || write_all(fd, request, (size_t)len) < 0) goto failed;
    while (!(end = memmem(answer, have, "\r\n\r\n", 4))) {
        ssize_t r = have < sizeof answer ? read(fd, answer + have, sizeof answer - have) : 0;
        if (r <= 0) goto failed;
        have += (size_t)r;
    }
    if (have < 12 || memcmp(answer, "HTTP/1.1 101", 12) != 0) {
        say("Incus refused the events subscription: %.*s", (int)strcspn(answer, "\r\n"), answer);
        close(fd);
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none) < 0
            || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof none) < 0) goto failed;
    /* frames that came with the answer */
    *early = feed(s, fd, (unsigned char *)end + 4, have - (size_t)(end + 4 - answer));
    return fd;
failed:
    say("cannot subscribe to the events of Incus at %s: %s", socket_path, errno ? strerror(errno) : "no answer");
    close(fd);
    return -1;
}

static void beat(const char *heartbeat) {
    int fd = open(heartbeat, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || futimens(fd, NULL) < 0) say("cannot touch %s: %s", heartbeat, strerror(errno));
    if (fd >= 0) close(fd);
}

/* The pool folder as it was: a request written (or removed) since changes its modification or change time. */
static int changed(const char *pool, const struct stat *before) {
    struct stat now;
    if (stat(pool, &now) < 0) return 1;
    return now.st_mtim.tv_sec != before->st_mtim.tv_sec || now.st_mtim.tv_nsec != before->st_mtim.tv_nsec
            || now.st_ctim.tv_sec != before->st_ctim.tv_sec || now.st_ctim.tv_nsec != before->st_ctim.tv_nsec;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Listens on PATH (SESSIONS_DIR/waiter.sock) for a coi command's "now": a connection is the whole
 * message. Returns the socket, or -1 (said why): then only events wake.
 */
static int listen_for_pokes(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        say("no %s (path too long): only events wake this waiter", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 8) < 0) {
        say("cannot listen on %s: %s: only events wake this waiter", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

/* why the monitor woke us (mon_tick's word) */
static char monitor_why[512];

/* Waits; returns why it woke. threats: where the monitor writes what it finds, NULL when it watches nothing. */
static const char *wait_for_work(int events, int pokes, const char *pool, const struct stat *pool_before, struct stream *s,
                                 long long deadline, const char *heartbeat, const char *threats) {
    time_t next_beat = 0;
    long long first = 0, last = 0;
    for (;;) {
        if (threats && now_ms() >= mon_due_ms()) {
            int found = mon_tick(threats, monitor_why, sizeof monitor_why);
            if (found > 0) snprintf(monitor_why, sizeof monitor_why, "the monitor found %d threat%s", found, found == 1 ? "" : "s");
            if (found != 0) return monitor_why;
        }
        time_t now = time(NULL);
        if (deadline > 0 && now >= deadline) return "a duration limit is up";
        if (now >= next_beat) {
            if (changed(pool, pool_before)) return "a pool request";
            beat(heartbeat);
            /* the monitor's looks allocate and free as they read (directory buffers, files): what is free goes back */
            if (threats) malloc_trim(0);
            next_beat = now + BEAT_SECONDS;
        }
        long long until = deadline > 0 && deadline < next_beat ? deadline : next_beat;
        long long timeout = (until - now) * 1000;
        if (first > 0) {
            long long ms = now_ms(), settled = last + SETTLE_MS, latest = first + SETTLE_MAX_MS;
            long long wake = settled < latest ? settled : latest;
            if (ms >= wake) return "an event names a coi container";
            if (wake - ms < timeout) timeout = wake - ms;
        }
        if (threats) {
            long long due = mon_due_ms() - now_ms();
            if (due < timeout) timeout = due < 0 ? 0 : due;
        }
        /* the events and pokes sockets first (a missing pokes socket polls as fd -1: never ready), then the monitor's */
        struct pollfd fds[2 + MONITOR_FDS] = {{.fd = events, .events = POLLIN}, {.fd = pokes, .events = POLLIN}};
        int watched = threats ? mon_pollfds(fds + 2, MONITOR_FDS) : 0;
        int r = poll(fds, (nfds_t)(2 + watched), (int)timeout);
        if (r < 0 && errno != EINTR) return "poll failed";
        if (r <= 0) continue;
        if (watched > 0) mon_handle(fds + 2, watched);
        if (pokes >= 0 && fds[1].revents) return "a coi command asked for the supervisor";
        if (fds[0].revents) {
            unsigned char buf[16384];
            ssize_t n = read(events, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return "the connection to Incus ended";
            const char *why = feed(s, events, buf, (size_t)n);
            if (why) return why;
            if (s->named) {
                s->named = 0;
                last = now_ms();
                if (first == 0) first = last;
            }
        }
    }
}

/* a supervisor whose heartbeat is back this long without having ended the bridge did not take it for its own */
#define BRIDGE_UNCLAIMED_MS 5000

/*
 * The bridge's life: the monitor's looks, as wait_for_work does them, until the supervisor closes its end of
 * the pipe END (its first look is done, or it exited). What a look finds is handled as the waiter handles it
 * (a critical threat's processes killed at once, the line appended to THREATS); the bridge does not wake
 * anyone, the supervisor it waits for is starting. The waiter removed HEARTBEAT before it forked the bridge: a
 * supervisor writes it at its first listing, and ends the bridge right after its first look. One that has not
 * BRIDGE_UNCLAIMED_MS after its heartbeat came back never will (it did not take BRIDGE_ENV for its own, e.g.
 * a wrapper around java that did not exec it): the bridge ends then, not with that supervisor's life.
 */
static int bridge(int end, const char *threats, const char *heartbeat) {
    char why[512];
    int said = 0;
    long long beating = 0;
    for (;;) {
        if (access(heartbeat, F_OK) == 0) {
            if (beating == 0) beating = now_ms();
            else if (now_ms() - beating >= BRIDGE_UNCLAIMED_MS) {
                say("the supervisor beats but has not ended this bridge: ending");
                return 0;
            }
        }
        if (now_ms() >= mon_due_ms()) {
            int found = mon_tick(threats, why, sizeof why);
            if (found > 0) say("the monitor found %d threat%s: the supervisor answers %s at its first look", found, found == 1 ? "" : "s",
                               found == 1 ? "it" : "them");
            /* a container that stopped (killed, most often), or one the waiter handed back: said once */
            else if (found < 0 && !said) {
                say("%s", why);
                said = 1;
            }
        }
        struct pollfd fds[1 + MONITOR_FDS] = {{.fd = end, .events = POLLIN}};
        int watched = mon_pollfds(fds + 1, MONITOR_FDS);
        long long due = mon_due_ms() - now_ms();
        int r = poll(fds, (nfds_t)(1 + watched), due < 0 ? 0 : due > 1000 ? 1000 : (int)due);
        if (r < 0 && errno != EINTR) {
            say("poll failed (%s): ending", strerror(errno));
            return 1;
        }
        if (r <= 0) continue;
        if (fds[0].revents) {
            say("its pipe was closed (the supervisor looks now, or it ended): ending");
            return 0;
        }
        if (watched > 0) mon_handle(fds + 1, watched);
    }
}

/*
 * Forks the bridge (see bridge) before the exec of the supervisor, and names its pipe end and pid in BRIDGE_ENV for
 * it. Without a bridge (no pipe, no fork) the supervisor's start is a gap in the watch, as it was before there was one.
 */
static void start_bridge(int events, int pokes, const char *threats, const char *heartbeat) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        say("no bridge (%s): nothing watches the monitored containers until the supervisor looks", strerror(errno));
        return;
    }
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        say("no bridge (%s): nothing watches the monitored containers until the supervisor looks", strerror(errno));
        close(p[0]);
        close(p[1]);
        return;
    }
    if (pid == 0) {
        close(p[1]);
        close(events);
        if (pokes >= 0) close(pokes);
        who = "bridge";
        _exit(bridge(p[0], threats, heartbeat));
    }
    close(p[0]);
    char value[64];
    int n = snprintf(value, sizeof value, "%d %ld", p[1], (long)pid);
    if (n < 0 || n >= (int)sizeof value || fcntl(p[1], F_SETFD, 0) < 0 || setenv(BRIDGE_ENV, value, 1) < 0) {
        say("cannot hand the bridge over (%s): it ends now", strerror(errno));
        close(p[1]);
        waitpid(pid, NULL, 0);
        return;
    }
    say("the bridge (pid %ld) watches the monitored containers until the supervisor's first look", (long)pid);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--look") == 0) return mon_look_main(argc, argv);
    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: coi-waiter SOCKET EVENTS_PATH PREFIX SESSIONS_DIR DEADLINE POOL_DIR LAUNCHER [TARGETS]\n");
        return 2;
    }
    const char *targets = argc == 9 ? argv[8] : NULL;
    const char *socket_path = argv[1], *events_path = argv[2], *dir = argv[4], *pool_dir = argv[6], *launcher = argv[7];
    prefix = argv[3];
    prefix_len = strlen(prefix);
    /* inherited through a supervisor from an earlier waiter: it names nothing of this one's */
    unsetenv(BRIDGE_ENV);
    char *rest;
    errno = 0;
    long long deadline = strtoll(argv[5], &rest, 10);
    char lock_path[PATH_MAX], heartbeat[PATH_MAX], poke_path[PATH_MAX], threats[PATH_MAX];
    if (prefix_len == 0 || prefix_len > MAX_PREFIX || errno || *rest || deadline < 0
            || snprintf(lock_path, sizeof lock_path, "%s/watcher.lock", dir) >= (int)sizeof lock_path
            || snprintf(heartbeat, sizeof heartbeat, "%s/supervisor.alive", dir) >= (int)sizeof heartbeat
            || snprintf(poke_path, sizeof poke_path, "%s/waiter.sock", dir) >= (int)sizeof poke_path
            || snprintf(threats, sizeof threats, "%s/monitor-threats.jsonl", dir) >= (int)sizeof threats) {
        fprintf(stderr, "coi-waiter: bad arguments\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    /* before the supervisor's last look: a request it did not see changes the folder after this */
    struct stat pool;
    if (stat(pool_dir, &pool) < 0 || !S_ISDIR(pool.st_mode)) {
        say("cannot watch %s: %s", pool_dir, errno ? strerror(errno) : "not a folder");
        return 1;
    }
    /* the monitored containers are watched from before the supervisor's last look on: nothing falls between the two */
    if (targets) {
        char failed[512];
        if (mon_start(targets, "/proc", "/sys/fs/cgroup", failed, sizeof failed) < 0) {
            say("cannot watch the monitored containers: %s", failed);
            return 1;
        }
    }
    struct stream s = {.need = 2};
    const char *why = NULL;
    int events = subscribe(socket_path, events_path, &s, &why);
    if (events < 0) return 1;
    /* an event during the hand-over: the supervisor looks at once */
    if (!why && s.named) why = "an event names a coi container";
    s.named = 0;
    if (write_all(STDOUT_FILENO, "subscribed\n", 11) < 0) return 1;

    /* the supervisor re-checks, then says 'g' and closes the pipe once its lock is released; a pipe
       closed without it is a supervisor that died: its successor decides */
    int go = 0;
    char c;
    ssize_t r;
    while ((r = read(STDIN_FILENO, &c, 1)) != 0) {
        if (r < 0 && errno != EINTR) break;
        if (r == 1 && c == 'g') go = 1;
    }
    /* the lock the JVM takes (FileChannel.tryLock: a POSIX record lock over the whole file) */
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    int lock = open(lock_path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (lock < 0 || fcntl(lock, F_SETLK, &whole) < 0) {
        say("another supervisor holds %s: leaving", lock_path);
        return 0;
    }
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) return 1;
    close(null);

    if (!go) why = "the supervisor ended without handing over";
    int pokes = -1;
    if (!why) {
        pokes = listen_for_pokes(poke_path);
        if (targets) say("waiting (pid %ld) for Incus events naming %s, monitoring %s", (long)getpid(), prefix, targets);
        else say("waiting (pid %ld) for Incus events naming %s", (long)getpid(), prefix);
        why = wait_for_work(events, pokes, pool_dir, &pool, &s, deadline, heartbeat, targets ? threats : NULL);
    }
    /* a container this waiter cannot watch whole: the supervisor is told to keep watching it itself (NativeWatch.refused) */
    if (targets && strncmp(why, MON_TOO_MUCH, strlen(MON_TOO_MUCH)) == 0) {
        char refused[PATH_MAX];
        int fd = snprintf(refused, sizeof refused, "%s/monitor-refused", dir) < (int)sizeof refused
                ? open(refused, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
        if (fd < 0 || write_all(fd, why, strlen(why)) < 0 || write_all(fd, "\n", 1) < 0) say("cannot write %s: %s", refused, strerror(errno));
        if (fd >= 0) close(fd);
    }
    /* the supervisor does not listen there: a command's connection is refused, it needs none then */
    if (pokes >= 0) unlink(poke_path);
    say("woken (%s): starting the supervisor", why);
    /* a supervisor that finds the heartbeat takes it for one that died (a gap in the monitoring) */
    unlink(heartbeat);
    close(lock);
    if (targets) start_bridge(events, pokes, threats, heartbeat);
    signal(SIGPIPE, SIG_DFL);
    char *const args[] = {(char *)launcher, "__watch", NULL};
    execv(launcher, args);
    say("cannot start %s: %s", launcher, strerror(errno));
    return 1;
}
