/*
 * The watch over time (see monitor.h): what coi.monitor.Monitor, the supervisor's guard, ProcessEvents,
 * Fanotify + WorkspaceTraffic, the fence counters (NetworkFence.counter), Responder.DEDUP and CgroupKill do
 * for the monitored containers, in the waiter's one thread: a few descriptors in its poll set and a tick
 * every MON_POLL_MS per container.
 *
 * Per container it keeps only what the window detectors need: the guard's series (time, count, pids new
 * since the look before; the last look's sorted pids), the full looks' summaries (time, workspace uses,
 * fence counters), the process evidence of the pids charged with workspace io, and the last full look
 * (the evidence of a process that was gone by the next). Each look is freed once its detectors ran.
 *
 * The nft counters: what `nft -j list counter FAMILY TABLE NAME` reads, asked of the kernel directly (nf_tables'
 * netlink, NFT_MSG_GETOBJ of one counter object; no process is started) at most once a second per container,
 * started by a look and answered on one non-blocking NETLINK_NETFILTER socket in the poll set: the loop never
 * waits for it. A read not answered within nft_timeout_ms, or answered with anything but the counter (an
 * error, a malformed message), is "unknown" (-1), as a failed read is in Java; no such table or counter is 0,
 * as nft's "No such file or directory" is to NetworkFence.counter.
 *
 * In the waiter's loop (one thread):
 *     if (mon_start(TARGETS_FILE, "/proc", "/sys/fs/cgroup", why, sizeof why) < 0) -> the supervisor must watch (why)
 *     for (;;) {
 *         n = the waiter's own pollfds; n += mon_pollfds(fds + n, MAX - n);
 *         timeout = min(the waiter's own, mon_due_ms() - now_ms(CLOCK_MONOTONIC)), at least 0;
 *         poll(fds, n, timeout);
 *         mon_handle(fds + own, n - own);                   (matched by descriptor; revents as poll left them)
 *         if (now_ms(CLOCK_MONOTONIC) >= mon_due_ms()) {
 *             r = mon_tick(THREATS_FILE, why, sizeof why);
 *             if (r != 0) -> exec the supervisor (r > 0: threats in THREATS_FILE; r < 0: why; both may hold)
 *         }
 *     }
 * Every descriptor here is O_CLOEXEC: nothing leaks into the supervisor the waiter execs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include "monitor.h"
#include "util.h"

#define MIB (1024LL * 1024)
#define DEDUP_MS 30000LL          /* Responder.DEDUP */
#define CLIMB_NS 5000000000LL     /* Detectors.CLIMB */
#define WINDOW_NS ((long long)MON_WINDOW_MS * 1000000LL)
#define POLL_NS ((long long)MON_POLL_MS * 1000000LL)
#define BLOCKED_BURST 10          /* Detectors.BLOCKED_BURST */
#define DNS_BURST 300             /* Detectors.DNS_BURST */
#define EXECS_PER_LOOK 1000       /* Monitor.EXECS_PER_LOOK */
#define MAX_TARGETS_FILE (4 * 1024 * 1024)
#define MAX_GUARD_PIDS (256 * 1024) /* a count beyond is above any threshold: counted as this many */
#define MAX_SERIES 512            /* guard looks kept (10 s at 200 ms is 50) */
#define HIDDEN_LOOKS 25           /* Shortfalls.LOOKS: full looks in a row with tasks unaccounted for that hand a container back */
#define MAX_WINDOW 512            /* full looks kept */
#define MAX_USES 256              /* workspace uses kept per look (the largest first beyond) */
#define MAX_TRAFFIC_PIDS 4096     /* processes charged per interval; more are charged to pid 0 (sizes only) */
#define MAX_FILE_SLOTS 32768      /* distinct (pid, file) per interval; beyond, sizes add up without dedup */
#define MAX_EVIDENCE 128          /* described processes kept per container */
#define MAX_EVIDENCE_BYTES (256 * 1024)
#define MAX_SEEN 1024             /* dedup keys kept per container */
#define KEY_MAX 32768
#define JSON_MAX (128 * 1024)
#define MAX_THREATS_TICK (MON_MAX_THREATS + 8)
#define CGROUP_DEPTH 64
#define MAX_FILE_SIZE (1LL << 40)
/* a full look, or reading the execs between two, that takes longer hands the container back to the supervisor,
   whose guard runs on a thread of its own (one thread here: the guard waits for the look) */
#define LOOK_BUDGET_NS 1000000000LL

/* ---------------- small helpers ---------------- */

static long long mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 3, 4))) static void fail(char *why, size_t n, const char *fmt, ...) {
    if (!why || n == 0) return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(why, n, fmt, ap);
    va_end(ap);
    if (r < 0) why[0] = 0;
}

/* Reads at most n - 1 bytes of a file into buf (NUL-terminated); length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    size_t have = 0;
    while (have + 1 < n) {
        ssize_t r = read(fd, buf + have, n - 1 - have);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            close(fd);
            return -1;
        }
        if (r == 0) break;
        have += (size_t)r;
    }
    close(fd);
    buf[have] = 0;
    return (ssize_t)have;
}

static int valid_name(const char *s, size_t len) {
    if (len == 0 || len >= MON_NAME || s[0] == '-') return 0; /* none NftRuleset makes (nor one nft could take as an argument) */
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-')) return 0;
    }
    /* a path component of its own: not "." or ".." */
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) return 0;
    return 1;
}

/* Strict decimal (no sign, no spaces) into *out, at most max. */
static int parse_dec(const char *s, size_t len, long long max, long long *out) {
    if (len == 0 || len > 19) return 0;
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        int d = s[i] - '0';
        if (v > (max - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

/* The bucket order of a java.util.HashMap<Integer, ...> holding these keys (insertion order within a bucket). */
static unsigned java_bucket(int key, unsigned cap) {
    unsigned h = (unsigned)key;
    return (h ^ (h >> 16)) & (cap - 1);
}

static unsigned java_capacity(size_t n) {
    unsigned cap = 16;
    while ((double)n > cap * 0.75 && cap < (1u << 30)) cap <<= 1;
    return cap;
}

struct ordered {
    unsigned bucket;
    int key, idx;
    size_t at;
};

static int cmp_ordered(const void *a, const void *b) {
    const struct ordered *x = a, *y = b;
    if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* Sorts keys[0..n) (and the parallel idx, if any), given in insertion order, into java.util.HashMap's iteration order. */
static void java_hash_order(int *keys, int *idx, size_t n) {
    if (n < 2) return;
    struct ordered *o = malloc(n * sizeof *o);
    if (!o) return; /* insertion order then: only ties between equal amounts could differ */
    unsigned cap = java_capacity(n);
    for (size_t i = 0; i < n; i++) o[i] = (struct ordered){java_bucket(keys[i], cap), keys[i], idx ? idx[i] : 0, i};
    qsort(o, n, sizeof *o, cmp_ordered);
    for (size_t i = 0; i < n; i++) {
        keys[i] = o[i].key;
        if (idx) idx[i] = o[i].idx;
    }
    free(o);
}

/* Java's Double.toString of ms / 1000.0 for 0 <= ms < 10^10: the shortest decimal, at least one fraction digit. */
static void java_seconds(long long ms, char *buf, size_t n) {
    long long whole = ms / 1000, frac = ms % 1000;
    char f[8];
    if (snprintf(f, sizeof f, "%03d", (int)(frac < 0 ? 0 : frac % 1000)) < 0) f[0] = 0;
    int len = 3;
    while (len > 1 && f[len - 1] == '0') len--;
    f[len] = 0;
    snprintf(buf, n, "%lld.%s", whole, f);
}

/* String.format(Locale.ROOT, "%.0f", v) for v >= 0: Java rounds the shortest decimal of v half up. */
static void java_round0(double v, char *buf, size_t n) {
    char digits[64];
    for (int p = 1; p <= 17; p++) { /* the shortest %.{p-1}e that reads back as v */
        snprintf(digits, sizeof digits, "%.*e", p - 1, v);
        if (strtod(digits, NULL) == v) break;
    }
    /* digits: D[.DDD]e[+-]XX */
    char mant[40];
    size_t m = 0;
    const char *e = strchr(digits, 'e');
    for (const char *c = digits; c < e && m < sizeof mant - 1; c++)
        if (*c != '.') mant[m++] = *c;
    mant[m] = 0;
    int exp = atoi(e + 1);
    /* value = 0.mant * 10^(exp + 1): the integer part has exp + 1 digits */
    if (exp < -1 || v == 0) {
        snprintf(buf, n, "0");
        return;
    }
    char out[64];
    size_t o = 0;
    int ip = exp + 1; /* digits before the point */
    for (int i = 0; i < ip && o < sizeof out - 2; i++) out[o++] = i < (int)m ? mant[i] : '0';
    int round_up = ip < (int)m && mant[ip] >= '5';
    if (o == 0) out[o++] = '0';
    out[o] = 0;
    if (round_up) {
        int i = (int)o - 1;
        while (i >= 0 && out[i] == '9') out[i--] = '0';
        if (i >= 0) {
            out[i]++;
        } else {
            memmove(out + 1, out, o + 1);
            out[0] = '1';
        }
    }
    snprintf(buf, n, "%s", out);
}

/* ---------------- the targets file ---------------- */

struct seen {
    char *key;      /* container|dedupKey, key_len bytes */
    size_t key_len;
    long long first_ms;
};

struct use {
    int pid;
    long long read, written;
};

struct look_summary {
    long long at;           /* CLOCK_MONOTONIC ns */
    long long seq;
    long long blocked, dns; /* fence counters, -1 unknown */
    struct use *uses;
    int nuses;
};

struct guard_look {
    long long at;
    int count, spawned; /* spawned: pids not in the guard look before */
};

struct evidence {
    int pid, ppid, uid;
    long long seq;      /* the full look it was described from */
    int has_exe;
    char *exe;
    char *cmd;          /* NUL-joined arguments, cmd_len bytes */
    size_t cmd_len;
};

struct file_slot {
    int pid;            /* 0: empty (pid 0 is the overflow record and never has a slot) */
    int write;
    unsigned long long dev, ino;
    long long size;
};

struct traffic_pid {
    int pid;
    int in_read, in_written;
    long long read_sum, written_sum;
    int has_latest;
    long long latest_r, latest_w;
};

struct counters {
    int pid;
    long long r, w;
};

struct counter_read {
    unsigned seq;       /* of its request */
    int done;
    long long value;    /* the result once done: packets, 0 for no such object, -1 unknown */
};

struct watched {
    struct mon_target t;
    char too_much[512];        /* MON_TOO_MUCH...: what this waiter cannot watch without leaving something out */
    long long exec_ns;         /* spent reading execs since the last full look */
    char cgroup[MON_PATH];     /* the payload cgroup for the guard's pids (HostView.cgroupOf) */
    int fan_fd;
    int killed;
    long long due;             /* ns */
    long long look_seq;
    /* the guard */
    struct guard_look series[MAX_SERIES];
    int series_n;
    int *last_pids;
    int last_npids, last_count;
    /* the full looks */
    struct look_summary window[MAX_WINDOW];
    int window_n;
    struct mon_look *prev;
    struct mon_proc **execs;
    int nexecs;
    int shortfalls;            /* full looks in a row with tasks unaccounted for (Shortfalls) */
    /* workspace traffic (WorkspaceTraffic) */
    struct file_slot *files;
    size_t file_cap, file_used;
    struct traffic_pid *tp;
    int ntp, tp_cap;
    struct counters *before;
    int nbefore;
    /* evidence of charged processes */
    struct evidence ev[MAX_EVIDENCE];
    int nev;
    size_t ev_bytes;
    /* fence counters */
    long long blocked, dns;
    long long counters_at;     /* ns of the last completed read, 0 never */
    int reading;
    long long read_started_ns;
    struct counter_read ctr[2]; /* 0 blocked, 1 dns */
    /* dedup */
    struct seen *seen;
    int nseen, seen_cap;
};

/* What the targets file says; mon_start copies it into the watch. */
struct targets {
    char family[MON_NAME], table[MON_NAME];
    int has_nft;
    struct mon_target t[MON_MAX_TARGETS];
    int n;
    struct {
        int target;
        long long first_ms;
        char *key;
        size_t key_len;
    } *seen;
    int nseen, seen_cap;
};

static void targets_free(struct targets *tf) {
    for (int i = 0; i < tf->nseen; i++) free(tf->seen[i].key);
    free(tf->seen);
    tf->seen = NULL;
    tf->nseen = tf->seen_cap = 0;
}

static int split_tabs(char *line, size_t len, char **f, size_t *fl, int max) {
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || line[i] == '\t') {
            if (n == max) return max + 1;
            f[n] = line + start;
            fl[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int copy_name(char *dst, const char *s, size_t len) {
    if (!valid_name(s, len)) return 0;
    memcpy(dst, s, len);
    dst[len] = 0;
    return 1;
}

static int parse_int_field(const char *s, size_t len, int *out) {
    long long v;
    if (!parse_dec(s, len, INT_MAX, &v)) return 0;
    *out = (int)v;
    return 1;
}

/* Parses the whole file text (len bytes, modified in place); 0, or -1 with "line N: ..." in why. */
static int parse_targets(char *text, size_t len, struct targets *tf, char *why, size_t n) {
    memset(tf, 0, sizeof *tf);
    size_t at = 0;
    int lineno = 0;
    if (len == 0) {
        fail(why, n, "line 1: empty file, expected coi-monitor-targets<TAB>1");
        return -1;
    }
    while (at < len) {
        lineno++;
        char *line = text + at;
        char *nl = memchr(line, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - line) : len - at;
        at += ll + (nl ? 1 : 0);
        if (memchr(line, 0, ll)) {
            fail(why, n, "line %d: a NUL byte", lineno);
            goto bad;
        }
        char *f[16];
        size_t fl[16];
        int nf = split_tabs(line, ll, f, fl, 15);
        if (lineno == 1) {
            if (nf != 2 || fl[0] != 19 || memcmp(f[0], "coi-monitor-targets", 19) != 0 || fl[1] != 1 || f[1][0] != '1') {
                fail(why, n, "line 1: not a coi-monitor-targets<TAB>1 header");
                goto bad;
            }
            continue;
        }
#define KIND(k) (fl[0] == sizeof(k) - 1 && memcmp(f[0], k, sizeof(k) - 1) == 0)
        if (KIND("nft")) {
            if (nf != 3) {
                fail(why, n, "line %d: nft needs 2 fields, has %d", lineno, nf - 1);
                goto bad;
            }
            if (tf->has_nft) {
                fail(why, n, "line %d: a second nft line", lineno);
                goto bad;
            }
            if (!copy_name(tf->family, f[1], fl[1]) || !copy_name(tf->table, f[2], fl[2])) {
                fail(why, n, "line %d: bad nft family or table name", lineno);
                goto bad;
            }
            tf->has_nft = 1;
        } else if (KIND("target")) {
            if (nf != 13) {
                fail(why, n, "line %d: target needs 12 fields, has %d", lineno, nf > 14 ? 14 : nf - 1);
                goto bad;
            }
            if (tf->n == MON_MAX_TARGETS) {
                fail(why, n, "line %d: more than %d targets", lineno, MON_MAX_TARGETS);
                goto bad;
            }
            struct mon_target *t = &tf->t[tf->n];
            memset(t, 0, sizeof *t);
            if (!copy_name(t->container, f[1], fl[1])) {
                fail(why, n, "line %d: bad container name", lineno);
                goto bad;
            }
            for (int i = 0; i < tf->n; i++) {
                if (strcmp(tf->t[i].container, t->container) == 0) {
                    fail(why, n, "line %d: container %s twice", lineno, t->container);
                    goto bad;
                }
            }
            if (!copy_name(t->payload, f[2], fl[2])) {
                fail(why, n, "line %d: bad payload name", lineno);
                goto bad;
            }
            long long init;
            if (!parse_dec(f[3], fl[3], INT_MAX, &init)) {
                fail(why, n, "line %d: bad init pid", lineno);
                goto bad;
            }
            t->init = (long)init;
            struct mon_settings *s = &t->settings;
            if (fl[4] != 1 || (f[4][0] != '0' && f[4][0] != '1') || fl[5] != 1 || (f[5][0] != '0' && f[5][0] != '1')) {
                fail(why, n, "line %d: auto_pause and auto_kill must be 0 or 1", lineno);
                goto bad;
            }
            s->auto_pause_on_high = f[4][0] == '1';
            s->auto_kill_on_critical = f[5][0] == '1';
            if (!parse_int_field(f[6], fl[6], &s->file_read_mb) || !parse_int_field(f[7], fl[7], &s->file_write_mb)
                || !parse_int_field(f[8], fl[8], &s->process_count_threshold)
                || !parse_int_field(f[9], fl[9], &s->process_spawn_rate_threshold)) {
                fail(why, n, "line %d: bad threshold (a non-negative integer)", lineno);
                goto bad;
            }
            if (!(fl[10] == 1 && f[10][0] == '-')) {
                size_t st = 0;
                for (size_t i = 0; i <= fl[10]; i++) {
                    if (i == fl[10] || f[10][i] == ',') {
                        long long port;
                        if (s->nports == MON_MAX_PORTS) {
                            fail(why, n, "line %d: more than %d ports", lineno, MON_MAX_PORTS);
                            goto bad;
                        }
                        if (!parse_dec(f[10] + st, i - st, 65535, &port)) {
                            fail(why, n, "line %d: bad port list", lineno);
                            goto bad;
                        }
                        s->ports[s->nports++] = (int)port;
                        st = i + 1;
                    }
                }
            }
            for (int k = 0; k < 2; k++) {
                char *dst = k == 0 ? t->blocked_counter : t->dns_counter;
                if (fl[11 + k] == 1 && f[11 + k][0] == '-') {
                    dst[0] = 0;
                } else if (!copy_name(dst, f[11 + k], fl[11 + k])) {
                    fail(why, n, "line %d: bad %s counter name", lineno, k == 0 ? "blocked" : "dns");
                    goto bad;
                }
            }
            tf->n++;
        } else if (KIND("seen")) {
            if (nf != 4) {
                fail(why, n, "line %d: seen needs 3 fields, has %d", lineno, nf > 5 ? 5 : nf - 1);
                goto bad;
            }
            char container[MON_NAME];
            long long first;
            if (!copy_name(container, f[1], fl[1])) {
                fail(why, n, "line %d: bad container name", lineno);
                goto bad;
            }
            if (!parse_dec(f[2], fl[2], LLONG_MAX, &first)) {
                fail(why, n, "line %d: bad first_epoch_ms", lineno);
                goto bad;
            }
            if (fl[3] == 0 || fl[3] % 2 != 0 || fl[3] / 2 > KEY_MAX) {
                fail(why, n, "line %d: bad dedup key (hex of its bytes)", lineno);
                goto bad;
            }
            size_t klen = fl[3] / 2;
            char *key = malloc(klen);
            if (!key) {
                fail(why, n, "line %d: out of memory", lineno);
                goto bad;
            }
            for (size_t i = 0; i < klen; i++) {
                int hi = hexval(f[3][2 * i]), lo = hexval(f[3][2 * i + 1]);
                if (hi < 0 || lo < 0) {
                    free(key);
                    fail(why, n, "line %d: bad dedup key (hex of its bytes)", lineno);
                    goto bad;
                }
                key[i] = (char)(hi << 4 | lo);
            }
            if (tf->nseen == tf->seen_cap) {
                int cap = tf->seen_cap ? tf->seen_cap * 2 : 16;
                void *grown = cap <= 64 * 1024 ? realloc(tf->seen, (size_t)cap * sizeof *tf->seen) : NULL;
                if (!grown) {
                    free(key);
                    fail(why, n, "line %d: too many seen lines", lineno);
                    goto bad;
                }
                tf->seen = grown;
                tf->seen_cap = cap;
            }
            /* the container: resolved to a target once all lines are read */
            tf->seen[tf->nseen].target = -1;
            tf->seen[tf->nseen].first_ms = first;
            tf->seen[tf->nseen].key = key;
            tf->seen[tf->nseen].key_len = klen;
            /* keep the name in front of the key until resolved: a small separate copy */
            char *named = malloc(strlen(container) + 1 + klen);
            if (!named) {
                free(key);
                fail(why, n, "line %d: out of memory", lineno);
                goto bad;
            }
            memcpy(named, container, strlen(container) + 1);
            memcpy(named + strlen(container) + 1, key, klen);
            free(key);
            tf->seen[tf->nseen].key = named;
            tf->nseen++;
        } else {
            fail(why, n, "line %d: unknown record kind", lineno);
            goto bad;
        }
#undef KIND
    }
    if (!tf->has_nft) {
        fail(why, n, "line %d: no nft line", lineno + 1);
        goto bad;
    }
    if (tf->n == 0) {
        fail(why, n, "line %d: no target", lineno + 1);
        goto bad;
    }
    /* seen lines name their container before the key: resolve to a target (others are not watched here) and to "container|key" */
    for (int i = 0; i < tf->nseen; i++) {
        char *named = tf->seen[i].key;
        size_t clen = strlen(named), klen = tf->seen[i].key_len;
        for (int k = 0; k < tf->n; k++)
            if (strcmp(tf->t[k].container, named) == 0) tf->seen[i].target = k;
        /* container|key: the same bytes as the name, '|', the key */
        char *full = malloc(clen + 1 + klen);
        if (!full) {
            fail(why, n, "out of memory");
            goto bad;
        }
        memcpy(full, named, clen);
        full[clen] = '|';
        memcpy(full + clen + 1, named + clen + 1, klen);
        free(named);
        tf->seen[i].key = full;
        tf->seen[i].key_len = clen + 1 + klen;
    }
    return 0;
bad:
    targets_free(tf);
    return -1;
}

static int load_targets(const char *path, struct targets *tf, char *why, size_t n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail(why, n, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(MAX_TARGETS_FILE + 1);
    if (!text) {
        close(fd);
        fail(why, n, "out of memory");
        return -1;
    }
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, text + have, MAX_TARGETS_FILE + 1 - have);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            fail(why, n, "cannot read %s: %s", path, strerror(errno));
            close(fd);
            free(text);
            return -1;
        }
        if (r == 0) break;
        have += (size_t)r;
        if (have > MAX_TARGETS_FILE) {
            fail(why, n, "%s: larger than %d bytes", path, MAX_TARGETS_FILE);
            close(fd);
            free(text);
            return -1;
        }
    }
    close(fd);
    char inner[512];
    int r = parse_targets(text, have, tf, inner, sizeof inner);
    free(text);
    if (r < 0) fail(why, n, "%s: %s", path, inner);
    return r;
}

/* ---------------- state ---------------- */

static struct watched *watch[MON_MAX_TARGETS];
static int nwatch;
static char proc_root[MON_PATH], cgroup_root[MON_PATH];
static char nft_family[MON_NAME], nft_table[MON_NAME];
static int netlink_fd = -1;
/* how long a read of the counters may take before it is given up (NetworkFence's nft: 30 s, here a look's input) */
static long long nft_timeout_ms = 10000;

/* ---------------- dedup (Responder.DEDUP) ---------------- */

static void seen_expire(struct watched *w, long long now_ms) {
    int k = 0;
    for (int i = 0; i < w->nseen; i++) {
        if (w->seen[i].first_ms + DEDUP_MS < now_ms) {
            free(w->seen[i].key);
        } else {
            w->seen[k++] = w->seen[i];
        }
    }
    w->nseen = k;
}

static struct seen *seen_find(struct watched *w, const char *key, size_t len) {
    for (int i = 0; i < w->nseen; i++)
        if (w->seen[i].key_len == len && memcmp(w->seen[i].key, key, len) == 0) return &w->seen[i];
    return NULL;
}

/* Records key as seen at first_ms (the oldest goes when full); 0, or -1 out of memory. */
static int seen_add(struct watched *w, const char *key, size_t len, long long first_ms) {
    if (seen_find(w, key, len)) return 0;
    char *copy = malloc(len ? len : 1);
    if (!copy) return -1;
    memcpy(copy, key, len);
    if (w->nseen == MAX_SEEN) {
        int oldest = 0;
        for (int i = 1; i < w->nseen; i++)
            if (w->seen[i].first_ms < w->seen[oldest].first_ms) oldest = i;
        free(w->seen[oldest].key);
        w->seen[oldest] = w->seen[--w->nseen];
    }
    if (w->nseen == w->seen_cap) {
        int cap = w->seen_cap ? w->seen_cap * 2 : 8;
        void *grown = realloc(w->seen, (size_t)cap * sizeof *w->seen);
        if (!grown) {
            free(copy);
            return -1;
        }
        w->seen = grown;
        w->seen_cap = cap;
    }
    w->seen[w->nseen++] = (struct seen){copy, len, first_ms};
    return 0;
}

/* ---------------- the guard: pids only (HostView.pids) and Detectors.processSpike ---------------- */

struct pidlist {
    int *p;
    int n, cap;
    int too_deep;       /* a subgroup below CGROUP_DEPTH was not walked */
};

static void pid_push(struct pidlist *l, long long pid) {
    if (l->n >= MAX_GUARD_PIDS) return;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 256;
        int *g = realloc(l->p, (size_t)cap * sizeof *g);
        if (!g) return;
        l->p = g;
        l->cap = cap;
    }
    l->p[l->n++] = (int)pid;
}

static void pids_from(int fd, struct pidlist *l) {
    char buf[4096];
    long long cur = -1;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; i++) {
            char c = buf[i];
            if (c >= '0' && c <= '9') {
                cur = (cur < 0 ? 0 : cur) * 10 + (c - '0');
                if (cur > INT_MAX) cur = INT_MAX;
            } else if (cur >= 0) {
                pid_push(l, cur);
                cur = -1;
            }
        }
    }
    if (cur >= 0) pid_push(l, cur);
}

/*
 * Calls each(sub, depth + 1, ctx) for every subgroup (folder) of the cgroup open at dirfd, opened O_DIRECTORY |
 * O_NOFOLLOW and closed after; subgroups that go meanwhile are skipped (the guard's walk and the kill's share it).
 */
static void each_subgroup(int dirfd, int depth, void (*each)(int sub, int depth, void *ctx), void *ctx) {
    int dup_fd = dup(dirfd);
    if (dup_fd < 0) return;
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
        if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
        int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) continue;
        each(sub, depth + 1, ctx);
        close(sub);
    }
    closedir(d);
}

static void pids_walk(int dirfd, int depth, void *ctx);

/* One subgroup of the guard's walk: its pids, then its own subgroups. */
static void pids_of_subgroup(int sub, int depth, void *ctx) {
    int procs = openat(sub, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (procs < 0) return;
    pids_from(procs, ctx);
    close(procs);
    pids_walk(sub, depth, ctx);
}

/* The subgroups below the cgroup open at dirfd (at depth), into the pidlist ctx. */
static void pids_walk(int dirfd, int depth, void *ctx) {
    struct pidlist *l = ctx;
    if (depth > CGROUP_DEPTH) {
        l->too_deep = 1;
        return;
    }
    each_subgroup(dirfd, depth, pids_of_subgroup, l);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Every pid of the cgroup and its subgroups, sorted, each once; -1 when its own cgroup.procs cannot be read. */
static int guard_pids(const char *cgroup, struct pidlist *l) {
    l->n = 0;
    int dir = open(cgroup, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) return -1;
    int procs = openat(dir, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (procs < 0) {
        close(dir);
        return -1;
    }
    pids_from(procs, l);
    close(procs);
    pids_walk(dir, 0, l);
    close(dir);
    if (l->n > 1) qsort(l->p, (size_t)l->n, sizeof *l->p, cmp_int);
    int k = 0;
    for (int i = 0; i < l->n; i++)
        if (k == 0 || l->p[k - 1] != l->p[i]) l->p[k++] = l->p[i];
    l->n = k;
    return 0;
}

/* How many of now (sorted) are not in before (sorted). */
static int new_pids(const int *before, int nb, const int *now, int nn) {
    int i = 0, j = 0, fresh = 0;
    while (j < nn) {
        if (i < nb && before[i] < now[j]) {
            i++;
        } else if (i < nb && before[i] == now[j]) {
            i++;
            j++;
        } else {
            fresh++;
            j++;
        }
    }
    return fresh;
}

static void set_threat(struct mon_threat *t, int level, const char *category, const char *title, const char *description) {
    memset(t, 0, sizeof *t);
    t->level = level;
    snprintf(t->category, sizeof t->category, "%s", category);
    snprintf(t->title, sizeof t->title, "%s", title);
    snprintf(t->description, sizeof t->description, "%s", description);
}

/* Detectors.processSpike over the guard's series (oldest first); how many threats written (0 or 1). */
static int spike_detect(const struct guard_look *s, int n, int count_threshold, int rate_threshold, struct mon_threat *out) {
    if (n == 0) return 0;
    const struct guard_look *now = &s[n - 1];
    char title[512];
    if (now->count > count_threshold) {
        snprintf(title, sizeof title, "process count %d above %d", now->count, count_threshold);
        set_threat(out, 3, "process", title, "a fork bomb or runaway spawning");
        return 1;
    }
    /* climbing: the looks of the last CLIMB */
    long long from = now->at - CLIMB_NS;
    int first = n;
    while (first > 0 && s[first - 1].at >= from) first--;
    int c = n - first;
    if (c >= 3) {
        int falls = 0;
        for (int i = first + 1; i < n; i++)
            if (s[i].count < s[i - 1].count) falls++;
        int rise = s[n - 1].count - s[first].count;
        if (!(falls * 4 > c - 1) && rise > count_threshold / 5) {
            char secs[48];
            java_seconds((s[n - 1].at - s[first].at) / 1000000LL, secs, sizeof secs);
            snprintf(title, sizeof title, "process count climbing: %d to %d in %ss", s[first].count, s[n - 1].count, secs);
            set_threat(out, 3, "process", title, "a fork bomb: the count kept rising, as no ordinary build or install does");
            return 1;
        }
    }
    long long spawned = 0;
    for (int i = 1; i < n; i++) spawned += s[i].spawned;
    double seconds = (double)((s[n - 1].at - s[0].at) / 1000000LL) / 1000.0;
    if (seconds < 1.0) seconds = 1.0;
    double rate = (double)spawned / seconds;
    if (rate > rate_threshold) {
        char r[64];
        java_round0(rate, r, sizeof r);
        snprintf(title, sizeof title, "process spawn rate %s/s above %d/s", r, rate_threshold);
        set_threat(out, 3, "process", title, "a fork bomb or runaway spawning");
        return 1;
    }
    return 0;
}

static int cmp_use_bytes(const void *a, const void *b);

struct agg {
    int pid;
    size_t first;
    long long read, written;
};

static int cmp_agg_pid(const void *a, const void *b) {
    const struct agg *x = a, *y = b;
    if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

static int cmp_agg_first(const void *a, const void *b) {
    const struct agg *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

/* The uses of win[1..n) summed per pid, in the order each pid first appears; how many (malloc'd into *out, NULL for none). */
static size_t uses_by_pid(const struct look_summary *win, int n, struct agg **out) {
    *out = NULL;
    size_t total = 0;
    for (int i = 1; i < n; i++) total += (size_t)win[i].nuses;
    if (total == 0) return 0;
    struct agg *a = malloc(total * sizeof *a);
    if (!a) return 0;
    size_t k = 0;
    for (int i = 1; i < n; i++)
        for (int u = 0; u < win[i].nuses; u++) a[k] = (struct agg){win[i].uses[u].pid, k, win[i].uses[u].read, win[i].uses[u].written}, k++;
    qsort(a, total, sizeof *a, cmp_agg_pid);
    size_t d = 0;
    for (size_t i = 0; i < total; i++) {
        if (d > 0 && a[d - 1].pid == a[i].pid) {
            a[d - 1].read += a[i].read;
            a[d - 1].written += a[i].written;
        } else {
            a[d++] = a[i];
        }
    }
    qsort(a, d, sizeof *a, cmp_agg_first);
    *out = a;
    return d;
}

/* ---------------- the window detectors (Detectors.workspaceIo, .fenceCounters) ---------------- */

static const struct evidence *evidence_of(const struct watched *w, int pid, long long oldest_seq) {
    for (int i = 0; i < w->nev; i++)
        if (w->ev[i].pid == pid && w->ev[i].seq >= oldest_seq) return &w->ev[i];
    return NULL;
}

static void fill_process(struct mon_threat *t, const struct evidence *e) {
    t->has_process = 1;
    t->pid = e->pid;
    t->ppid = e->ppid;
    t->uid = e->uid;
    t->has_exe_value = e->has_exe;
    if (e->has_exe) snprintf(t->exe, sizeof t->exe, "%s", e->exe);
    size_t n = e->cmd_len < sizeof t->cmdline ? e->cmd_len : sizeof t->cmdline;
    memcpy(t->cmdline, e->cmd, n);
    t->cmdline_len = n;
}

/* Detectors.workspaceIo over the window's looks (oldest first); w gives the evidence (NULL: bytes only). */
static int workspace_detect(const struct look_summary *win, int n, int read_mb, int write_mb, const struct watched *w,
                            struct mon_threat *out) {
    if (n == 0) return 0;
    struct agg *by;
    size_t distinct = uses_by_pid(win, n, &by);
    int *keys = distinct ? malloc(distinct * sizeof *keys) : NULL;
    int *idx = distinct ? malloc(distinct * sizeof *idx) : NULL;
    if (distinct && (!keys || !idx)) distinct = 0;
    long long read = 0, written = 0;
    for (size_t k = 0; k < distinct; k++) {
        keys[k] = by[k].pid;
        idx[k] = (int)k;
        read += by[k].read;
        written += by[k].written;
    }
    java_hash_order(keys, idx, distinct);
    char span[32];
    snprintf(span, sizeof span, "%llds", (win[n - 1].at - win[0].at) / 1000000000LL);
    int found = 0;
    for (int column = 0; column < 2; column++) {
        long long bytes = column == 0 ? read : written;
        long long mb = column == 0 ? read_mb : write_mb;
        if (!(bytes > mb * MIB)) continue;
        char title[512], description[512];
        snprintf(title, sizeof title, "large workspace %s: %lld MB in %s", column == 0 ? "read" : "write", bytes / MIB, span);
        if (column == 0) {
            snprintf(description, sizeof description,
                     "more than file_read_threshold_mb (%d) read from workspace files within the window, as when the workspace is copied out",
                     read_mb);
        } else {
            snprintf(description, sizeof description, "more than file_write_threshold_mb (%d) written to workspace files within the window",
                     write_mb);
        }
        struct mon_threat *t = &out[found++];
        set_threat(t, 2, "filesystem", title, description);
        /* the largest, the first of equals in the map's order (Stream.max keeps the first) */
        size_t top = 0;
        for (size_t k = 1; k < distinct; k++)
            if ((column == 0 ? by[idx[k]].read : by[idx[k]].written) > (column == 0 ? by[idx[top]].read : by[idx[top]].written)) top = k;
        const struct evidence *e = w && distinct ? evidence_of(w, keys[top], win[0].seq) : NULL;
        if (e) fill_process(t, e);
        t->has_filesystem = 1;
        t->fs_bytes = bytes;
        size_t sl = strnlen(span, sizeof t->fs_window - 1);
        memcpy(t->fs_window, span, sl);
        t->fs_window[sl] = 0;
    }
    free(keys);
    free(idx);
    free(by);
    return found;
}

static long long rise(long long before, long long after) {
    return before < 0 || after < before ? 0 : after - before;
}

/* Detectors.fenceCounters over the window's looks (oldest first). */
static int fence_detect(const struct look_summary *win, int n, struct mon_threat *out) {
    if (n == 0) return 0;
    char span[32], title[512];
    snprintf(span, sizeof span, "%llds", (win[n - 1].at - win[0].at) / 1000000000LL);
    int found = 0;
    long long blocked = rise(win[0].blocked, win[n - 1].blocked);
    if (blocked >= BLOCKED_BURST) {
        snprintf(title, sizeof title, "%lld blocked connection attempts in %s", blocked, span);
        set_threat(&out[found++], 2, "network", title,
                   "the allowlist fence rejected repeated attempts to reach hosts outside it, as when probing for a way out");
    }
    long long dns = rise(win[0].dns, win[n - 1].dns);
    if (dns >= DNS_BURST) {
        snprintf(title, sizeof title, "burst of %lld DNS packets in %s", dns, span);
        set_threat(&out[found++], 2, "dns_tunnel", title,
                   "far more DNS queries than ordinary work makes, as when data is tunnelled through DNS names"
                   " (the host counts packets to the resolver; it does not see the names)");
    }
    return found;
}

/* ---------------- workspace traffic (WorkspaceTraffic) ---------------- */

static struct traffic_pid *traffic_pid(struct watched *w, int pid) {
    /* events come in runs of one process: the last one first */
    if (w->ntp > 0 && w->tp[w->ntp - 1].pid == pid) return &w->tp[w->ntp - 1];
    for (int i = w->ntp - 1; i >= 0; i--)
        if (w->tp[i].pid == pid) return &w->tp[i];
    if (w->ntp == MAX_TRAFFIC_PIDS) {
        if (pid != 0) return traffic_pid(w, 0); /* the overflow: charged the files' sizes */
        w->tp[MAX_TRAFFIC_PIDS - 1].pid = 0;    /* cannot happen: pid 0 is added before the table fills */
        return &w->tp[MAX_TRAFFIC_PIDS - 1];
    }
    if (w->ntp + 1 == MAX_TRAFFIC_PIDS && pid != 0) return traffic_pid(w, 0);
    if (w->ntp == w->tp_cap) {
        int cap = w->tp_cap ? w->tp_cap * 2 : 16;
        if (cap > MAX_TRAFFIC_PIDS) cap = MAX_TRAFFIC_PIDS;
        struct traffic_pid *g = realloc(w->tp, (size_t)cap * sizeof *g);
        if (!g) return NULL;
        w->tp = g;
        w->tp_cap = cap;
    }
    struct traffic_pid *t = &w->tp[w->ntp++];
    memset(t, 0, sizeof *t);
    t->pid = pid;
    return t;
}

static size_t slot_hash(int pid, int write, unsigned long long dev, unsigned long long ino) {
    unsigned long long h = ino * 0x9E3779B97F4A7C15ULL ^ dev * 0xC2B2AE3D27D4EB4FULL ^ (unsigned long long)(unsigned)pid * 0x165667B19E3779F9ULL
                           ^ (unsigned long long)write;
    return (size_t)(h ^ (h >> 29));
}

/* The (pid, file, direction) slot, added if new; NULL when the table is full. */
static struct file_slot *file_slot(struct watched *w, int pid, int write, unsigned long long dev, unsigned long long ino, int *fresh) {
    if (w->file_used * 2 >= w->file_cap && w->file_cap < MAX_FILE_SLOTS) {
        size_t cap = w->file_cap ? w->file_cap * 2 : 64;
        struct file_slot *g = calloc(cap, sizeof *g);
        if (g) {
            for (size_t i = 0; i < w->file_cap; i++) {
                struct file_slot *s = &w->files[i];
                if (!s->pid) continue;
                size_t h = slot_hash(s->pid - 1, s->write, s->dev, s->ino) & (cap - 1);
                while (g[h].pid) h = (h + 1) & (cap - 1);
                g[h] = *s;
            }
            free(w->files);
            w->files = g;
            w->file_cap = cap;
        }
    }
    if (!w->file_cap || w->file_used * 4 >= w->file_cap * 3) return NULL;
    size_t h = slot_hash(pid, write, dev, ino) & (w->file_cap - 1);
    while (w->files[h].pid) {
        struct file_slot *s = &w->files[h];
        if (s->pid == pid + 1 && s->write == write && s->dev == dev && s->ino == ino) {
            *fresh = 0;
            return s;
        }
        h = (h + 1) & (w->file_cap - 1);
    }
    w->files[h] = (struct file_slot){pid + 1, write, dev, ino, 0};
    w->file_used++;
    *fresh = 1;
    return &w->files[h];
}

/* One access (WorkspaceTraffic.record's merge of the file's size, the largest seen). */
static void traffic_access(struct watched *w, int pid, int write, unsigned long long dev, unsigned long long ino, long long size) {
    if (pid < 0) pid = 0;
    /* a sparse file of exabytes must not wrap the sums (WorkspaceTraffic.MAX_SIZE): a tebibyte is over any threshold already */
    if (size > MAX_FILE_SIZE) size = MAX_FILE_SIZE;
    if (size < 0) size = 0;
    struct traffic_pid *t = traffic_pid(w, pid);
    if (!t) return;
    pid = t->pid;
    if (write) {
        t->in_written = 1;
    } else {
        t->in_read = 1;
    }
    long long *sum = write ? &t->written_sum : &t->read_sum;
    int fresh;
    struct file_slot *s = file_slot(w, pid, write, dev, ino, &fresh);
    if (!s) {
        *sum += size; /* no room to tell files apart: each access counts (towards noticing) */
        return;
    }
    if (fresh) {
        s->size = size;
        *sum += size;
    } else if (size > s->size) {
        *sum += size - s->size;
        s->size = size;
    }
}

/* /proc/PID/io's rchar and wchar; 0, or -1 once it is gone. */
static int read_io(int pid, long long *r, long long *wr) {
    char path[MON_PATH], buf[2048];
    if (snprintf(path, sizeof path, "%s/%d/io", proc_root, pid) >= (int)sizeof path) return -1;
    if (read_small(path, buf, sizeof buf) < 0) return -1;
    long long rc = 0, wc = 0;
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (strncmp(line, "rchar:", 6) == 0) rc = strtoll(line + 6, NULL, 10);
        if (strncmp(line, "wchar:", 6) == 0) wc = strtoll(line + 6, NULL, 10);
        line = nl ? nl + 1 : NULL;
    }
    *r = rc;
    *wr = wc;
    return 0;
}

/* After a batch: the counters of each process in it, while it is still there. */
static void traffic_counters(struct watched *w, const int *pids, int n) {
    for (int i = 0; i < n; i++) {
        if (pids[i] <= 0) continue;
        long long r, wr;
        if (read_io(pids[i], &r, &wr) < 0) continue;
        struct traffic_pid *t = traffic_pid(w, pids[i]);
        if (!t || t->pid != pids[i]) continue;
        t->has_latest = 1;
        t->latest_r = r;
        t->latest_w = wr;
    }
}

static int cmp_use_pid(const void *a, const void *b) {
    const struct use *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_use_bytes(const void *a, const void *b) {
    const struct use *x = a, *y = b;
    long long bx = x->read + x->written, by = y->read + y->written;
    return (by > bx) - (by < bx);
}

static int cmp_counters(const void *a, const void *b) {
    const struct counters *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* WorkspaceTraffic.take: what each process moved since the last call, in *uses (malloc'd, may be NULL); starts the next interval. */
static int traffic_take(struct watched *w, struct use **uses) {
    *uses = NULL;
    int n = w->ntp;
    int *order = n ? malloc((size_t)n * 2 * sizeof *order) : NULL;
    int *idx = n ? malloc((size_t)n * 2 * sizeof *idx) : NULL;
    struct counters *next = n ? malloc((size_t)n * sizeof *next) : NULL;
    struct use *out = n ? malloc((size_t)n * sizeof *out) : NULL;
    int nout = 0, nnext = 0;
    if (n && (!order || !idx || !next || !out)) goto done;
    /* the read map's keys in its order, then the written map's that are not among them */
    int nr = 0, nw = 0;
    for (int i = 0; i < n; i++)
        if (w->tp[i].in_read) {
            order[nr] = w->tp[i].pid;
            idx[nr++] = i;
        }
    java_hash_order(order, idx, (size_t)nr);
    for (int i = 0; i < n; i++)
        if (w->tp[i].in_written) {
            order[nr + nw] = w->tp[i].pid;
            idx[nr + nw++] = i;
        }
    java_hash_order(order + nr, idx + nr, (size_t)nw);
    for (int k = 0; k < nr + nw; k++) {
        struct traffic_pid *t = &w->tp[idx[k]];
        if (k >= nr && t->in_read) continue;
        long long r = t->in_read ? t->read_sum : 0, wr = t->in_written ? t->written_sum : 0;
        if (t->has_latest) {
            long long fr = 0, fw = 0;
            struct counters key = {t->pid, 0, 0};
            const struct counters *b = w->nbefore ? bsearch(&key, w->before, (size_t)w->nbefore, sizeof *w->before, cmp_counters) : NULL;
            if (b) {
                fr = b->r;
                fw = b->w;
            }
            long long gr = t->latest_r - fr, gw = t->latest_w - fw;
            if (gr < 0) gr = 0;
            if (gw < 0) gw = 0;
            if (gr < r) r = gr;
            if (gw < wr) wr = gw;
            next[nnext++] = (struct counters){t->pid, t->latest_r, t->latest_w};
        }
        if (r > 0 || wr > 0) out[nout++] = (struct use){t->pid, r, wr};
    }
    if (nout > MAX_USES) { /* the largest kept each on its own, the rest summed as pid 0 */
        qsort(out, (size_t)nout, sizeof *out, cmp_use_bytes);
        struct use rest = {0, 0, 0};
        for (int i = MAX_USES - 1; i < nout; i++) {
            rest.read += out[i].read;
            rest.written += out[i].written;
        }
        out[MAX_USES - 1] = rest;
        nout = MAX_USES;
    }
done:
    if (nnext > 1) qsort(next, (size_t)nnext, sizeof *next, cmp_counters);
    free(w->before);
    w->before = next;
    w->nbefore = nnext;
    free(order);
    free(idx);
    free(w->files);
    w->files = NULL;
    w->file_cap = w->file_used = 0;
    w->ntp = 0;
    if (w->tp_cap > 64) {
        free(w->tp);
        w->tp = NULL;
        w->tp_cap = 0;
    }
    if (nout == 0) {
        free(out);
        return 0;
    }
    *uses = out;
    return nout;
}

/* ---------------- evidence of the charged processes ---------------- */

static void evidence_drop(struct watched *w, int i) {
    w->ev_bytes -= w->ev[i].cmd_len + (w->ev[i].exe ? strlen(w->ev[i].exe) + 1 : 0);
    free(w->ev[i].exe);
    free(w->ev[i].cmd);
    w->ev[i] = w->ev[--w->nev];
}

static struct mon_threat scratch;

/* Describes pid from look (seq) into the evidence kept; 1 when the look has it. */
static int evidence_take(struct watched *w, const struct mon_look *look, long long seq, int pid) {
    if (!look) return 0;
    memset(&scratch, 0, sizeof scratch);
    if (!mon_look_describe(look, pid, &scratch) || !scratch.has_process) return 0;
    int at = -1;
    for (int i = 0; i < w->nev; i++)
        if (w->ev[i].pid == pid) at = i;
    if (at >= 0 && w->ev[at].seq >= seq) return 1;
    size_t cmd_len = scratch.cmdline_len < sizeof scratch.cmdline ? scratch.cmdline_len : sizeof scratch.cmdline;
    size_t exe_len = scratch.has_exe_value ? strnlen(scratch.exe, sizeof scratch.exe - 1) : 0;
    size_t need = cmd_len + (scratch.has_exe_value ? exe_len + 1 : 0);
    if (at >= 0) evidence_drop(w, at);
    if (w->nev == MAX_EVIDENCE || w->ev_bytes + need > MAX_EVIDENCE_BYTES) return 0;
    struct evidence e = {pid, scratch.ppid, scratch.uid, seq, scratch.has_exe_value, NULL, NULL, cmd_len};
    e.cmd = malloc(cmd_len ? cmd_len : 1);
    if (scratch.has_exe_value) e.exe = malloc(exe_len + 1);
    if (!e.cmd || (scratch.has_exe_value && !e.exe)) {
        free(e.cmd);
        free(e.exe);
        return 0;
    }
    memcpy(e.cmd, scratch.cmdline, cmd_len);
    if (e.exe) {
        memcpy(e.exe, scratch.exe, exe_len);
        e.exe[exe_len] = 0;
    }
    w->ev[w->nev++] = e;
    w->ev_bytes += need;
    return 1;
}

/*
 * Keeps the evidence of the processes charged within the window as of their latest look: described from this
 * look, else from the look before (a process that worked between the two and was gone by this one); the
 * ones no longer charged in the window, or described by a look that left it, are dropped.
 */
static void evidence_refresh(struct watched *w, const struct mon_look *now, const struct mon_look *prev) {
    int n = w->window_n;
    long long seq = w->window[n - 1].seq, oldest = w->window[0].seq;
    struct agg *by;
    size_t d = uses_by_pid(w->window, n, &by);
    struct use *all = d ? malloc(d * sizeof *all) : NULL;
    int nall = all ? (int)d : 0;
    for (int k = 0; k < nall; k++) all[k] = (struct use){by[k].pid, by[k].read, by[k].written};
    free(by);
    if (nall > 1) qsort(all, (size_t)nall, sizeof *all, cmp_use_pid);
    for (int i = w->nev - 1; i >= 0; i--) {
        int keep = w->ev[i].seq >= oldest;
        if (keep) {
            struct use key = {w->ev[i].pid, 0, 0};
            keep = nall > 0 && bsearch(&key, all, (size_t)nall, sizeof *all, cmp_use_pid) != NULL;
        }
        if (!keep) evidence_drop(w, i);
    }
    /* the largest movers first: when there is room for some only, they are the ones an evidence is asked for */
    if (nall > 1) qsort(all, (size_t)nall, sizeof *all, cmp_use_bytes);
    for (int k = 0; k < nall && k < MAX_EVIDENCE; k++) {
        if (all[k].pid <= 0) continue;
        if (!evidence_take(w, now, seq, all[k].pid)) evidence_take(w, prev, seq - 1, all[k].pid);
    }
    free(all);
}

/* ---------------- fence counters (NetworkFence.counter, through nf_tables' netlink) ---------------- */

/*
 * One NETLINK_NETFILTER socket for every container's reads, non-blocking and connected to the kernel (no
 * other process can write to it). A read of a container's counters is one datagram of up to two
 * NFT_MSG_GETOBJ requests (one object each, by family, table, name and type counter), each with a sequence
 * number of its own; the kernel answers each with an NFT_MSG_NEWOBJ or an NLMSG_ERROR, matched back by that
 * number (an answer to a read given up, or to none, is dropped).
 */
static int nft_fd = -1;
static unsigned nft_seq;
#define NFT_REQUEST 1024          /* two GETOBJ requests with names of MON_NAME bytes fit */
#define NFT_REPLY 8192            /* an answer (a counter object) is about 100 bytes, at most ~700 with its userdata */

/* The nfproto number of an nft family name (NFPROTO_* of linux/netfilter.h, a stable ABI); -1 for none. */
static int nft_family_number(const char *name) {
    static const struct {
        const char *name;
        int number;
    } families[] = {{"inet", 1}, {"ip", 2}, {"arp", 3}, {"netdev", 5}, {"bridge", 7}, {"ip6", 10}};
    for (size_t i = 0; i < sizeof families / sizeof *families; i++)
        if (strcmp(name, families[i].name) == 0) return families[i].number;
    return -1;
}

static int nft_open(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER);
    if (fd < 0) return -1;
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    if (connect(fd, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Appends an attribute; 0, or -1 when it does not fit. */
static int nl_put(unsigned char *buf, size_t cap, size_t *len, unsigned short type, const void *data, size_t n) {
    size_t total = NLA_HDRLEN + n;
    if (total > 0xffff || *len + NLA_ALIGN(total) > cap) return -1;
    struct nlattr a = {.nla_len = (unsigned short)total, .nla_type = type};
    memcpy(buf + *len, &a, sizeof a);
    memcpy(buf + *len + NLA_HDRLEN, data, n);
    memset(buf + *len + total, 0, NLA_ALIGN(total) - total);
    *len += NLA_ALIGN(total);
    return 0;
}

/* Appends a GETOBJ request of counter NAME in TABLE of FAMILY with sequence number seq; 0, or -1 when it does not fit. */
static int nft_put_request(unsigned char *buf, size_t cap, size_t *len, int family, const char *table, const char *name, unsigned seq) {
    size_t start = *len;
    if (start + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)) > cap) return -1;
    size_t at = start + NLMSG_HDRLEN;
    struct nfgenmsg g = {.nfgen_family = (unsigned char)family, .version = NFNETLINK_V0, .res_id = 0};
    memset(buf + at, 0, NLMSG_ALIGN(sizeof g));
    memcpy(buf + at, &g, sizeof g);
    at += NLMSG_ALIGN(sizeof g);
    unsigned type = htonl(NFT_OBJECT_COUNTER);
    if (nl_put(buf, cap, &at, NFTA_OBJ_TABLE, table, strlen(table) + 1) < 0 || nl_put(buf, cap, &at, NFTA_OBJ_NAME, name, strlen(name) + 1) < 0
        || nl_put(buf, cap, &at, NFTA_OBJ_TYPE, &type, sizeof type) < 0)
        return -1;
    struct nlmsghdr h = {.nlmsg_len = (unsigned)(at - start),
                         .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETOBJ,
                         .nlmsg_flags = NLM_F_REQUEST,
                         .nlmsg_seq = seq,
                         .nlmsg_pid = 0};
    memcpy(buf + start, &h, sizeof h);
    *len = at;
    return 0;
}

/* An attribute's payload is exactly the NUL-terminated string want. */
static int nl_is_string(const unsigned char *p, size_t n, const char *want) {
    size_t len = strlen(want);
    return n == len + 1 && memcmp(p, want, len) == 0 && p[len] == 0;
}

/*
 * Walks the attributes in p[0..n): calls each(type without flags, payload, payload length, ctx) for every whole one;
 * 0, or -1 when an attribute's length is short or runs past n, or each says -1.
 */
static int nl_walk(const unsigned char *p, size_t n, int (*each)(unsigned short, const unsigned char *, size_t, void *), void *ctx) {
    size_t at = 0;
    while (at < n) {
        if (n - at < NLA_HDRLEN) return -1;
        struct nlattr a;
        memcpy(&a, p + at, sizeof a);
        if (a.nla_len < NLA_HDRLEN || a.nla_len > n - at) return -1;
        if (each(a.nla_type & NLA_TYPE_MASK, p + at + NLA_HDRLEN, a.nla_len - NLA_HDRLEN, ctx) < 0) return -1;
        size_t step = NLA_ALIGN((size_t)a.nla_len);
        at = step > n - at ? n : at + step;
    }
    return 0;
}

struct obj_reply {
    const char *table, *name;
    int table_ok, name_ok, type_ok, has_packets;
    unsigned long long packets;
};

static int counter_attr(unsigned short type, const unsigned char *p, size_t n, void *ctx) {
    struct obj_reply *r = ctx;
    if (type != NFTA_COUNTER_PACKETS) return 0;
    if (n != 8 || r->has_packets) return -1;
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i]; /* big-endian */
    r->packets = v;
    r->has_packets = 1;
    return 0;
}

static int obj_attr(unsigned short type, const unsigned char *p, size_t n, void *ctx) {
    struct obj_reply *r = ctx;
    switch (type) {
    case NFTA_OBJ_TABLE:
        r->table_ok = nl_is_string(p, n, r->table);
        return 0;
    case NFTA_OBJ_NAME:
        r->name_ok = nl_is_string(p, n, r->name);
        return 0;
    case NFTA_OBJ_TYPE: {
        if (n != 4) return -1;
        unsigned v;
        memcpy(&v, p, 4);
        r->type_ok = ntohl(v) == NFT_OBJECT_COUNTER;
        return 0;
    }
    case NFTA_OBJ_DATA:
        return nl_walk(p, n, counter_attr, r);
    default:
        return 0;
    }
}

/*
 * The value of one answer to a GETOBJ of counter NAME in TABLE of FAMILY: msg is the whole netlink message (n bytes,
 * its header's length already checked to be n). Its packets; 0 for ENOENT, no such table or counter (nft's "No such
 * file or directory", NetworkFence.counter's 0); -1 for any other error, or an answer that is not that counter's
 * with a packet count (lengths are checked against n throughout: nothing is read past the message).
 */
static long long nft_answer(const unsigned char *msg, size_t n, int family, const char *table, const char *name) {
    struct nlmsghdr h;
    if (n < NLMSG_HDRLEN) return -1;
    memcpy(&h, msg, sizeof h);
    if (h.nlmsg_type == NLMSG_ERROR) {
        int error;
        if (n < NLMSG_HDRLEN + sizeof error) return -1;
        memcpy(&error, msg + NLMSG_HDRLEN, sizeof error);
        return error == -ENOENT ? 0 : -1;
    }
    if (h.nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWOBJ)) return -1;
    size_t body = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
    if (n < body) return -1;
    struct nfgenmsg g;
    memcpy(&g, msg + NLMSG_HDRLEN, sizeof g);
    if (g.nfgen_family != family) return -1;
    struct obj_reply r = {.table = table, .name = name};
    if (nl_walk(msg + body, n - body, obj_attr, &r) < 0) return -1;
    if (!r.table_ok || !r.name_ok || !r.type_ok || !r.has_packets || r.packets > (unsigned long long)LLONG_MAX) return -1;
    return (long long)r.packets;
}

static const char *counter_name(const struct watched *w, int k) {
    return k == 0 ? w->t.blocked_counter : w->t.dns_counter;
}

static void counters_commit(struct watched *w, long long blocked, long long dns) {
    if (blocked < 0 && w->t.blocked_counter[0]) dns = -1, blocked = -1; /* a failed read: both unknown (Fence.UNKNOWN) */
    if (dns < 0 && w->t.dns_counter[0]) blocked = -1, dns = -1;
    w->blocked = blocked;
    w->dns = dns;
    w->counters_at = mono_ns();
    w->reading = 0;
}

/* Commits a read whose answers are all in. */
static void counters_settle(struct watched *w) {
    if (w->reading && w->ctr[0].done && w->ctr[1].done) counters_commit(w, w->ctr[0].value, w->ctr[1].value);
}

/* Every read waiting for an answer gives up (the socket lost answers, or cannot be read): unknown this time. */
static void counters_fail_all(void) {
    for (int i = 0; i < nwatch; i++) {
        struct watched *w = watch[i];
        if (!w->reading) continue;
        for (int k = 0; k < 2; k++) {
            if (w->ctr[k].done) continue;
            w->ctr[k].done = 1;
            w->ctr[k].value = -1;
        }
        counters_settle(w);
    }
}

/* The answer with sequence number seq: its value into the read that waits for it; nothing when none does. */
static void counters_answer(unsigned seq, const unsigned char *msg, size_t n) {
    for (int i = 0; i < nwatch; i++) {
        struct watched *w = watch[i];
        if (!w->reading) continue;
        for (int k = 0; k < 2; k++) {
            struct counter_read *c = &w->ctr[k];
            if (c->done || c->seq != seq) continue;
            c->value = msg ? nft_answer(msg, n, nft_family_number(nft_family), nft_table, counter_name(w, k)) : -1;
            c->done = 1;
            counters_settle(w);
            return;
        }
    }
}

/* The messages of one datagram from the kernel (its first n bytes: a longer one was cut), each to its read. */
static void counters_datagram(const unsigned char *buf, size_t n) {
    for (size_t at = 0; n - at >= NLMSG_HDRLEN;) {
        struct nlmsghdr h;
        memcpy(&h, buf + at, sizeof h);
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > n - at) {
            /* cut or malformed: its read fails, the rest of the datagram is not read */
            counters_answer(h.nlmsg_seq, NULL, 0);
            return;
        }
        counters_answer(h.nlmsg_seq, buf + at, h.nlmsg_len);
        size_t step = NLMSG_ALIGN((size_t)h.nlmsg_len);
        if (step > n - at) return;
        at += step;
    }
}

/* Reads the answers that are in (non-blocking). */
static void counters_receive(void) {
    static unsigned char buf[NFT_REPLY] __attribute__((aligned(8)));
    if (nft_fd < 0) return;
    for (int round = 0; round < 256; round++) {
        struct sockaddr_nl from;
        socklen_t fromlen = sizeof from;
        memset(&from, 0, sizeof from);
        ssize_t got = recvfrom(nft_fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (got < 0 && errno == ENOBUFS) {
            /* answers were lost (the receive buffer was full): the reads waiting now are unknown; the answers
               still queued are read on (and dropped), so that the next reads' find room */
            counters_fail_all();
            continue;
        }
        if (got < 0) {
            counters_fail_all();
            return;
        }
        /* from the kernel only (the socket is connected to it: this is a second lock) */
        if (fromlen < sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0) continue;
        counters_datagram(buf, (size_t)got < sizeof buf ? (size_t)got : sizeof buf);
    }
}

/* Starts a read of the container's counters (Monitor.counters: at most once a second, one at a time). */
static void counters_start(struct watched *w, long long now) {
    if (w->reading || (w->counters_at && now < w->counters_at + 1000000000LL)) return;
    if (!w->t.blocked_counter[0] && !w->t.dns_counter[0]) return;
    counters_receive(); /* what is queued first (answers to reads given up, or lost: ENOBUFS): room for these */
    w->reading = 1;
    w->read_started_ns = now;
    unsigned char req[NFT_REQUEST] __attribute__((aligned(8)));
    size_t len = 0;
    int family = nft_family_number(nft_family);
    int ok = family >= 0;
    for (int k = 0; k < 2; k++) {
        struct counter_read *c = &w->ctr[k];
        memset(c, 0, sizeof *c);
        c->value = -1;
        if (!counter_name(w, k)[0]) {
            c->done = 1; /* none: -1, which counters_commit does not count as a failure */
            continue;
        }
        if (++nft_seq == 0) nft_seq = 1;
        c->seq = nft_seq;
        if (ok && nft_put_request(req, sizeof req, &len, family, nft_table, counter_name(w, k), c->seq) < 0) ok = 0;
    }
    if (ok && nft_fd < 0) nft_fd = nft_open();
    if (!ok || nft_fd < 0) {
        /* an unknown family, or no socket (no descriptor left): unknown this time, as Java's failed read */
        counters_commit(w, -1, -1);
        return;
    }
    ssize_t sent;
    do sent = send(nft_fd, req, len, MSG_DONTWAIT);
    while (sent < 0 && errno == EINTR);
    if (sent != (ssize_t)len) counters_commit(w, -1, -1);
}

/* Gives up the container's read at its timeout: what is not answered by then is unknown. */
static void counters_service(struct watched *w, long long now) {
    if (!w->reading || now - w->read_started_ns <= nft_timeout_ms * 1000000LL) return;
    for (int k = 0; k < 2; k++) {
        if (w->ctr[k].done) continue;
        w->ctr[k].done = 1;
        w->ctr[k].value = -1;
    }
    counters_settle(w);
}

/* ---------------- the kill (CgroupKill) ---------------- */

static int write_cgroup_file(int dirfd, const char *name, const char *value) {
    int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = write_all(fd, value, strlen(value));
    if (close(fd) < 0) r = -1;
    return r;
}

static int is_regular_at(int dirfd, const char *name) {
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static void kill_all_at(int dirfd, int depth, void *ctx);

static void kill_all(int dirfd, int depth) {
    kill_all_at(dirfd, depth, NULL);
}

static void kill_all_at(int dirfd, int depth, void *ctx) {
    (void)ctx;
    if (depth > CGROUP_DEPTH) return;
    int procs = openat(dirfd, "cgroup.procs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (procs < 0) return;
    char buf[4096];
    long long cur = -1;
    for (;;) {
        ssize_t r = read(procs, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        for (ssize_t i = 0; i <= r; i++) {
            if (i < r && buf[i] >= '0' && buf[i] <= '9') {
                cur = (cur < 0 ? 0 : cur) * 10 + (buf[i] - '0');
                if (cur > INT_MAX) cur = INT_MAX;
            } else if (i < r && cur >= 0) {
                if (cur > 0) kill((pid_t)cur, SIGKILL);
                cur = -1;
            }
        }
    }
    if (cur > 0) kill((pid_t)cur, SIGKILL);
    close(procs);
    each_subgroup(dirfd, depth, kill_all_at, NULL);
}

/* CgroupKill.kill: 1 killed, 0 no such cgroup (gone), -1 a write failed. */
static int cgroup_kill(const char *root, const char *payload, char *why, size_t n) {
    char path[MON_PATH];
    for (int i = 0; i < 2; i++) {
        int len = snprintf(path, sizeof path, "%s/%s%s", root, i == 0 ? "" : "unified/", payload);
        if (len < 0 || len >= (int)sizeof path) return 0;
        int dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0) continue;
        if (is_regular_at(dir, "cgroup.kill")) {
            int r = write_cgroup_file(dir, "cgroup.kill", "1");
            if (r < 0) fail(why, n, "cannot write %s/cgroup.kill: %s", path, strerror(errno));
            close(dir);
            return r < 0 ? -1 : 1;
        }
        close(dir);
    }
    if (snprintf(path, sizeof path, "%s/freezer/%s", root, payload) >= (int)sizeof path) return 0;
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) return 0;
    if (!is_regular_at(dir, "freezer.state")) {
        close(dir);
        return 0;
    }
    if (write_cgroup_file(dir, "freezer.state", "FROZEN") < 0) {
        fail(why, n, "cannot write %s/freezer.state: %s", path, strerror(errno));
        close(dir);
        return -1;
    }
    kill_all(dir, 0);
    int r = write_cgroup_file(dir, "freezer.state", "THAWED");
    if (r < 0) fail(why, n, "cannot write %s/freezer.state: %s", path, strerror(errno));
    close(dir);
    return r < 0 ? -1 : 1;
}

/* ---------------- handing threats over (Responder's order and DEDUP) ---------------- */

static char key_buf[KEY_MAX + MON_NAME + 2];

/* The line for THREATS_FILE: mon_threat_json with "killed" set; length (newline included) or -1. */
static int threat_line(const struct mon_threat *t, const char *container, int killed, char *buf, size_t n) {
    int len = mon_threat_json(t, container, buf, n - 1);
    if (len < 0 || (size_t)len >= n - 1) return -1;
    if (killed) {
        /* {"container":"NAME","killed":false ... : the names are [A-Za-z0-9._-], so this is where it is */
        char head[MON_NAME + 40];
        int h = snprintf(head, sizeof head, "{\"container\":\"%s\",\"killed\":false", container);
        if (h < 0 || h >= (int)sizeof head || len < h || memcmp(buf, head, (size_t)h) != 0) {
            /* not the agreed form: the line as it is (the supervisor answers it as not killed yet: a stop of a dead container) */
            fprintf(stderr, "monitor: cannot mark a threat of %s as killed: its JSON does not start as agreed\n", container);
        } else {
            /* false -> true: one byte shorter */
            memcpy(buf + h - 5, "true", 4);
            memmove(buf + h - 1, buf + h, (size_t)(len - h));
            len--;
        }
    }
    buf[len++] = '\n';
    return len;
}

/*
 * Hands a batch of one container's threats over, as Responder.respond would take them: the most serious first
 * (stably), each key not seen within DEDUP; the first new critical one with auto_kill_on_critical has the cgroup
 * killed before its line is written. How many lines were written, or -1 (why) when THREATS_FILE cannot be written.
 */
static int respond(struct watched *w, struct mon_threat *threats, int n, const char *threats_file, char *why, size_t wn) {
    if (n <= 0) return 0;
    long long now = wall_ms();
    seen_expire(w, now);
    int order[MAX_THREATS_TICK];
    if (n > MAX_THREATS_TICK) n = MAX_THREATS_TICK;
    for (int i = 0; i < n; i++) { /* stable, by level descending */
        int j = i;
        while (j > 0 && threats[order[j - 1]].level < threats[i].level) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    int fd = -1, written = 0, stopped = 0;
    char *line = NULL;
    for (int k = 0; k < n; k++) {
        struct mon_threat *t = &threats[order[k]];
        size_t clen = strlen(w->t.container);
        memcpy(key_buf, w->t.container, clen);
        key_buf[clen] = '|';
        int klen = mon_dedup_key(t, key_buf + clen + 1, sizeof key_buf - clen - 1);
        int keyed = klen >= 0 && (size_t)klen < sizeof key_buf - clen - 1;
        int kills = t->level == 3 && w->t.settings.auto_kill_on_critical && !stopped && !w->killed;
        if (keyed) {
            size_t full = clen + 1 + (size_t)klen;
            /* a repeat within the period is left out, unless it is to be killed (Responder: a container made again
               under the name is another container) */
            if (seen_find(w, key_buf, full)) {
                if (!kills) continue;
            } else {
                seen_add(w, key_buf, full, now);
            }
        }
        int killed = 0;
        if (kills) {
            char kwhy[256] = "";
            int r = cgroup_kill(cgroup_root, w->t.payload, kwhy, sizeof kwhy);
            if (r == 1) {
                killed = 1;
                w->killed = 1;
            } else if (r < 0) {
                fprintf(stderr, "monitor: cannot kill %s: %s\n", w->t.container, kwhy);
            }
            stopped = 1;
        }
        if (!line) {
            line = mmap(NULL, JSON_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (line == MAP_FAILED) {
                line = NULL;
                fail(why, wn, "cannot write %s: out of memory", threats_file);
                written = -1;
                break;
            }
        }
        int len = threat_line(t, w->t.container, killed, line, JSON_MAX);
        if (len < 0) {
            fprintf(stderr, "monitor: a threat of %s does not fit a line of %d bytes: %s\n", w->t.container, JSON_MAX, t->title);
            continue;
        }
        if (fd < 0) {
            fd = open(threats_file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0) {
                fail(why, wn, "cannot open %s: %s", threats_file, strerror(errno));
                written = -1;
                break;
            }
        }
        if (write_all(fd, line, (size_t)len) < 0) {
            fail(why, wn, "cannot write %s: %s", threats_file, strerror(errno));
            written = -1;
            break;
        }
        written++;
    }
    if (fd >= 0) close(fd);
    if (line) munmap(line, JSON_MAX);
    return written;
}

/* ---------------- process events (ProcessEvents) ---------------- */

#define CN_IDX_PROC 1
#define CN_VAL_PROC 1
#define PROC_CN_MCAST_LISTEN 1
#define PROC_EVENT_EXEC 0x2
/* nlmsghdr (16) + cn_msg (20), then the proc_event's what (4), cpu (4), timestamp (8), exec's pid and tgid */
#define PE_HEADERS 36
#define PE_WHAT PE_HEADERS
#define PE_EXEC_TGID (PE_HEADERS + 20)

/* Linux 6.6 and later filter the events per listener. */
static int kernel_filters(void) {
    struct utsname u;
    if (uname(&u) < 0) return 0;
    char *end;
    long major = strtol(u.release, &end, 10);
    if (*end != '.') return 0;
    long minor = strtol(end + 1, &end, 10);
    return major > 6 || (major == 6 && minor >= 6);
}

static int events_listen(char *why, size_t n) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0) goto failed;
    struct sockaddr_nl addr;
    memset(&addr, 0, sizeof addr);
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = CN_IDX_PROC;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) goto failed;
    unsigned char msg[PE_HEADERS + 8] __attribute__((aligned(4)));
    memset(msg, 0, sizeof msg);
    unsigned payload = kernel_filters() ? 8 : 4;
    unsigned len = PE_HEADERS + payload;
    unsigned short done = NLMSG_DONE;
    unsigned idx = CN_IDX_PROC, val = CN_VAL_PROC, op = PROC_CN_MCAST_LISTEN, what = PROC_EVENT_EXEC;
    unsigned short plen = (unsigned short)payload;
    memcpy(msg + 0, &len, 4);
    memcpy(msg + 4, &done, 2);
    memcpy(msg + 16, &idx, 4);
    memcpy(msg + 20, &val, 4);
    memcpy(msg + 32, &plen, 2);
    memcpy(msg + 36, &op, 4);
    if (payload == 8) memcpy(msg + 40, &what, 4);
    if (send(fd, msg, len, 0) < 0) goto failed;
    return fd;
failed:;
    int e = errno;
    const char *what_failed = fd < 0 ? "socket" : "bind or send";
    if (fd >= 0) close(fd);
    if (e == EPERM) {
        fail(why, n, "cannot listen to process events (%s): operation not permitted (the monitor needs root, CAP_NET_ADMIN): run coi as root or without --monitor",
             what_failed);
    } else {
        fail(why, n, "cannot listen to process events (%s): errno %d", what_failed, e);
    }
    return -1;
}

static struct watched *watched_by_payload(const char *payload) {
    for (int i = 0; i < nwatch; i++)
        if (strcmp(watch[i]->t.payload, payload) == 0) return watch[i];
    return NULL;
}

/* Monitor.exec: a process of a watched container is read at once (at most EXECS_PER_LOOK per look). */
static void on_exec(int pid) {
    if (pid <= 0) return;
    char payload[MON_NAME];
    if (!mon_payload_of(proc_root, pid, payload, sizeof payload)) return;
    struct watched *w = watched_by_payload(payload);
    if (!w || w->killed) return;
    /* a fork bomb (the guard's last count above the threshold): its looks are pids only, and reading each
     * exec's memory would stall the one thread that must answer it */
    if (w->last_count > w->t.settings.process_count_threshold) return;
    if (w->nexecs >= EXECS_PER_LOOK) return;
    if (!w->execs) {
        w->execs = calloc(EXECS_PER_LOOK, sizeof *w->execs);
        if (!w->execs) return;
    }
    long long t0 = mono_ns();
    struct mon_proc *p = mon_proc_read(proc_root, pid);
    if (p) w->execs[w->nexecs++] = p;
    w->exec_ns += mono_ns() - t0;
    if (w->exec_ns > LOOK_BUDGET_NS && !w->too_much[0])
        snprintf(w->too_much, sizeof w->too_much, MON_TOO_MUCH "%s: reading its processes at their exec took over %lld ms between two looks",
                 w->t.container, LOOK_BUDGET_NS / 1000000);
}

static unsigned char event_buf[8192] __attribute__((aligned(8)));

static void events_read(void) {
    for (int round = 0; round < 256; round++) {
        ssize_t n = recv(netlink_fd, event_buf, sizeof event_buf, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return; /* EAGAIN, or ENOBUFS (events were lost: nothing to do about them) */
        for (ssize_t at = 0; at + PE_EXEC_TGID + 4 <= n;) {
            int length, what, tgid;
            memcpy(&length, event_buf + at, 4);
            memcpy(&what, event_buf + at + PE_WHAT, 4);
            if (what == PROC_EVENT_EXEC) {
                memcpy(&tgid, event_buf + at + PE_EXEC_TGID, 4);
                on_exec(tgid);
            }
            if (length <= 0) break;
            at += (length + 3) & ~3;
        }
    }
}

/* ---------------- the workspace (Fanotify, WorkspaceWatch) ---------------- */

static int workspace_watch(const char *path, char *why, size_t n) {
    /* the events' own descriptors non-blocking too: opening a workspace FIFO for one must not wait for its writer */
    int fd = fanotify_init(FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE, O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NONBLOCK);
    const char *what = "fanotify_init";
    if (fd >= 0) {
        if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_ACCESS | FAN_MODIFY, AT_FDCWD, path) == 0) return fd;
        what = "fanotify_mark";
    }
    int e = errno;
    if (fd >= 0) close(fd);
    const char *reason = e == EPERM ? "operation not permitted (the monitor needs root, CAP_SYS_ADMIN, to watch the workspace): run coi as root or without --monitor"
                         : e == ENOENT ? "no such mount (the container has no /workspace)"
                         : e == ENOSYS ? "the kernel has no fanotify (CONFIG_FANOTIFY): the monitor cannot see workspace reads; run without --monitor"
                                       : NULL;
    if (reason) {
        fail(why, n, "cannot watch the workspace: %s%s%s: %s", what, fd >= 0 || e != EPERM ? " " : "", fd >= 0 || e != EPERM ? path : "", reason);
    } else {
        fail(why, n, "cannot watch the workspace: %s %s: errno %d", what, path, e);
    }
    return -1;
}

/* One read of events at most this large: each event holds a descriptor until it is handled (RLIMIT_NOFILE). */
static unsigned char fan_buf[4096] __attribute__((aligned(8)));

static void workspace_read(struct watched *w) {
    for (int round = 0; round < 64; round++) {
        ssize_t n = read(w->fan_fd, fan_buf, sizeof fan_buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        int pids[sizeof fan_buf / sizeof(struct fanotify_event_metadata) + 1];
        int npids = 0;
        for (ssize_t at = 0; at + (ssize_t)sizeof(struct fanotify_event_metadata) <= n;) {
            struct fanotify_event_metadata m;
            memcpy(&m, fan_buf + at, sizeof m);
            if (m.fd >= 0) {
                struct stat st;
                if (fstat(m.fd, &st) == 0) {
                    traffic_access(w, m.pid, (m.mask & FAN_MODIFY) != 0, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                                   (long long)st.st_size);
                    int seen = 0;
                    for (int i = 0; i < npids; i++)
                        if (pids[i] == m.pid) seen = 1;
                    if (!seen && npids < (int)(sizeof pids / sizeof *pids)) pids[npids++] = m.pid;
                }
                close(m.fd);
            }
            at += m.event_len > sizeof m ? m.event_len : sizeof m;
        }
        traffic_counters(w, pids, npids);
    }
}

/* ---------------- the looks ---------------- */

static void summary_free(struct look_summary *s) {
    free(s->uses);
    s->uses = NULL;
    s->nuses = 0;
}

static void window_add(struct watched *w, long long at, struct use *uses, int nuses) {
    if (w->window_n == MAX_WINDOW) {
        summary_free(&w->window[0]);
        memmove(&w->window[0], &w->window[1], (MAX_WINDOW - 1) * sizeof w->window[0]);
        w->window_n--;
    }
    struct look_summary *s = &w->window[w->window_n++];
    s->at = at;
    s->seq = ++w->look_seq;
    s->blocked = w->blocked;
    s->dns = w->dns;
    s->uses = uses;
    s->nuses = nuses;
    /* Monitor.trim */
    int drop = 0;
    while (w->window_n - drop > 2 && w->window[drop].at + WINDOW_NS < at) summary_free(&w->window[drop++]);
    if (drop) {
        memmove(&w->window[0], &w->window[drop], (size_t)(w->window_n - drop) * sizeof w->window[0]);
        w->window_n -= drop;
    }
}

static void series_add(struct watched *w, long long at, int count, int spawned) {
    if (w->series_n == MAX_SERIES) {
        memmove(&w->series[0], &w->series[1], (MAX_SERIES - 1) * sizeof w->series[0]);
        w->series_n--;
    }
    w->series[w->series_n++] = (struct guard_look){at, count, spawned};
    int drop = 0;
    while (w->series_n - drop > 2 && w->series[drop].at + WINDOW_NS < at) drop++;
    if (drop) {
        memmove(&w->series[0], &w->series[drop], (size_t)(w->series_n - drop) * sizeof w->series[0]);
        w->series_n -= drop;
    }
}

/* The guard's look (Monitor.guard): pids only, the spike detector; how many threats in out. */
static int guard_look(struct watched *w, struct mon_threat *out) {
    struct pidlist l = {0};
    if (guard_pids(w->cgroup, &l) < 0 || l.n == 0) { /* not observable now: the full look says so */
        free(l.p);
        return 0;
    }
    if (l.too_deep && !w->too_much[0])
        snprintf(w->too_much, sizeof w->too_much, MON_TOO_MUCH "%s: cgroups nested deeper than %d levels", w->t.container, CGROUP_DEPTH);
    long long at = mono_ns();
    int spawned = w->series_n ? new_pids(w->last_pids, w->last_npids, l.p, l.n) : 0;
    series_add(w, at, l.n, spawned);
    free(w->last_pids);
    w->last_pids = l.n < l.cap / 2 ? realloc(l.p, (size_t)l.n * sizeof *l.p) : l.p;
    if (!w->last_pids) w->last_pids = l.p;
    w->last_npids = l.n;
    w->last_count = l.n;
    return spike_detect(w->series, w->series_n, w->t.settings.process_count_threshold, w->t.settings.process_spawn_rate_threshold, out);
}

/* The full look (Monitor.tick); how many threats in out, or -1 with why when the container cannot be observed. */
static int full_look(struct watched *w, struct mon_threat *out, int max, char *why, size_t n) {
    char err[512] = "";
    long long started = mono_ns();
    struct mon_look *look = mon_look_read(proc_root, cgroup_root, w->t.payload, w->t.init, w->t.settings.process_count_threshold, err, sizeof err);
    if (!look) {
        size_t prefix = strlen(MON_TOO_MUCH);
        if (strncmp(err, MON_TOO_MUCH, prefix) == 0)
            snprintf(w->too_much, sizeof w->too_much, MON_TOO_MUCH "%s: %.300s", w->t.container, err + prefix);
        fail(why, n, "%s", w->too_much[0] ? w->too_much : err[0] ? err : "cannot observe the container");
        return -1;
    }
    /*
     * Shortfalls: tasks pids.current counts that neither the walks nor the scan found, for HIDDEN_LOOKS looks in a row
     * (a process started or ended while counting does not last): the supervisor's guard raises them, its own count
     * starting over
     */
    long long unaccounted = mon_look_unaccounted(look);
    w->shortfalls = unaccounted > 0 ? w->shortfalls + 1 : 0;
    if (w->shortfalls >= HIDDEN_LOOKS && !w->too_much[0])
        snprintf(w->too_much, sizeof w->too_much, MON_TOO_MUCH "%s: pids.current counted %lld tasks more than two walks and a scan of /proc"
                 " found, at %d looks in a row", w->t.container, unaccounted, w->shortfalls);
    long long at = mono_ns();
    mon_look_add_execs(look, w->execs, w->nexecs);
    w->nexecs = 0;
    w->exec_ns = 0;
    counters_start(w, at);
    struct use *uses;
    int nuses = traffic_take(w, &uses);
    window_add(w, at, uses, nuses);
    evidence_refresh(w, look, w->prev);
    int found = mon_detect_look(look, &w->t.settings, out, max < MON_MAX_THREATS ? max : MON_MAX_THREATS);
    if (found < 0) {
        /* a process read at its exec over the look's bounds, or more threats than the look can hand over at once: none is
           left out, the supervisor answers them all */
        const char *exec = mon_look_refused(look);
        size_t prefix = strlen(MON_TOO_MUCH);
        if (exec)
            snprintf(w->too_much, sizeof w->too_much, MON_TOO_MUCH "%s: %.300s", w->t.container,
                     exec + (strncmp(exec, MON_TOO_MUCH, prefix) == 0 ? prefix : 0));
        else
            snprintf(w->too_much, sizeof w->too_much, MON_TOO_MUCH "%s: more than %d threats in one look", w->t.container, MON_MAX_THREATS);
        fail(why, n, "%s", w->too_much);
        mon_look_free(look);
        return -1;
    }
    found += workspace_detect(w->window, w->window_n, w->t.settings.file_read_mb, w->t.settings.file_write_mb, w, out + found);
    found += fence_detect(w->window, w->window_n, out + found);
    int unowned = mon_detect_unowned(look, w->prev, out + found);
    if (unowned < 0) {
        fail(why, n, "cannot observe %s: out of memory", w->t.container);
        mon_look_free(look);
        return -1;
    }
    found += unowned;
    if (w->prev) mon_look_free(w->prev);
    w->prev = look;
    long long took = mono_ns() - started;
    if (took > LOOK_BUDGET_NS && !w->too_much[0])
        snprintf(w->too_much, sizeof w->too_much, MON_TOO_MUCH "%s: a look took %lld ms", w->t.container, took / 1000000);
    return found;
}

/* ---------------- the interface ---------------- */

static void watched_free(struct watched *w) {
    if (!w) return;
    if (w->fan_fd >= 0) close(w->fan_fd);
    for (int i = 0; i < w->window_n; i++) summary_free(&w->window[i]);
    if (w->prev) mon_look_free(w->prev);
    for (int i = 0; i < w->nexecs; i++) mon_proc_free(w->execs[i]);
    free(w->execs);
    free(w->files);
    free(w->tp);
    free(w->before);
    free(w->last_pids);
    while (w->nev) evidence_drop(w, w->nev - 1);
    for (int i = 0; i < w->nseen; i++) free(w->seen[i].key);
    free(w->seen);
    free(w);
}

static void mon_reset(void) {
    for (int i = 0; i < nwatch; i++) watched_free(watch[i]);
    nwatch = 0;
}

/* The payload cgroup holding the processes (HostView.cgroupOf); 0, or -1 with HostView's message. */
static int find_cgroup(const char *payload, char *out, size_t outn, char *why, size_t n) {
    const char *forms[] = {"pids/", "", "unified/"};
    for (int i = 0; i < 3; i++) {
        char procs[MON_PATH];
        int len = snprintf(out, outn, "%s/%s%s", cgroup_root, forms[i], payload);
        if (len < 0 || len >= (int)outn) continue;
        if (snprintf(procs, sizeof procs, "%s/cgroup.procs", out) >= (int)sizeof procs) continue;
        struct stat st;
        if (lstat(procs, &st) == 0 && S_ISREG(st.st_mode)) return 0;
    }
    fail(why, n, "cannot observe %s: no cgroup under %s (neither v1 pids/%s nor v2 %s); is the container running?", payload, cgroup_root,
         payload, payload);
    return -1;
}

/* The first counters, read before the first look (Monitor.start): waits for the answers at most a second. */
static void counters_first(struct watched *w) {
    long long start = mono_ns();
    counters_start(w, start);
    while (w->reading && nft_fd >= 0) {
        long long left = start + 1000000000LL - mono_ns();
        if (left <= 0) break;
        struct pollfd p = {.fd = nft_fd, .events = POLLIN};
        poll(&p, 1, (int)((left + 999999) / 1000000));
        counters_receive();
    }
}

int mon_start(const char *targets_file, const char *proc, const char *cgroups, char *why, size_t n) {
    mon_reset();
    if (snprintf(proc_root, sizeof proc_root, "%s", proc) >= (int)sizeof proc_root
        || snprintf(cgroup_root, sizeof cgroup_root, "%s", cgroups) >= (int)sizeof cgroup_root) {
        fail(why, n, "a root path is too long");
        return -1;
    }
    struct targets tf;
    if (load_targets(targets_file, &tf, why, n) < 0) return -1;
    snprintf(nft_family, sizeof nft_family, "%s", tf.family);
    snprintf(nft_table, sizeof nft_table, "%s", tf.table);
    if (netlink_fd < 0) {
        netlink_fd = events_listen(why, n);
        if (netlink_fd < 0) goto bad;
    }
    for (int i = 0; i < tf.n; i++) {
        struct watched *w = calloc(1, sizeof *w);
        if (!w) {
            fail(why, n, "out of memory");
            goto bad;
        }
        w->t = tf.t[i];
        w->fan_fd = -1;
        w->blocked = w->dns = -1;
        watch[nwatch++] = w;
        char inner[1024];
        if (find_cgroup(w->t.payload, w->cgroup, sizeof w->cgroup, inner, sizeof inner) < 0) {
            fail(why, n, "%s: %s", w->t.container, inner);
            goto bad;
        }
        counters_first(w);
        char err[512] = "";
        struct mon_look *first = mon_look_read(proc_root, cgroup_root, w->t.payload, w->t.init, w->t.settings.process_count_threshold, err, sizeof err);
        if (!first) {
            fail(why, n, "%s: %s", w->t.container, err[0] ? err : "cannot observe it");
            goto bad;
        }
        const int *pids;
        int np = mon_look_pids(first, &pids);
        if (np <= 0) {
            mon_look_free(first);
            fail(why, n, "cannot observe %s: none of its processes could be read", w->t.container);
            goto bad;
        }
        w->prev = first;
        long through = w->t.init > 0 ? w->t.init : pids[0];
        char path[MON_PATH];
        if (snprintf(path, sizeof path, "%s/%ld/root/workspace", proc_root, through) >= (int)sizeof path) {
            fail(why, n, "%s: the workspace path is too long", w->t.container);
            goto bad;
        }
        w->fan_fd = workspace_watch(path, inner, sizeof inner);
        if (w->fan_fd < 0) {
            fail(why, n, "%s: %s", w->t.container, inner);
            goto bad;
        }
        long long now = mono_ns();
        window_add(w, now, NULL, 0);
        w->due = now + POLL_NS;
    }
    for (int i = 0; i < tf.nseen; i++) {
        if (tf.seen[i].target < 0) continue;
        if (seen_add(watch[tf.seen[i].target], tf.seen[i].key, tf.seen[i].key_len, tf.seen[i].first_ms) < 0) {
            fail(why, n, "out of memory");
            goto bad;
        }
    }
    targets_free(&tf);
    return 0;
bad:
    targets_free(&tf);
    mon_reset();
    return -1;
}

int mon_pollfds(struct pollfd *fds, int max) {
    int k = 0;
    if (netlink_fd >= 0 && nwatch > 0 && k < max) fds[k++] = (struct pollfd){.fd = netlink_fd, .events = POLLIN};
    int reading = 0;
    for (int i = 0; i < nwatch; i++) {
        struct watched *w = watch[i];
        if (w->fan_fd >= 0 && k < max) fds[k++] = (struct pollfd){.fd = w->fan_fd, .events = POLLIN};
        reading |= w->reading;
    }
    if (reading && nft_fd >= 0 && k < max) fds[k++] = (struct pollfd){.fd = nft_fd, .events = POLLIN};
    return k;
}

void mon_handle(const struct pollfd *fds, int n) {
    for (int j = 0; j < n; j++) {
        if (!(fds[j].revents & (POLLIN | POLLERR | POLLHUP))) continue;
        int fd = fds[j].fd;
        if (fd < 0) continue;
        if (fd == netlink_fd) {
            events_read();
            continue;
        }
        if (fd == nft_fd) {
            counters_receive();
            continue;
        }
        for (int i = 0; i < nwatch; i++)
            if (fd == watch[i]->fan_fd) workspace_read(watch[i]);
    }
}

long long mon_due_ms(void) {
    long long now = mono_ns(), due = now + 60000000000LL;
    for (int i = 0; i < nwatch; i++) {
        struct watched *w = watch[i];
        if (!w->killed && w->due < due) due = w->due;
        /* a read not answered yet: given up at its timeout */
        if (w->reading && w->read_started_ns + nft_timeout_ms * 1000000LL < due) due = w->read_started_ns + nft_timeout_ms * 1000000LL;
    }
    return (due + 999999) / 1000000;
}

int mon_tick(const char *threats_file, char *why, size_t n) {
    int total = 0, unobservable = 0, too_much = 0;
    struct mon_threat *found = mmap(NULL, MAX_THREATS_TICK * sizeof *found, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (found == MAP_FAILED) {
        fail(why, n, "out of memory");
        return -1;
    }
    for (int i = 0; i < nwatch; i++) {
        struct watched *w = watch[i];
        long long now = mono_ns();
        counters_service(w, now);
        if (w->killed || now < w->due) continue;
        w->due = now + POLL_NS;
        int g = guard_look(w, found);
        int r = respond(w, found, g, threats_file, why, n);
        if (r < 0) {
            total = -1;
            break;
        }
        total += r;
        if (w->killed) continue;
        char inner[1024];
        int f = w->too_much[0] ? -1 : full_look(w, found, MON_MAX_THREATS, inner, sizeof inner);
        if (f >= 0) {
            r = respond(w, found, f, threats_file, why, n);
            if (r < 0) {
                total = -1;
                break;
            }
            total += r;
        }
        /* what this waiter cannot watch whole goes back to the supervisor (said first: the waiter tells it to keep it) */
        if (w->too_much[0]) {
            if (!too_much) fail(why, n, "%s", w->too_much);
            too_much = unobservable = 1;
        } else if (f < 0) {
            if (!unobservable) fail(why, n, "%s", inner);
            unobservable = 1;
        }
    }
    munmap(found, MAX_THREATS_TICK * sizeof *found);
    if (total >= 0 && unobservable) return -1;
    return total;
}
