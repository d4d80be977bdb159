/*
 * One look at a container (coi.monitor.HostView) and the detectors that need one look only
 * (Detectors.reverseShells, .connections, .credentialScans), ported from the Java reference.
 *
 * Everything read here is written by the agent or by the kernel on its behalf. Every read is
 * bounded, every copy checked. Strings are kept as Java would see them: the bytes decoded as
 * UTF-8 the way new String(bytes, UTF_8) does (a malformed sequence becomes U+FFFD, see
 * java_utf8), stored re-encoded as UTF-8, so that the detectors' comparisons, the lengths they
 * take (in UTF-16 units) and the JSON come out as Java's do.
 *
 * A process does not keep its descriptor table: what the detectors ask of descriptors and
 * arguments is answered while they are read (flags), and only the socket inodes are kept.
 *
 * Nothing the Java monitor would see is left out silently: every string a detector compares is
 * whole (command lines, descriptor and exe targets, program names), and where a bound on memory
 * or time is hit (see the internal bounds) the look fails with an error starting with
 * MON_TOO_MUCH, so that the waiter hands the container back to the Java monitor. Only the
 * evidence text is cut (MON_MAX_CMDLINE, MON_LINK, titles of 512 bytes), each cut command line or
 * title ending with a hash of the whole so that dedup keys still tell them apart.
 */
#define _GNU_SOURCE
#include "monitor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KCMP_FILES 2 /* linux/kcmp.h */

/*
 * internal bounds: memory and time stay bounded whatever runs inside, and hitting a bound is never silent: the look
 * (or, for an exec read on its own, the detectors over the look it joins) fails with an error that starts with
 * MON_TOO_MUCH, and the waiter hands the container back to the Java monitor, which reads everything.
 */
#define LOOK_CMDLINE (256 * 1024)        /* raw bytes of one command line (Linux: 128 KiB per argument) */
#define LOOK_CMDLINES (16 * 1024 * 1024) /* raw bytes of command lines over one look */
#define LOOK_SMALL (16 * 1024)           /* stat, status, io, uid_map of a process */
#define LOOK_LIST (16 * 1024 * 1024)     /* a cgroup.procs or a socket table */
#define LOOK_CONNS 65536                 /* sockets of a look */
#define LOOK_FDS 131072                  /* descriptor targets read (readlink) over one look */
#define LOOK_EXEC_FDS 1024               /* descriptor targets of a process read alone at its exec */
#define LOOK_PROCS 2048                  /* processes read one by one in a look (a process_count_threshold above it: not all) */
#define LOOK_PIDS (1024 * 1024)          /* pids listed over the cgroups of a look */
#define LOOK_CGROUPS 4096                /* cgroups walked in a look */
#define LOOK_DEPTH 2048                  /* cgroup nesting walked (a path of MON_PATH bytes is not deeper) */
#define LOOK_UIDMAP 340                  /* lines of a uid_map (the kernel's own limit) */
#define LOOK_TABLES 64                   /* HostView.MAX_TABLES: descriptor tables of its own a process's threads hold */
#define LOOK_TABLE_PASSES 3              /* HostView.TABLE_PASSES: listings of a process's threads in one look */
#define LOOK_SCANS 3                     /* HostView.SCANS: scans of /proc in a look while their count falls short */

/* what the detectors ask of a process's arguments and descriptors, answered while reading them */
#define F_NC_EXEC 0x1u      /* an argument after the first is a netcat exec flag or socat exec:/system: */
#define F_DEVNET 0x2u       /* an argument names /dev/tcp/ or /dev/udp/ */
#define F_ENV_OTHER 0x4u    /* a path (descriptor or argument) is another process's environ */
#define F_SECRET 0x8u       /* a search argument for KEY, TOKEN, SECRET, PASSW */
#define F_TOOL0 0x10u       /* a path is a tool's credential file (claude, codex, opencode: << i) */
#define F_ISTOOL0 0x80u     /* one of the first two arguments' file name is that tool (<< i) */
#define F_CRED 0x400u       /* a path is under ~/.ssh, ~/.aws, ... */

enum { ST_OTHER, ST_LISTEN, ST_TIME_WAIT, ST_ESTABLISHED };

struct mon_proc {
    int pid, ppid, uid;
    long long rchar, wchar;
    char *exe;          /* NULL: null */
    char *program;      /* Proc.program() */
    char *cmd;          /* the evidence: arguments joined by NUL, MON_MAX_CMDLINE bytes at most (see read_cmdline) */
    char *comm;         /* stat's command: the evidence's "[comm]" when the command line is empty (Proc.info); NULL: none */
    size_t cmdlen;
    int nargs;          /* arguments (not empty) of the whole command line read */
    long long stdio[3]; /* socket inode on 0, 1, 2; -1 none */
    long long *socks;   /* socket inodes of every descriptor */
    int nsocks;
    unsigned flags;
    long long threads;  /* its tasks (num_threads) when read */
    int first;          /* the task whose descriptor table was read: pid, or the live thread of a zombie leader */
    int tgid;           /* Proc.tgid: pid, or for a thread's own table its process's */
    int marked;         /* read alone at its exec, and more than the bounds (too_much says what; NULL: out of memory) */
    char *too_much;
};

struct conn {
    int udp;
    char local[48], remote[48];
    int lport, rport, state;
    long long inode;
};

struct mon_look {
    int *pids;
    int npids;
    int *pidset; /* open addressing, 0 free */
    int pidset_cap;
    int bare;    /* HostView.bare: every pid a process known by its pid only (no struct: they raise nothing) */
    struct mon_proc **procs;
    int nprocs, capprocs;
    struct conn *conns;
    int nconns;
    int marked;          /* an exec added that could not be read whole: the detectors fail (too_much says why) */
    char too_much[256];
    long long unaccounted; /* tasks pids.current counted that the walks and the scan did not find (HostView.Tree.unaccounted) */
};

static const char *const TOOLS[3] = {"claude", "codex", "opencode"};
static const char *const TOOL_FILES[3] = {".claude/.credentials.json", ".codex/auth.json", "opencode/auth.json"};

/* ---------------------------------------------------------------- strings as Java sees them */

/*
 * new String(bytes, UTF_8) (String.decodeUTF8_UTF16 with replacement), re-encoded as UTF-8: valid
 * sequences are copied, each malformed one becomes EF BF BD as Java cuts them. out has 3 * n bytes.
 */
static size_t java_utf8(const unsigned char *s, size_t n, char *out) {
    size_t sp = 0, dp = 0;
#define REPL() (out[dp++] = (char)0xEF, out[dp++] = (char)0xBF, out[dp++] = (char)0xBD)
#define NOTCONT(b) (((b) & 0xC0) != 0x80)
    while (sp < n) {
        unsigned b1 = s[sp++];
        if (b1 < 0x80) {
            out[dp++] = (char)b1;
        } else if ((b1 & 0xE0) == 0xC0 && (b1 & 0x1E) != 0) {
            if (sp < n) {
                unsigned b2 = s[sp++];
                if (NOTCONT(b2)) {
                    REPL();
                    sp--;
                } else {
                    out[dp++] = (char)b1;
                    out[dp++] = (char)b2;
                }
                continue;
            }
            REPL();
            break;
        } else if ((b1 & 0xF0) == 0xE0) {
            if (sp + 1 < n) {
                unsigned b2 = s[sp++], b3 = s[sp++];
                if ((b1 == 0xE0 && (b2 & 0xE0) == 0x80) || NOTCONT(b2) || NOTCONT(b3)) {
                    REPL();
                    sp -= 3;
                    unsigned c1 = s[sp], c2 = s[sp + 1];
                    sp += ((c1 == 0xE0 && (c2 & 0xE0) == 0x80) || NOTCONT(c2)) ? 1 : 2;
                } else {
                    unsigned c = ((b1 & 0x0F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F);
                    if (c >= 0xD800 && c <= 0xDFFF) {
                        REPL();
                    } else {
                        out[dp++] = (char)b1;
                        out[dp++] = (char)b2;
                        out[dp++] = (char)b3;
                    }
                }
                continue;
            }
            if (sp < n && ((b1 == 0xE0 && (s[sp] & 0xE0) == 0x80) || NOTCONT(s[sp]))) {
                REPL();
                continue;
            }
            REPL();
            break;
        } else if ((b1 & 0xF8) == 0xF0) {
            if (sp + 2 < n) {
                unsigned b2 = s[sp++], b3 = s[sp++], b4 = s[sp++];
                unsigned uc = ((b1 & 0x07) << 18) | ((b2 & 0x3F) << 12) | ((b3 & 0x3F) << 6) | (b4 & 0x3F);
                if (NOTCONT(b2) || NOTCONT(b3) || NOTCONT(b4) || uc < 0x10000 || uc > 0x10FFFF) {
                    REPL();
                    sp -= 4;
                    unsigned c1 = s[sp], c2 = s[sp + 1];
                    if (c1 > 0xF4 || (c1 == 0xF0 && (c2 < 0x90 || c2 > 0xBF)) || (c1 == 0xF4 && (c2 & 0xF0) != 0x80) || NOTCONT(c2))
                        sp += 1;
                    else if (NOTCONT(s[sp + 2]))
                        sp += 2;
                    else
                        sp += 3;
                } else {
                    out[dp++] = (char)b1;
                    out[dp++] = (char)b2;
                    out[dp++] = (char)b3;
                    out[dp++] = (char)b4;
                }
                continue;
            }
            if (b1 > 0xF4 || (sp < n && ((b1 == 0xF0 && (s[sp] < 0x90 || s[sp] > 0xBF)) || (b1 == 0xF4 && (s[sp] & 0xF0) != 0x80)
                                         || NOTCONT(s[sp])))) {
                REPL();
                continue;
            }
            sp++;
            REPL();
            if (sp < n && NOTCONT(s[sp])) continue;
            break;
        } else {
            REPL();
        }
    }
#undef REPL
#undef NOTCONT
    return dp;
}

/* A malloc'd, NUL-terminated Java view of n bytes; NULL when out of memory. */
static char *jstr(const char *s, size_t n, size_t *len) {
    char *out = malloc(3 * n + 1);
    if (!out) return NULL;
    size_t m = java_utf8((const unsigned char *)s, n, out);
    out[m] = 0;
    if (len) *len = m;
    return out;
}

/* Java's '.' does not match line terminators: \n, \r, U+0085, U+2028, U+2029 (on valid UTF-8). */
static int has_terminator(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r') return 1;
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0x85) return 1;
        if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9))
            return 1;
    }
    return 0;
}

/* String.length(): UTF-16 units of valid UTF-8. */
static size_t utf16_len(const char *s, size_t n) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80) len += (c >= 0xF0) ? 2 : 1;
    }
    return len;
}

static int starts(const char *s, size_t n, const char *prefix) {
    size_t p = strlen(prefix);
    return n >= p && memcmp(s, prefix, p) == 0;
}

static int ends(const char *s, size_t n, const char *suffix) {
    size_t p = strlen(suffix);
    return n >= p && memcmp(s + n - p, suffix, p) == 0;
}

static int equals(const char *s, size_t n, const char *word) {
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* Pattern ^/proc/(\d+|\*|self)/environ$ matches() */
static int is_environ(const char *s, size_t n) {
    if (!starts(s, n, "/proc/") || !ends(s, n, "/environ") || n < 6 + 8 + 1) return 0;
    const char *m = s + 6;
    size_t k = n - 6 - 8;
    if ((k == 1 && m[0] == '*') || (k == 4 && memcmp(m, "self", 4) == 0)) return 1;
    for (size_t i = 0; i < k; i++)
        if (m[i] < '0' || m[i] > '9') return 0;
    return 1;
}

/*
 * The patterns below that use '.' do not match a string with a line terminator: their callers pass term,
 * has_terminator of the string, found once per string (an argument is scanned a few times, not once per pattern).
 */

/* Pattern (?i).*(key|token|secret|passw).* matches(): ASCII case folding only (no UNICODE_CASE) */
static int is_secret(const char *s, size_t n, int term) {
    if (term) return 0;
    for (size_t i = 0; i < n; i++) {
        switch (s[i] | 0x20) {
        case 'k':
            if (n - i >= 3 && strncasecmp(s + i, "key", 3) == 0) return 1;
            break;
        case 't':
            if (n - i >= 5 && strncasecmp(s + i, "token", 5) == 0) return 1;
            break;
        case 's':
            if (n - i >= 6 && strncasecmp(s + i, "secret", 6) == 0) return 1;
            break;
        case 'p':
            if (n - i >= 5 && strncasecmp(s + i, "passw", 5) == 0) return 1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Pattern (?i)^(exec|system):.* matches() */
static int is_socat_exec(const char *s, size_t n, int term) {
    if (!((n >= 5 && strncasecmp(s, "exec:", 5) == 0) || (n >= 7 && strncasecmp(s, "system:", 7) == 0))) return 0;
    return !term;
}

/* Pattern (^|.*)/(\.ssh|\.aws|\.config/gh|\.docker/config\.json|\.netrc)(/.*)?$ matches() (as Detectors writes it: the name at the start or after a slash) */
static int is_credential_path(const char *s, size_t n, int term) {
    static const char *const names[] = {".ssh", ".aws", ".config/gh", ".docker/config.json", ".netrc"};
    if (term) return 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '.') {
            for (size_t k = 0; k < 5; k++) {
                size_t l = strlen(names[k]);
                if (n - i >= l && memcmp(s + i, names[k], l) == 0 && (n - i == l || s[i + l] == '/')) return 1;
            }
        }
        const char *slash = memchr(s + i, '/', n - i);
        if (!slash) break;
        i = (size_t)(slash - s) + 1;
    }
    return 0;
}

/* Pattern (^|.*)/FILE$ matches() (the file at the start or after a slash) */
static int is_tool_file(const char *s, size_t n, const char *file, int term) {
    size_t l = strlen(file);
    if (term || n < l || memcmp(s + n - l, file, l) != 0) return 0;
    return n == l || s[n - l - 1] == '/';
}

/* Pattern (sh|bash|...|expect) matches() on the program name */
static int is_interpreter(const char *s) {
    static const char *const exact[] = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "busybox",
                                        "node", "nodejs", "luajit", "pwsh", "irb", "expect"};
    static const char *const versioned[] = {"python", "perl", "ruby", "php", "lua", "tclsh"};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (strcmp(s, exact[i]) == 0) return 1;
    for (size_t i = 0; i < sizeof versioned / sizeof *versioned; i++) {
        size_t l = strlen(versioned[i]);
        if (strncmp(s, versioned[i], l) != 0) continue;
        const char *r = s + l;
        while (*r && ((*r >= '0' && *r <= '9') || *r == '.')) r++;
        if (!*r) return 1;
    }
    return 0;
}

static int in_set(const char *s, const char *const *set, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0) return 1;
    return 0;
}

static const char *const NETCATS[] = {"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "socat"};
static const char *const NETCAT_FLAGS[] = {"-e", "-c", "--exec", "--sh-exec", "--lua-exec"};
static const char *const SEARCHERS[] = {"grep", "egrep", "fgrep", "rg", "ag", "ack", "git-grep"};
static const char *const CREDENTIAL_OWNERS[] = {"ssh", "ssh-add", "ssh-agent", "scp", "sftp", "aws", "gh", "git", "docker"};

/* Proc.ownEnviron: /proc/PID/environ of the entry's pid or of its thread group's (a thread's table reads its process's) */
static int own_environ(const char *s, size_t n, int pid, int tgid) {
    char own[48];
    for (int w = 0; w < 2; w++) {
        int k = snprintf(own, sizeof own, "/proc/%d/environ", w ? tgid : pid);
        if (k > 0 && (size_t)k < sizeof own && equals(s, n, own)) return 1;
    }
    return 0;
}

/* The flags of one path (a descriptor's target or an argument after the first) of the entry pid of thread group tgid. */
static unsigned path_flags(const char *s, size_t n, int pid, int tgid, int term) {
    unsigned f = 0;
    if (is_environ(s, n) && !equals(s, n, "/proc/self/environ") && !own_environ(s, n, pid, tgid)) f |= F_ENV_OTHER;
    for (int t = 0; t < 3; t++)
        if (is_tool_file(s, n, TOOL_FILES[t], term)) f |= F_TOOL0 << t;
    if (is_credential_path(s, n, term)) f |= F_CRED;
    return f;
}

/*
 * Java's Integer.parseInt / Long.parseLong on ASCII: an optional sign, then digits only, the value within [min, max]
 * (min <= 0 <= max); 1 with *out, 0 when it is not such a number.
 */
static int parse_number(const char *s, size_t n, long long min, long long max, long long *out) {
    size_t i = 0;
    int neg = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) return 0;
    /* the magnitude's bound: -(min) done in unsigned arithmetic, which LLONG_MIN needs */
    unsigned long long limit = neg ? 0ULL - (unsigned long long)min : (unsigned long long)max;
    unsigned long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > limit / 10 || (v == limit / 10 && d > limit % 10)) return 0;
        v = v * 10 + d;
    }
    *out = neg ? (long long)(0ULL - v) : (long long)v;
    return 1;
}

static int parse_int(const char *s, size_t n, int *out) {
    long long v;
    if (!parse_number(s, n, INT_MIN, INT_MAX, &v)) return 0;
    *out = (int)v;
    return 1;
}

static int parse_long(const char *s, size_t n, long long *out) {
    return parse_number(s, n, LLONG_MIN, LLONG_MAX, out);
}

/* Java's String.trim(): off both ends, every char <= ' ' */
static void trim(const char **s, size_t *n) {
    while (*n > 0 && (unsigned char)**s <= ' ') (*s)++, (*n)--;
    while (*n > 0 && (unsigned char)(*s)[*n - 1] <= ' ') (*n)--;
}

static int java_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}

/* ---------------------------------------------------------------- files */

/* A path under a root, as Java's Path.resolve prints it; 0 if it does not fit. */
static int join(char *buf, size_t n, const char *root, const char *rest) {
    int k = snprintf(buf, n, "%s/%s", root, rest);
    return k > 0 && (size_t)k < n;
}

/*
 * A file of at most cap bytes into a malloc'd buffer (NUL-terminated); 0, -EFBIG when it holds more (what is
 * beyond a bound is never left out silently), or -errno. With prefix, a longer file gives its first cap bytes.
 */
static int slurp_any(const char *path, size_t cap, int prefix, char **out, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -errno;
    size_t limit = prefix ? cap : cap + 1; /* one byte more than cap tells a file over it */
    size_t size = limit < 4096 ? limit : 4096, n = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (n == size) {
            if (size >= limit) break;
            size_t grown = size * 2 > limit ? limit : size * 2;
            char *b = realloc(buf, grown + 1);
            if (!b) {
                free(buf);
                close(fd);
                return -ENOMEM;
            }
            buf = b;
            size = grown;
        }
        ssize_t r = read(fd, buf + n, size - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            return -e;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (n > cap) {
        free(buf);
        return -EFBIG;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

static int slurp(const char *path, size_t cap, char **out, size_t *len) {
    return slurp_any(path, cap, 0, out, len);
}

/*
 * A link's target (Files.readSymbolicLink) into buf, path relative to dir (AT_FDCWD: as it is): its length, -ENOENT
 * for none, -EFBIG when it fills buf (it may be longer: the kernel gives PATH_MAX - 1 bytes at most, buf has
 * MON_PATH), or -errno.
 */
static ssize_t read_link_at(int dir, const char *path, char *buf, size_t n) {
    ssize_t r = readlinkat(dir, path, buf, n);
    if (r < 0) return -errno;
    if ((size_t)r >= n) return -EFBIG;
    return r;
}

static ssize_t read_link(const char *path, char *buf, size_t n) {
    return read_link_at(AT_FDCWD, path, buf, n);
}

static const char *not_readable(char *err, size_t errlen, const char *container, const char *path) {
    snprintf(err, errlen,
             "cannot observe %s: %s is not readable (the monitor needs root or CAP_SYS_PTRACE to see container processes): "
             "run coi as root or without --monitor",
             container, path);
    return err;
}

/* ---------------------------------------------------------------- processes */

/*
 * The outcome of reading one process: read, gone (skipped as HostView skips it), not readable (the look fails),
 * more than the bounds (the look fails with msg, MON_TOO_MUCH), or out of memory (the look fails).
 */
enum { P_OK, P_GONE, P_DENIED, P_TOO_MUCH, P_NOMEM };

/* What is left to read in one look (or for one process read alone at its exec). */
struct budget {
    long fds;       /* descriptor targets */
    size_t cmd;     /* raw command line bytes */
    int exec;       /* a process read alone: its own bounds, named as such */
};

struct uidmap {
    long long r[LOOK_UIDMAP][3];
    int n;
};

/* HostView.UidMap.read: P_OK (an unreadable map is no map, as Java), P_TOO_MUCH with msg, or P_NOMEM. */
static int read_uidmap(const char *proc_root, int pid, struct uidmap *m, char *msg, size_t msglen) {
    char path[MON_PATH], name[32], *text;
    size_t len;
    m->n = 0;
    snprintf(name, sizeof name, "%d/uid_map", pid);
    if (!join(path, sizeof path, proc_root, name)) return P_OK;
    int r = slurp(path, LOOK_SMALL, &text, &len);
    if (r == -EFBIG) {
        snprintf(msg, msglen, MON_TOO_MUCH "the uid_map of pid %d is over %d bytes", pid, LOOK_SMALL);
        return P_TOO_MUCH;
    }
    if (r == -ENOMEM) return P_NOMEM;
    if (r < 0) return P_OK;
    char *line = text, *end = text + len;
    while (line < end) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
        const char *f[4];
        size_t fl[4];
        int k = 0;
        const char *s = line;
        size_t sn = ll;
        trim(&s, &sn);
        size_t i = 0;
        while (i < sn && k < 4) {
            size_t j = i;
            while (j < sn && !java_space(s[j])) j++;
            f[k] = s + i;
            fl[k] = j - i;
            k++;
            while (j < sn && java_space(s[j])) j++;
            i = j;
        }
        long long v[3];
        if (k == 3 && parse_long(f[0], fl[0], &v[0]) && parse_long(f[1], fl[1], &v[1]) && parse_long(f[2], fl[2], &v[2])) {
            if (m->n == LOOK_UIDMAP) {
                free(text);
                snprintf(msg, msglen, MON_TOO_MUCH "the uid_map of pid %d has more than %d ranges", pid, LOOK_UIDMAP);
                return P_TOO_MUCH;
            }
            memcpy(m->r[m->n++], v, sizeof v);
        }
        line = nl ? nl + 1 : end;
    }
    free(text);
    return P_OK;
}

static int uid_inside(const struct uidmap *m, int host) {
    for (int i = 0; i < m->n; i++)
        if (host >= m->r[i][1] && host < m->r[i][1] + m->r[i][2]) return (int)(m->r[i][0] + host - m->r[i][1]);
    return host;
}

void mon_proc_free(struct mon_proc *p) {
    if (!p) return;
    free(p->exe);
    free(p->program);
    free(p->cmd);
    free(p->comm);
    free(p->socks);
    free(p->too_much);
    free(p);
}

/* "socket:[N]" as the kernel writes it: N, else -1 */
static long long socket_inode(const char *s, size_t n) {
    long long v;
    if (n < 10 || !starts(s, n, "socket:[") || s[n - 1] != ']') return -1;
    for (size_t i = 8; i < n - 1; i++)
        if (s[i] < '0' || s[i] > '9') return -1;
    if (s[8] == '0' && n > 10) return -1;
    return parse_long(s + 8, n - 9, &v) ? v : -1;
}

/* FNV-1a, 64 bits */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

/*
 * A process's command line into p (arguments, flags, evidence). The detectors see every argument: a command line over
 * LOOK_CMDLINE bytes, or over what is left of the look's LOOK_CMDLINES, is P_TOO_MUCH.
 *
 * The evidence (p->cmd, the arguments as Java decodes them joined by NUL, for the JSON and the dedup key) is the whole
 * command line when it fits MON_MAX_CMDLINE bytes, as Java's. When it does not, it is cut: its first bytes (whole
 * characters; no empty argument at the end), then an empty argument (which no read command line has: HostView drops
 * them), then the argument "[cut: N bytes, fnv1a64 H]", N the bytes of the whole joined command line and H the
 * FNV-1a-64 of them, 16 hex digits. Threat.dedupKey joins the arguments with spaces, so two different long command
 * lines with the same first bytes do not share a key, here or in the supervisor that reads the JSON (its keys then
 * differ from the Java monitor's own only for command lines over MON_MAX_CMDLINE bytes).
 */
static int read_cmdline(struct mon_proc *p, const char *dir, struct budget *b, char *msg, size_t msglen) {
    char path[MON_PATH], *raw;
    size_t len;
    if (!join(path, sizeof path, dir, "cmdline")) return P_GONE;
    int r = slurp(path, LOOK_CMDLINE, &raw, &len);
    if (r == -EACCES) {
        snprintf(msg, msglen, "%s", path);
        return P_DENIED;
    }
    if (r == -EFBIG) {
        snprintf(msg, msglen, MON_TOO_MUCH "the command line of pid %d is over %d bytes", p->pid, LOOK_CMDLINE);
        return P_TOO_MUCH;
    }
    if (r == -ENOMEM) return P_NOMEM;
    if (r < 0) return P_GONE;
    if (len > b->cmd) {
        free(raw);
        snprintf(msg, msglen, MON_TOO_MUCH "the command lines of the container are over %d bytes (at pid %d)", LOOK_CMDLINES, p->pid);
        return P_TOO_MUCH;
    }
    b->cmd -= len;
    p->cmd = malloc(MON_MAX_CMDLINE);
    if (!p->cmd) {
        free(raw);
        return P_NOMEM;
    }
    uint64_t hash = FNV_OFFSET;
    size_t total = 0; /* bytes of the whole joined command line */
    for (size_t at = 0; at < len;) {
        char *nul = memchr(raw + at, 0, len - at);
        size_t al = nul ? (size_t)(nul - (raw + at)) : len - at;
        if (al > 0) {
            size_t n;
            char *a = jstr(raw + at, al, &n);
            if (!a) {
                free(raw);
                return P_NOMEM;
            }
            int term = has_terminator(a, n);
            if (p->nargs > 0) {
                if (in_set(a, NETCAT_FLAGS, sizeof NETCAT_FLAGS / sizeof *NETCAT_FLAGS) || is_socat_exec(a, n, term)) p->flags |= F_NC_EXEC;
                p->flags |= path_flags(a, n, p->pid, p->tgid, term);
                if ((a[0] != '-' || utf16_len(a, n) > 2) && a[0] != '/' && is_secret(a, n, term)) p->flags |= F_SECRET;
            }
            if (memmem(a, n, "/dev/tcp/", 9) || memmem(a, n, "/dev/udp/", 9)) p->flags |= F_DEVNET;
            if (p->nargs < 2) {
                const char *slash = memrchr(a, '/', n);
                const char *base = slash ? slash + 1 : a;
                for (int t = 0; t < 3; t++)
                    if (strcmp(base, TOOLS[t]) == 0) p->flags |= F_ISTOOL0 << t;
            }
            if (p->nargs == 0 && !p->program) {
                /* argv[0], kept in program until exe is known */
                p->program = strndup(a, n);
                if (!p->program) {
                    free(a);
                    free(raw);
                    return P_NOMEM;
                }
            }
            /* the joined command line: hashed whole, its first MON_MAX_CMDLINE bytes kept */
            for (int part = p->nargs > 0 ? 0 : 1; part < 2; part++) {
                const char *src = part ? a : "";
                size_t sl = part ? n : 1;
                hash = fnv1a(hash, src, sl);
                total += sl;
                size_t room = MON_MAX_CMDLINE - p->cmdlen, take = sl < room ? sl : room;
                memcpy(p->cmd + p->cmdlen, src, take);
                p->cmdlen += take;
            }
            p->nargs++;
            free(a);
        }
        at += al + 1;
    }
    free(raw);
    if (total > MON_MAX_CMDLINE) {
        char mark[64];
        int ml = snprintf(mark, sizeof mark, "[cut: %zu bytes, fnv1a64 %016llx]", total, (unsigned long long)hash);
        size_t keep = MON_MAX_CMDLINE - 2 - (size_t)ml;
        while (keep > 0 && ((unsigned char)p->cmd[keep] & 0xC0) == 0x80) keep--;
        while (keep > 0 && p->cmd[keep - 1] == 0) keep--;
        p->cmd[keep++] = 0;
        p->cmd[keep++] = 0;
        memcpy(p->cmd + keep, mark, (size_t)ml);
        p->cmdlen = keep + (size_t)ml;
    }
    /* a look keeps only what the command line takes */
    char *fit = realloc(p->cmd, p->cmdlen ? p->cmdlen : 1);
    if (fit) p->cmd = fit;
    return P_OK;
}

/* A small file of the process (whole), or P_GONE / P_DENIED / P_TOO_MUCH / P_NOMEM. */
static int read_small(const char *dir, int pid, const char *name, char **text, size_t *len, char *msg, size_t msglen) {
    char path[MON_PATH];
    if (!join(path, sizeof path, dir, name)) return P_GONE;
    int r = slurp(path, LOOK_SMALL, text, len);
    if (r == -EACCES) {
        snprintf(msg, msglen, "%s", path);
        return P_DENIED;
    }
    if (r == -EFBIG) {
        snprintf(msg, msglen, MON_TOO_MUCH "the %s of pid %d is over %d bytes", name, pid, LOOK_SMALL);
        return P_TOO_MUCH;
    }
    if (r == -ENOMEM) return P_NOMEM;
    return r < 0 ? P_GONE : P_OK;
}

/*
 * A link (exe, cwd, fd/N) whose target the kernel cannot give (ENAMETOOLONG: a path over PATH_MAX, which the agent
 * makes by nesting folders) or that fills MON_PATH. HostView skips such a process as gone (Files.readSymbolicLink
 * throws), and so would this look: it is too much instead, never a process left out silently.
 */
static int link_too_long(int pid, char *msg, size_t msglen) {
    snprintf(msg, msglen, MON_TOO_MUCH "a link of pid %d has a target too long to read (PATH_MAX)", pid);
    return P_TOO_MUCH;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The tids listed in DIR/task (numbers only), sorted, malloc'd into *out; how many, -1 when the folder cannot be read. */
static int list_tids(const char *dir, int **out) {
    char path[MON_PATH];
    *out = NULL;
    if (!join(path, sizeof path, dir, "task")) return -1;
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0, cap = 0, *tids = NULL;
    struct dirent *e;
    for (;;) {
        errno = 0;
        if ((e = readdir(d)) == NULL) break;
        int tid;
        if (!parse_int(e->d_name, strlen(e->d_name), &tid)) continue;
        if (n == cap) {
            int grown = cap ? cap * 2 : 16;
            int *g = realloc(tids, (size_t)grown * sizeof *g);
            if (!g) break;
            tids = g;
            cap = grown;
        }
        tids[n++] = tid;
    }
    int failed = errno != 0 || e != NULL;
    closedir(d);
    if (failed) {
        free(tids);
        return -1;
    }
    if (n > 1) qsort(tids, (size_t)n, sizeof *tids, cmp_int);
    *out = tids;
    return n;
}

/*
 * HostView.liveThread: where a process whose leader is a zombie is read, into live (MON_PATH bytes): DIR/task/TID of
 * its first live thread (lowest tid other than pid whose stat's state, two bytes after its last ')', is not Z or X),
 * else DIR itself. A main thread that ended (pthread_exit) while others run leaves DIR with an empty command line, no
 * exe or cwd and no descriptors; its threads show them.
 */
static void live_thread(const char *dir, int pid, char *live) {
    int *tids;
    int n = list_tids(dir, &tids);
    snprintf(live, MON_PATH, "%s", dir);
    for (int i = 0; i < n; i++) {
        char thread[MON_PATH], path[MON_PATH], *stat;
        size_t len;
        if (tids[i] == pid) continue;
        if (snprintf(thread, sizeof thread, "%s/task/%d", dir, tids[i]) >= (int)sizeof thread) continue;
        if (!join(path, sizeof path, thread, "stat") || slurp(path, LOOK_SMALL, &stat, &len) < 0) continue;
        const char *close = memrchr(stat, ')', len);
        char state = close && (size_t)(close - stat) + 2 < len ? close[2] : 0;
        free(stat);
        if (state && state != 'Z' && state != 'X') {
            memcpy(live, thread, strlen(thread) + 1);
            break;
        }
    }
    free(tids);
}

/*
 * num_threads of a /proc/PID/stat text (HostView's statFields()[17]): 1 for a stat without the field, -1 for one
 * without a command or whose field is no number.
 */
static long long num_threads(const char *stat, size_t len) {
    const char *close = memrchr(stat, ')', len);
    if (!close || (size_t)(close - stat) + 2 > len) return -1;
    const char *f = close + 2;
    size_t n = len - (size_t)(f - stat);
    trim(&f, &n);
    /* split(" "): field 17 lies after the 17th space */
    size_t at = 0;
    int field = 0;
    while (field < 17 && at < n) {
        if (f[at++] == ' ') field++;
    }
    if (field < 17) return 1;
    size_t end = at;
    while (end < n && f[end] != ' ') end++;
    long long v;
    return parse_long(f + at, end - at, &v) ? v : -1;
}

/*
 * The descriptors of DIR/fd into p (flags, stdio, socket inodes), *count of them when count is not NULL: P_OK, P_GONE
 * (a readdir error is the process going, as Java's DirectoryIteratorException), P_DENIED with the path in msg,
 * P_TOO_MUCH with msg, or P_NOMEM.
 */
static int read_fds(struct mon_proc *p, const char *dir, struct budget *b, int *count, char *msg, size_t msglen) {
    char fddir[MON_PATH], path[MON_PATH], target[MON_PATH];
    int pid = p->pid, r = P_OK, capsocks = p->nsocks;
    if (count) *count = 0;
    if (!join(fddir, sizeof fddir, dir, "fd")) return P_GONE;
    DIR *d = opendir(fddir);
    if (!d) {
        if (errno == EACCES) {
            snprintf(msg, msglen, "%s", fddir);
            return P_DENIED;
        }
        return P_GONE;
    }
    struct dirent *e;
    for (;;) {
        errno = 0;
        if ((e = readdir(d)) == NULL) {
            if (errno != 0) r = errno == ENOMEM ? P_NOMEM : P_GONE;
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        int fd;
        if (!parse_int(e->d_name, strlen(e->d_name), &fd)) {
            r = P_GONE;
            break;
        }
        if (b->fds <= 0) {
            if (b->exec)
                snprintf(msg, msglen, MON_TOO_MUCH "pid %d has more than %d descriptors at its exec", pid, LOOK_EXEC_FDS);
            else
                snprintf(msg, msglen, MON_TOO_MUCH "the container's processes have more than %d descriptors (at pid %d)", LOOK_FDS, pid);
            r = P_TOO_MUCH;
            break;
        }
        b->fds--;
        /* relative to the folder: one path walk per process, not one per descriptor */
        ssize_t l = read_link_at(dirfd(d), e->d_name, target, sizeof target);
        if (l == -ENOENT) continue;
        if (l == -EACCES) {
            if (!join(path, sizeof path, fddir, e->d_name)) path[0] = 0;
            snprintf(msg, msglen, "%s", path);
            r = P_DENIED;
            break;
        }
        if (l == -EFBIG || l == -ENAMETOOLONG) {
            r = link_too_long(pid, msg, msglen);
            break;
        }
        if (l < 0) {
            r = P_GONE;
            break;
        }
        size_t n;
        char *t = jstr(target, (size_t)l, &n);
        if (!t) {
            r = P_NOMEM;
            break;
        }
        p->flags |= path_flags(t, n, pid, p->tgid, has_terminator(t, n));
        if (count) (*count)++;
        long long inode = socket_inode(t, n);
        free(t);
        if (inode < 0) continue;
        if (fd >= 0 && fd <= 2) p->stdio[fd] = inode;
        if (p->nsocks == capsocks) {
            int grown = capsocks ? capsocks * 2 : 8;
            long long *s = realloc(p->socks, (size_t)grown * sizeof *s);
            if (!s) {
                r = P_NOMEM;
                break;
            }
            p->socks = s;
            capsocks = grown;
        }
        p->socks[p->nsocks++] = inode;
    }
    closedir(d);
    return r;
}

/*
 * HostView.process(pid, uids): P_OK with *out, P_GONE, P_DENIED with the path not readable in msg, P_TOO_MUCH with
 * msg, or P_NOMEM.
 */
static int read_proc(const char *proc_root, int pid, const struct uidmap *uids, struct budget *b, struct mon_proc **out, char *msg,
                     size_t msglen) {
    char dir[MON_PATH], name[16], path[MON_PATH];
    char *text = NULL, *comm = NULL, live[MON_PATH];
    size_t len;
    int r, zombie = 0;
    snprintf(name, sizeof name, "%d", pid);
    if (!join(dir, sizeof dir, proc_root, name)) return P_GONE;
    struct mon_proc *p = calloc(1, sizeof *p);
    if (!p) return P_NOMEM;
    p->pid = p->tgid = pid;
    p->stdio[0] = p->stdio[1] = p->stdio[2] = -1;

    /* stat: comm between the first '(' and the last ')', ppid the second field after it */
    if ((r = read_small(dir, pid, "stat", &text, &len, msg, msglen)) != P_OK) goto fail;
    {
        size_t n;
        char *stat = jstr(text, len, &n);
        free(text);
        text = stat;
        if (!stat) goto nomem;
        char *open = memchr(stat, '(', n), *close = memrchr(stat, ')', n);
        if (!close) goto gone;
        char *from = open ? open + 1 : stat;
        if (from > close) goto gone;
        comm = strndup(from, (size_t)(close - from));
        if (!comm) goto nomem;
        if ((size_t)(close - stat) + 2 > n) goto gone;
        char *rest = close + 2, *end = stat + n;
        char *sp = memchr(rest, ' ', (size_t)(end - rest));
        if (!sp) goto gone;
        zombie = sp - rest == 1 && rest[0] == 'Z';
        char *f1 = sp + 1, *sp2 = memchr(f1, ' ', (size_t)(end - f1));
        if (!parse_int(f1, sp2 ? (size_t)(sp2 - f1) : (size_t)(end - f1), &p->ppid)) goto gone;
        p->threads = num_threads(stat, n);
        if (p->threads < 0) goto gone;
        free(text);
        text = NULL;
    }
    /* status: the last Uid: line's first figure, mapped */
    p->uid = -1;
    if ((r = read_small(dir, pid, "status", &text, &len, msg, msglen)) != P_OK) goto fail;
    for (char *line = text, *end = text + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
        if (starts(line, ll, "Uid:")) {
            /* split("\\s+")[1] */
            size_t i = 0;
            while (i < ll && !java_space(line[i])) i++;
            while (i < ll && java_space(line[i])) i++;
            if (i >= ll) goto gone;
            size_t j = i;
            while (j < ll && !java_space(line[j])) j++;
            int host;
            if (!parse_int(line + i, j - i, &host)) goto gone;
            p->uid = uid_inside(uids, host);
        }
        line = nl ? nl + 1 : end;
    }
    free(text);
    text = NULL;
    /* cmdline, exe, cwd and fd/ of a live thread when the leader is a zombie (io is the whole process's already) */
    if (zombie) live_thread(dir, pid, live);
    else memcpy(live, dir, strlen(dir) + 1);
    p->first = pid;
    if (strcmp(live, dir) != 0 && !parse_int(strrchr(live, '/') + 1, strlen(strrchr(live, '/') + 1), &p->first)) goto gone;
    if ((r = read_cmdline(p, live, b, msg, msglen)) != P_OK) goto fail;
    /* io */
    if ((r = read_small(dir, pid, "io", &text, &len, msg, msglen)) != P_OK) goto fail;
    for (char *line = text, *end = text + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
        for (int w = 0; w < 2; w++) {
            if (!starts(line, ll, w ? "wchar:" : "rchar:")) continue;
            const char *v = line + 6;
            size_t vn = ll - 6;
            trim(&v, &vn);
            if (!parse_long(v, vn, w ? &p->wchar : &p->rchar)) goto gone;
        }
        line = nl ? nl + 1 : end;
    }
    free(text);
    text = NULL;
    /* exe, cwd */
    {
        char target[MON_PATH];
        for (int w = 0; w < 2; w++) {
            if (!join(path, sizeof path, live, w ? "cwd" : "exe")) goto gone;
            ssize_t l = read_link(path, target, sizeof target);
            if (l == -EACCES) {
                snprintf(msg, msglen, "%s", path);
                r = P_DENIED;
                goto fail;
            }
            if (l == -ENOENT) continue;
            if (l == -EFBIG || l == -ENAMETOOLONG) {
                r = link_too_long(pid, msg, msglen);
                goto fail;
            }
            if (l < 0) goto gone;
            if (w == 0 && !(p->exe = jstr(target, (size_t)l, NULL))) goto nomem;
        }
    }
    /* fd/: every target is read */
    if ((r = read_fds(p, live, b, NULL, msg, msglen)) != P_OK) goto fail;
    /*
     * Proc.program(): exe's file name unless it is a memfd's, else argv[0]'s, else comm's; " (deleted)" off (whole: the
     * detectors compare it)
     */
    {
        const char *exe_slash = p->exe ? strrchr(p->exe, '/') : NULL;
        int memfd = p->exe && strncmp(exe_slash ? exe_slash + 1 : p->exe, "memfd:", 6) == 0;
        const char *path0 = p->exe && *p->exe && !memfd ? p->exe : p->nargs > 0 && p->program ? p->program : comm;
        const char *slash = strrchr(path0, '/');
        const char *base = slash ? slash + 1 : path0;
        size_t bl = strlen(base);
        if (ends(base, bl, " (deleted)")) bl -= 10;
        char *program = strndup(base, bl);
        if (!program) goto nomem;
        free(p->program);
        p->program = program;
    }
    p->comm = comm;
    *out = p;
    return P_OK;
nomem:
    r = P_NOMEM;
    goto fail;
gone:
    r = P_GONE;
fail:
    free(text);
    free(comm);
    mon_proc_free(p);
    return r;
}

/*
 * HostView.process(pid): NULL when gone or without a command line. A process that cannot be read whole within
 * the bounds (its command line, LOOK_EXEC_FDS descriptors, its uid_map, ...) or for want of memory comes back
 * marked: mon_look_add_execs then marks the look, and mon_detect_look fails on it (-1), since what the
 * detectors would see of it is not all Java sees.
 */
struct mon_proc *mon_proc_read(const char *proc_root, int pid) {
    struct uidmap *uids = malloc(sizeof *uids);
    struct mon_proc *p = NULL;
    char msg[MON_PATH];
    int r = P_NOMEM;
    if (uids) {
        r = read_uidmap(proc_root, pid, uids, msg, sizeof msg);
        if (r == P_OK) {
            struct budget b = {LOOK_EXEC_FDS, LOOK_CMDLINE, 1};
            r = read_proc(proc_root, pid, uids, &b, &p, msg, sizeof msg);
        }
        free(uids);
    }
    if (r == P_OK) {
        if (p->nargs > 0) return p;
        mon_proc_free(p);
        return NULL;
    }
    if (r != P_TOO_MUCH && r != P_NOMEM) return NULL;
    p = calloc(1, sizeof *p);
    if (!p) return NULL; /* nothing left to say it with */
    p->pid = pid;
    p->marked = 1;
    p->too_much = r == P_TOO_MUCH ? strdup(msg) : NULL;
    return p;
}

int mon_payload_of(const char *proc_root, int pid, char *buf, size_t n) {
    char path[MON_PATH], name[32], *text;
    size_t len;
    snprintf(name, sizeof name, "%d/cgroup", pid);
    /* the first "/lxc.payload." is in the first line (its path's first name): a longer file's first bytes do */
    if (!join(path, sizeof path, proc_root, name) || slurp_any(path, LOOK_SMALL, 1, &text, &len) < 0) return 0;
    const char *at = memmem(text, len, "/lxc.payload.", 13);
    int found = 0;
    if (at) {
        const char *from = at + 1, *end = from, *stop = text + len;
        while (end < stop && *end != '/' && *end != '\n') end++;
        size_t l = (size_t)(end - from);
        if (l < n && memchr(from, 0, l) == NULL) {
            memcpy(buf, from, l);
            buf[l] = 0;
            found = 1;
        }
    }
    free(text);
    return found;
}

/* ---------------------------------------------------------------- cgroups */

/* The look's pids in their order, and a hash set of them (a fork bomb's thousands are listed often). */
static int pid_slot(const struct mon_look *look, int pid) {
    unsigned mask = (unsigned)look->pidset_cap - 1, h = ((unsigned)pid * 2654435761u) & mask;
    while (look->pidset[h] != 0 && look->pidset[h] != pid) h = (h + 1) & mask;
    return (int)h;
}

static int has_pid(const struct mon_look *look, int pid) {
    return pid != 0 && look->pidset_cap > 0 && look->pidset[pid_slot(look, pid)] == pid;
}

/* 0, -ENOMEM, or -E2BIG when the look would list more than LOOK_PIDS pids */
static int add_pid(struct mon_look *look, int *cap, int pid) {
    if (pid == 0) return 0; /* the kernel lists no pid 0; 0 marks a free slot */
    if ((look->npids + 1) * 2 > look->pidset_cap) {
        int grown = look->pidset_cap ? look->pidset_cap * 2 : 256;
        int *set = calloc((size_t)grown, sizeof *set);
        if (!set) return -ENOMEM;
        free(look->pidset);
        look->pidset = set;
        look->pidset_cap = grown;
        for (int i = 0; i < look->npids; i++) look->pidset[pid_slot(look, look->pids[i])] = look->pids[i];
    }
    int slot = pid_slot(look, pid);
    if (look->pidset[slot] == pid) return 0;
    if (look->npids == LOOK_PIDS) return -E2BIG;
    if (look->npids == *cap) {
        int grown = *cap ? *cap * 2 : 64;
        int *p = realloc(look->pids, (size_t)grown * sizeof *p);
        if (!p) return -ENOMEM;
        look->pids = p;
        *cap = grown;
    }
    look->pidset[slot] = pid;
    look->pids[look->npids++] = pid;
    return 0;
}

/* readProcs: 0, -EFBIG (over LOOK_LIST bytes), -E2BIG (over LOOK_PIDS pids), -ENOMEM, -errno when the file cannot be read */
static int read_procs(struct mon_look *look, int *cap, const char *dir) {
    char path[MON_PATH], *text;
    size_t len;
    if (!join(path, sizeof path, dir, "cgroup.procs")) return -ENAMETOOLONG;
    int r = slurp(path, LOOK_LIST, &text, &len);
    if (r < 0) return r;
    for (char *line = text, *end = text + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *s = line;
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        trim(&s, &n);
        int pid;
        if (n > 0 && parse_int(s, n, &pid) && (r = add_pid(look, cap, pid)) < 0) {
            free(text);
            return r;
        }
        line = nl ? nl + 1 : end;
    }
    free(text);
    return 0;
}

/* The walk of a look's cgroups: how many were walked, and why it failed. */
struct walk {
    int cgroups;
    const char *container;
    char *err;
    size_t errlen;
};

/*
 * A cgroup that cannot be read for another reason than its going away (HostView.tree reports it): what runs there would
 * be out of sight; -1.
 */
static int unreadable(struct walk *w, int err, const char *path) {
    snprintf(w->err, w->errlen, MON_TOO_MUCH "a cgroup of %s cannot be read (%s): %s", w->container, strerror(err), path);
    return -1;
}

/* A read_procs error that fails the look (the others are a subgroup gone meanwhile, skipped as Java skips it): -1 with err. */
static int procs_failed(struct walk *w, const char *dir, int r) {
    if (r == -EFBIG)
        snprintf(w->err, w->errlen, MON_TOO_MUCH "a cgroup.procs of %s is over %d bytes: %s/cgroup.procs", w->container, LOOK_LIST, dir);
    else if (r == -E2BIG)
        snprintf(w->err, w->errlen, MON_TOO_MUCH "the cgroups of %s list more than %d processes", w->container, LOOK_PIDS);
    else if (r == -ENOMEM)
        snprintf(w->err, w->errlen, "cannot observe %s: out of memory", w->container);
    else if (r != -ENOENT && r != -ENODEV)
        return unreadable(w, -r, dir);
    else
        return 0;
    return -1;
}

/*
 * HostView.collect: each subgroup (a directory, links followed) whose cgroup.procs can be read, then its own subgroups;
 * one that cannot is skipped with what is under it. The names of a folder are listed before going down (readdir order,
 * as Java's directory stream gives them), so that only one folder is open at a time whatever the depth; path is
 * the folder's, extended in place, MON_PATH bytes. 0, or -1 with w->err: a subgroup that may be a folder but whose
 * path (or its cgroup.procs's) does not fit MON_PATH (Java cannot open it either: the agent can nest its cgroups that
 * deep and move processes there, so that neither monitor would see them), more than LOOK_CGROUPS subgroups, nesting
 * deeper than LOOK_DEPTH, a cgroup.procs over its bounds, or out of memory.
 */
static int collect(struct mon_look *look, int *cap, char *path, size_t len, int depth, struct walk *w) {
    if (depth >= LOOK_DEPTH) {
        snprintf(w->err, w->errlen, MON_TOO_MUCH "the cgroups of %s nest deeper than %d", w->container, LOOK_DEPTH);
        return -1;
    }
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT || errno == ENODEV) return 0; /* gone meanwhile */
        return unreadable(w, errno, path);
    }
    char **names = NULL;
    size_t n = 0, capnames = 0;
    struct dirent *e;
    int r = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        size_t l = strlen(e->d_name);
        if (len + 1 + l + sizeof "/cgroup.procs" > MON_PATH) {
            /* a file is not walked (cgroupfs says DT_REG); anything that may be a folder is */
            if (e->d_type == DT_REG) continue;
            snprintf(w->err, w->errlen, MON_TOO_MUCH "a cgroup of %s has a path over %d bytes", w->container, MON_PATH - 1);
            r = -1;
            break;
        }
        if (n == capnames) {
            size_t grown = capnames ? capnames * 2 : 16;
            char **g = realloc(names, grown * sizeof *g);
            if (!g) {
                r = -1;
                break;
            }
            names = g;
            capnames = grown;
        }
        if (!(names[n] = strdup(e->d_name))) {
            r = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (r < 0 && !w->err[0]) snprintf(w->err, w->errlen, "cannot observe %s: out of memory", w->container);
    struct stat st;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (r == 0) {
            path[len] = '/';
            memcpy(path + len + 1, names[i], l + 1);
            int statted = stat(path, &st);
            if (statted < 0 && errno != ENOENT && errno != ENODEV) {
                r = unreadable(w, errno, path);
            } else if (statted == 0 && S_ISDIR(st.st_mode)) {
                int p = read_procs(look, cap, path);
                if (p < 0) {
                    r = procs_failed(w, path, p);
                } else if (++w->cgroups > LOOK_CGROUPS) {
                    snprintf(w->err, w->errlen, MON_TOO_MUCH "%s has more than %d cgroups", w->container, LOOK_CGROUPS);
                    r = -1;
                } else {
                    r = collect(look, cap, path, len + 1 + l, depth + 1, w);
                }
            }
            path[len] = 0;
        }
        free(names[i]);
    }
    free(names);
    return r;
}

/* HostView.walk: the cgroup's processes, then its subgroups' (collect); 0, or -1 with w->err */
static int walk_cgroup(struct mon_look *look, int *cap, char *cgroup, struct walk *w) {
    int r = read_procs(look, cap, cgroup);
    if (r < 0) {
        if (!procs_failed(w, cgroup, r)) {
            char path[MON_PATH];
            if (!join(path, sizeof path, cgroup, "cgroup.procs")) path[0] = 0;
            snprintf(w->err, w->errlen, "cannot read the processes of %s: %s", cgroup, r == -ENOENT || r == -EACCES ? path : strerror(-r));
        }
        return -1;
    }
    w->cgroups = 0;
    return collect(look, cap, cgroup, strlen(cgroup), 0, w);
}

/*
 * HostView.unaccounted: whether the walk found every task that the cgroup's hierarchical pids.current counts. Root inside
 * sees the host open each cgroup.procs (inotify) and can move a process from a subgroup not read yet into one read
 * already, so that a walk misses it. A walk that falls short is done once more, then PROC_ROOT is scanned for the
 * processes whose /proc/PID/cgroup places them under the cgroup, and they are added. Tasks, not processes
 * (pids.current counts threads; a zombie leader with live threads counts until the last ends): num_threads. A walk is
 * whole only when its tasks equal pids.current read before it and after them (exact); the scan's are compared with
 * the least pids.current read so far, the scan done again up to LOOK_SCANS times while they fall short. What is
 * still short is look->unaccounted: the watch hands the container back when that lasts (monitor.c), as the
 * supervisor's guard raises it then.
 */
#define NO_COUNT (-1LL)
#define UNREADABLE (-2LL)

/* HostView.counted: the cgroup's pids.current, NO_COUNT when it has none, UNREADABLE */
static long long counted(const char *cgroup) {
    char path[MON_PATH], *text;
    size_t len;
    if (!join(path, sizeof path, cgroup, "pids.current")) return UNREADABLE;
    int r = slurp(path, LOOK_SMALL, &text, &len);
    if (r == -ENOENT) return NO_COUNT;
    if (r < 0) return UNREADABLE;
    const char *s = text;
    size_t n = len;
    trim(&s, &n);
    long long v;
    int ok = parse_long(s, n, &v);
    free(text);
    return ok ? v : UNREADABLE;
}

/* HostView.tasks: num_threads (the 20th field of its stat), 0 once it is gone, 1 for a stat without the field */
static long long tasks_of(const char *proc_root, int pid) {
    char path[MON_PATH], name[32], *stat;
    size_t len;
    snprintf(name, sizeof name, "%d/stat", pid);
    if (!join(path, sizeof path, proc_root, name) || slurp(path, LOOK_SMALL, &stat, &len) < 0) return 0;
    long long v = num_threads(stat, len);
    free(stat);
    return v < 0 ? 0 : v;
}

/* HostView.tasks: the tasks of the look's processes, read now */
static long long tasks_sum(const struct mon_look *look, const char *proc_root) {
    long long tasks = 0;
    for (int i = 0; i < look->npids; i++) tasks += tasks_of(proc_root, look->pids[i]);
    return tasks;
}

/* HostView.exact: a walk's tasks equal pids.current read before it and after them, with no change between */
static int exact(long long before, long long tasks, long long after) {
    return before == after && tasks == after;
}

/* HostView.Hierarchy.line: the path on the first line for the pids controller (v1) or of v2 ("0::"); 0 when there is none */
static int cgroup_line(const char *text, size_t len, int v1pids, const char **path, size_t *pathlen) {
    for (const char *line = text, *end = text + len; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
        const char *a = memchr(line, ':', ll), *b = a ? memchr(a + 1, ':', ll - (size_t)(a + 1 - line)) : NULL;
        if (b) {
            int mine = 0;
            if (v1pids) {
                for (const char *c = a + 1; c <= b && !mine;) {
                    const char *comma = memchr(c, ',', (size_t)(b - c));
                    const char *stop = comma ? comma : b;
                    mine = stop - c == 4 && memcmp(c, "pids", 4) == 0;
                    c = stop + 1;
                }
            } else {
                mine = a - line == 1 && line[0] == '0' && b == a + 1;
            }
            if (mine) {
                *path = b + 1;
                *pathlen = ll - (size_t)(b + 1 - line);
                return 1;
            }
        }
        line = nl ? nl + 1 : end;
    }
    return 0;
}

static int under(const char *at, size_t al, const char *path) {
    size_t pl = strlen(path);
    return al >= pl && memcmp(at, path, pl) == 0 && (al == pl || at[pl] == '/');
}

/*
 * HostView.Hierarchy.holds: whether a /proc/PID/cgroup places its process in the cgroup path or below it; on v1 an
 * exiting task (a zombie, a leader ended before its threads) shows in the root ("/"), and the v2 line of a hybrid host
 * tells where it was.
 */
static int holds(const char *text, size_t len, int v1pids, const char *path) {
    const char *at, *unified;
    size_t al, ul;
    if (!cgroup_line(text, len, v1pids, &at, &al)) return 0;
    if (under(at, al, path)) return 1;
    return v1pids && al == 1 && at[0] == '/' && cgroup_line(text, len, 0, &unified, &ul) && under(unified, ul, path);
}

/* HostView.scan: the pids under the cgroup by their /proc/PID/cgroup, added in pid order; their tasks in *tasks. 0, or -1 with w->err. */
static int scan_proc(struct mon_look *look, int *cap, const char *proc_root, int v1pids, const char *path, long long *tasks, struct walk *w) {
    DIR *d = opendir(proc_root);
    if (!d) {
        snprintf(w->err, w->errlen, "cannot scan %s for the processes of %s: %s", proc_root, w->container, strerror(errno));
        return -1;
    }
    int *found = NULL, n = 0, capfound = 0, r = 0;
    *tasks = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l == 0 || l > 9 || strspn(e->d_name, "0123456789") != l) continue;
        int pid = atoi(e->d_name);
        char file[MON_PATH], name[32], *text;
        size_t len;
        snprintf(name, sizeof name, "%s/cgroup", e->d_name);
        if (!join(file, sizeof file, proc_root, name) || slurp(file, LOOK_LIST, &text, &len) < 0) continue;
        int in = holds(text, len, v1pids, path);
        free(text);
        if (!in) continue;
        if (n == capfound) {
            int grown = capfound ? capfound * 2 : 64;
            int *g = realloc(found, (size_t)grown * sizeof *g);
            if (!g) {
                r = -ENOMEM;
                break;
            }
            found = g;
            capfound = grown;
        }
        found[n++] = pid;
        *tasks += tasks_of(proc_root, pid);
    }
    closedir(d);
    if (n > 1) qsort(found, (size_t)n, sizeof *found, cmp_int);
    for (int i = 0; i < n && r == 0; i++) r = add_pid(look, cap, found[i]);
    free(found);
    if (r < 0) return procs_failed(w, proc_root, r) < 0 ? -1 : 0;
    return 0;
}

static long long lesser(long long a, long long b) {
    return a < b ? a : b;
}

/* HostView.unaccounted, before: pids.current read before the first walk. 0 (look->unaccounted set), or -1 with w->err. */
static int accounted(struct mon_look *look, int *cap, const char *proc_root, char *cgroup, int v1pids, const char *payload, long long before,
                     struct walk *w) {
    long long tasks = tasks_sum(look, proc_root), after = counted(cgroup);
    look->unaccounted = 0;
    if (before == UNREADABLE || after == UNREADABLE) {
        snprintf(w->err, w->errlen, MON_TOO_MUCH "the pids.current of %s cannot be read: the tasks its walk left out are not known", w->container);
        return -1;
    }
    if (before == NO_COUNT || after == NO_COUNT || exact(before, tasks, after)) return 0;
    long long least = lesser(before, after);
    before = counted(cgroup);
    if (walk_cgroup(look, cap, cgroup, w) < 0) return -1;
    tasks = tasks_sum(look, proc_root);
    after = counted(cgroup);
    if (before < 0 || after < 0 || exact(before, tasks, after)) return 0;
    least = lesser(least, lesser(before, after));
    char path[MON_PATH];
    if (snprintf(path, sizeof path, "/%s", payload) >= (int)sizeof path) return 0;
    for (int scans = 1;; scans++) {
        before = counted(cgroup);
        if (scan_proc(look, cap, proc_root, v1pids, path, &tasks, w) < 0) return -1;
        after = counted(cgroup);
        if (before < 0 || after < 0) return 0;
        least = lesser(least, lesser(before, after));
        if (tasks >= least) return 0;
        if (scans == LOOK_SCANS) {
            look->unaccounted = least - tasks;
            return 0;
        }
    }
}

/* ---------------------------------------------------------------- sockets */

/* HostView.address: the kernel's hex words (host byte order, little-endian) as text; 0 if not an address */
static int address(const char *hex, size_t n, char *out, size_t outlen) {
    unsigned char b[16];
    size_t len = n / 2; /* as Java: an odd last digit is not read */
    if (len != 4 && len != 16) return 0;
    for (size_t word = 0; word < len / 4; word++) {
        for (size_t i = 0; i < 4; i++) {
            const char *h = hex + word * 8 + (3 - i) * 2;
            unsigned v = 0;
            for (int k = 0; k < 2; k++) {
                char c = h[k];
                v <<= 4;
                if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
                else return 0;
            }
            b[word * 4 + i] = (unsigned char)v;
        }
    }
    int k;
    if (len == 4) {
        k = snprintf(out, outlen, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    } else {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, mapped, 12) == 0) {
            k = snprintf(out, outlen, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
        } else {
            /* Inet6Address.getHostAddress, then compress: the longest run of >= 2 zero groups, the first on ties */
            unsigned g[8];
            for (int i = 0; i < 8; i++) g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
            int best = -1, bestlen = 1;
            for (int i = 0; i < 8; i++) {
                int l = 0;
                while (i + l < 8 && g[i + l] == 0) l++;
                if (l > bestlen) {
                    best = i;
                    bestlen = l;
                }
            }
            size_t at = 0;
            out[0] = 0;
            for (int i = 0; i < 8; i++) {
                if (best >= 0 && i == best) {
                    k = snprintf(out + at, outlen - at, "::");
                    if (k < 0 || (size_t)k >= outlen - at) return 0;
                    at += (size_t)k;
                    i += bestlen - 1;
                    continue;
                }
                int sep = i > 0 && !(best >= 0 && i == best + bestlen);
                k = snprintf(out + at, outlen - at, sep ? ":%x" : "%x", g[i]);
                if (k < 0 || (size_t)k >= outlen - at) return 0;
                at += (size_t)k;
            }
            return 1;
        }
    }
    return k > 0 && (size_t)k < outlen;
}

static int hex_int(const char *s, size_t n, int *out) {
    if (n == 0 || n > 7) return 0;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return 0;
    }
    *out = v;
    return 1;
}

/* addr:port -> text and port */
static int endpoint(const char *s, size_t n, char *addr, size_t addrlen, int *port) {
    const char *colon = memchr(s, ':', n);
    if (!colon) return 0;
    size_t hl = (size_t)(colon - s);
    const char *p = colon + 1;
    size_t pl = n - hl - 1;
    const char *colon2 = memchr(p, ':', pl);
    if (colon2) pl = (size_t)(colon2 - p);
    return address(s, hl, addr, addrlen) && hex_int(p, pl, port);
}

/* HostView.parseNet of one table into the look: 0, -E2BIG over LOOK_CONNS sockets, -ENOMEM */
static int parse_net(struct mon_look *look, int *cap, int udp, const char *text, size_t len) {
    const char *line = text, *end = text + len;
    int first = 1;
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *s = line;
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        line = nl ? nl + 1 : end;
        if (first) {
            first = 0;
            continue;
        }
        trim(&s, &n);
        const char *f[10];
        size_t fl[10];
        int k = 0;
        for (size_t i = 0; i < n && k < 10;) {
            size_t j = i;
            while (j < n && !java_space(s[j])) j++;
            f[k] = s + i;
            fl[k++] = j - i;
            while (j < n && java_space(s[j])) j++;
            i = j;
        }
        if (k < 10) continue;
        struct conn c;
        memset(&c, 0, sizeof c);
        c.udp = udp;
        if (!endpoint(f[1], fl[1], c.local, sizeof c.local, &c.lport) || !endpoint(f[2], fl[2], c.remote, sizeof c.remote, &c.rport)
                || !parse_long(f[9], fl[9], &c.inode))
            continue;
        c.state = ST_OTHER;
        if (!udp && equals(f[3], fl[3], "0A")) c.state = ST_LISTEN;
        if (!udp && equals(f[3], fl[3], "06")) c.state = ST_TIME_WAIT;
        if (!udp && equals(f[3], fl[3], "01")) c.state = ST_ESTABLISHED;
        if (look->nconns == LOOK_CONNS) return -E2BIG;
        if (look->nconns == *cap) {
            int grown = *cap ? *cap * 2 : 32;
            struct conn *g = realloc(look->conns, (size_t)grown * sizeof *g);
            if (!g) return -ENOMEM;
            look->conns = g;
            *cap = grown;
        }
        look->conns[look->nconns++] = c;
    }
    return 0;
}

/* HostView.connections: through the first pid that still exists (its net folder is there; a table not there is skipped) */
static int read_connections(struct mon_look *look, const char *proc_root, long init, char *err, size_t errlen) {
    static const char *const tables[4] = {"tcp", "tcp6", "udp", "udp6"};
    int cap = 0;
    /* the container's init first: the first listed pid may be one the agent put in a network namespace of its own */
    for (int i = init > 0 ? -1 : 0; i < look->npids; i++) {
        char net[MON_PATH], name[32], path[MON_PATH];
        struct stat folder;
        snprintf(name, sizeof name, "%ld/net", i < 0 ? init : (long)look->pids[i]);
        if (!join(net, sizeof net, proc_root, name)) continue;
        if (stat(net, &folder) < 0 || !S_ISDIR(folder.st_mode)) continue;
        int next = 0;
        look->nconns = 0;
        for (int t = 0; t < 4 && !next; t++) {
            struct stat st;
            char *text;
            size_t len;
            if (!join(path, sizeof path, net, tables[t]) || stat(path, &st) < 0) continue;
            int r = slurp(path, LOOK_LIST, &text, &len);
            if (r == -ENOENT) {
                next = 1;
                break;
            }
            if (r == -EFBIG) {
                snprintf(err, errlen, MON_TOO_MUCH "a socket table of the container is over %d bytes: %s", LOOK_LIST, path);
                return -1;
            }
            if (r < 0) {
                snprintf(err, errlen, "cannot read the sockets of the container through %s: %s: %s", net, path, strerror(-r));
                return -1;
            }
            r = parse_net(look, &cap, t >= 2, text, len);
            free(text);
            if (r == -E2BIG) {
                snprintf(err, errlen, MON_TOO_MUCH "the container has more than %d sockets (%s)", LOOK_CONNS, net);
                return -1;
            }
            if (r < 0) {
                snprintf(err, errlen, "cannot read the sockets of the container through %s: out of memory", net);
                return -1;
            }
        }
        if (!next) return 0;
    }
    look->nconns = 0;
    return 0;
}

/* ---------------------------------------------------------------- the look */

void mon_look_free(struct mon_look *look) {
    if (!look) return;
    for (int i = 0; i < look->nprocs; i++) mon_proc_free(look->procs[i]);
    free(look->procs);
    free(look->pids);
    free(look->pidset);
    free(look->conns);
    free(look);
}

static int add_proc(struct mon_look *look, struct mon_proc *p) {
    if (look->nprocs == look->capprocs) {
        int grown = look->capprocs ? look->capprocs * 2 : 32;
        struct mon_proc **g = realloc(look->procs, (size_t)grown * sizeof *g);
        if (!g) return -1;
        look->procs = g;
        look->capprocs = grown;
    }
    look->procs[look->nprocs++] = p;
    return 0;
}

enum { V_SHARED, V_SEPARATE, V_GONE };

/* kcmp(a, b, KCMP_FILES): 0 when tasks a and b share a descriptor table, 1 or 2 when not, -errno */
static long kcmp_files(int a, int b) {
    long r = syscall(SYS_kcmp, (pid_t)a, (pid_t)b, KCMP_FILES, 0UL, 0UL);
    return r < 0 ? -errno : r;
}

/*
 * HostView.tablesTold: whether the kernel answers kcmp (asked once: this process's main thread with itself); without
 * it the host's threads' tables are not read, as in Java.
 */
static int kcmp_told(void) {
    static int told = -1;
    if (told < 0) told = kcmp_files(getpid(), getpid()) == 0;
    return told;
}

/*
 * HostView.compare: whether thread tid of the process at DIR holds thread held's table (read at HELD_DIR/fd); V_GONE
 * when either has ended. The kernel tells for the host's /proc (kcmp; not telling: separate); a recorded tree by the two
 * fd folders being one folder.
 */
static int compare(int host, const char *dir, const char *held_dir, int held, int tid) {
    if (host) {
        long r = kcmp_files(held, tid);
        return r == 0 ? V_SHARED : r == -ESRCH ? V_GONE : V_SEPARATE;
    }
    char a[MON_PATH], b[MON_PATH];
    struct stat sa, sb;
    if (!join(a, sizeof a, held_dir, "fd") || snprintf(b, sizeof b, "%s/task/%d/fd", dir, tid) >= (int)sizeof b) return V_SEPARATE;
    if (stat(b, &sb) < 0) return errno == ENOENT ? V_GONE : V_SEPARATE;
    if (stat(a, &sa) < 0) return errno == ENOENT ? V_GONE : V_SEPARATE;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino ? V_SHARED : V_SEPARATE;
}

/* HostView.alive: whether thread tid is still there (the kernel's answer for itself; a recorded tree's fd folder) */
static int alive(int host, const char *dir, int tid) {
    if (host) return kcmp_files(tid, tid) == 0;
    char b[MON_PATH];
    struct stat sb;
    return snprintf(b, sizeof b, "%s/task/%d/fd", dir, tid) < (int)sizeof b && stat(b, &sb) == 0;
}

/*
 * HostView.verdict: whether thread tid holds one of the tables read (held[0]'s at FIRST_DIR/fd, the others' at
 * DIR/task/TID/fd). A held thread that has ended tells nothing: tid is compared with the rest, and read when none of
 * them holds its table.
 */
static int verdict(int host, const char *dir, const char *first_dir, const int *held, int nheld, int tid) {
    char held_dir[MON_PATH];
    for (int h = 0; h < nheld; h++) {
        if (h > 0 && snprintf(held_dir, sizeof held_dir, "%s/task/%d", dir, held[h]) >= (int)sizeof held_dir) continue;
        int v = compare(host, dir, h == 0 ? first_dir : held_dir, held[h], tid);
        if (v == V_SHARED) return v;
        if (v == V_GONE && !alive(host, dir, tid)) return V_GONE;
    }
    return V_SEPARATE;
}

/* An entry for thread tid of p, read from THREAD (its descriptors, p's command line read again where p's was): P_* */
static int read_table(struct mon_look *look, const struct mon_proc *p, int tid, const char *thread, const char *first_dir, struct budget *b,
                      int *count, char *msg, size_t msglen) {
    char path[MON_PATH], target[MON_PATH];
    struct mon_proc *t = calloc(1, sizeof *t);
    if (!t) return P_NOMEM;
    t->pid = tid;
    t->tgid = p->pid;
    t->ppid = p->pid;
    t->uid = p->uid;
    t->first = tid;
    t->stdio[0] = t->stdio[1] = t->stdio[2] = -1;
    int r = read_fds(t, thread, b, count, msg, msglen);
    if (r == P_OK && *count > 0) r = read_cmdline(t, first_dir, b, msg, msglen);
    if (r == P_OK && *count > 0) {
        /* the thread's own folder (CLONE_FS), read as the process's is: a path too long to read is too much */
        ssize_t l = join(path, sizeof path, thread, "cwd") ? read_link(path, target, sizeof target) : -ENOENT;
        if (l == -EACCES) {
            snprintf(msg, msglen, "%s", path);
            r = P_DENIED;
        } else if (l == -EFBIG || l == -ENAMETOOLONG) {
            r = link_too_long(tid, msg, msglen);
        } else if (l < 0 && l != -ENOENT) {
            r = P_GONE;
        }
    }
    if (r == P_OK && *count > 0) {
        free(t->program);
        t->program = NULL;
        if ((p->exe && !(t->exe = strdup(p->exe))) || !(t->program = strdup(p->program)) || (p->comm && !(t->comm = strdup(p->comm)))
            || add_proc(look, t) < 0) r = P_NOMEM;
        else return P_OK;
    }
    mon_proc_free(t);
    return r;
}

/*
 * Whether tid is among seen[0..n), sorted: the threads earlier listings of a look told already (a listing's own tids are
 * distinct; HostView keeps them in a hash set, this a sorted array, so that thousands of threads stay cheap to look up)
 */
static int seen_tid(const int *seen, int n, int tid) {
    return n > 0 && bsearch(&tid, seen, (size_t)n, sizeof *seen, cmp_int) != NULL;
}

/*
 * HostView.untold: after a listing in which threads ended before they were told (or one after such a listing that brought
 * nothing new), whether a thread not seen yet (not in seen[0..n), sorted) holds none of the tables read, or ends before it
 * is told. A table moved from thread to thread, each holder ending, lives on in a thread the look has not seen; threads
 * that merely ended leave none behind.
 */
static int untold(int host, const char *dir, const char *first_dir, const int *held, int nheld, int first, const int *seen, int n) {
    int *tids, other = 0;
    int count = list_tids(dir, &tids);
    for (int i = 0; i < count && !other; i++) {
        if (tids[i] != first && !seen_tid(seen, n, tids[i])) other = verdict(host, dir, first_dir, held, nheld, tids[i]) != V_SHARED;
    }
    free(tids);
    return other;
}

/*
 * HostView.tables: an entry added to the look for each thread of p (read from PROC_ROOT) that holds a descriptor table
 * other than the one read for p, with something in it: the thread's tid, p as its parent, p's uid and program, p's
 * command line read again where p's was (the flags of its arguments are the tid's: another process's environ is told
 * by the pid), the thread's descriptors, no io. The threads are listed again while a listing brings new tables or
 * threads that ended before they were told, LOOK_TABLE_PASSES times at most, only those not seen yet. P_OK, P_DENIED /
 * P_TOO_MUCH with msg, or P_NOMEM; a thread that ends meanwhile is left out. Where HostView leaves the rest unread and
 * says so (more than LOOK_TABLES tables of their own, new ones still coming at the last listing, threads ending untold at
 * it while others not seen yet hold other tables), this look is too much.
 */
static int read_tables(struct mon_look *look, const char *proc_root, const struct mon_proc *p, struct budget *b, char *msg, size_t msglen) {
    char dir[MON_PATH], name[16], thread[MON_PATH], first_dir[MON_PATH];
    int host = strcmp(proc_root, "/proc") == 0;
    if (host && !kcmp_told()) return P_OK;
    snprintf(name, sizeof name, "%d", p->pid);
    if (!join(dir, sizeof dir, proc_root, name)) return P_OK;
    if (p->first == p->pid) snprintf(first_dir, sizeof first_dir, "%s", dir);
    else if (snprintf(first_dir, sizeof first_dir, "%s/task/%d", dir, p->first) >= (int)sizeof first_dir) return P_OK;
    int held[LOOK_TABLES + 1], nheld = 0, r = P_OK, *seen = NULL, nseen = 0, capseen = 0, moved_before = 0;
    held[nheld++] = p->first;
    for (int pass = 1; r == P_OK; pass++) {
        int *tids, moved = 0, found = 0, told = nseen; /* seen[0..told): the earlier listings', sorted */
        int n = list_tids(dir, &tids);
        for (int i = 0; i < n && r == P_OK; i++) {
            int tid = tids[i];
            if (tid == p->first || seen_tid(seen, told, tid)) continue;
            if (nseen == capseen) {
                int grown = capseen ? capseen * 2 : 64;
                int *g = realloc(seen, (size_t)grown * sizeof *g);
                if (!g) {
                    r = P_NOMEM;
                    break;
                }
                seen = g;
                capseen = grown;
            }
            seen[nseen++] = tid;
            int v = verdict(host, dir, first_dir, held, nheld, tid);
            if (v == V_GONE) moved = 1;
            if (v != V_SEPARATE || snprintf(thread, sizeof thread, "%s/task/%d", dir, tid) >= (int)sizeof thread) continue;
            if (nheld == LOOK_TABLES + 1) {
                /* one more of their own, with something in it, would be past HostView's bound */
                int count = 0;
                struct budget none = {LOOK_FDS, 0, 0};
                struct mon_proc probe = {.pid = tid, .stdio = {-1, -1, -1}};
                int pr = read_fds(&probe, thread, &none, &count, msg, msglen);
                free(probe.socks);
                if (pr == P_OK && count == 0) {
                    moved = 1; /* a thread exiting has let its table go: ask again */
                    continue;
                }
                if (pr == P_GONE) {
                    moved = 1;
                    continue;
                }
                if (pr != P_OK) {
                    r = pr;
                    break;
                }
                snprintf(msg, msglen, MON_TOO_MUCH "pid %d has more than %d threads with descriptor tables of their own", p->pid, LOOK_TABLES);
                r = P_TOO_MUCH;
                break;
            }
            int count = 0;
            r = read_table(look, p, tid, thread, first_dir, b, &count, msg, msglen);
            if (r == P_GONE) {
                moved = 1;
                r = P_OK;
            } else if (r == P_OK && count > 0) {
                held[nheld++] = tid;
                found = 1;
            } else if (r == P_OK) {
                moved = 1; /* a thread exiting has let its table go (the kernel then tells it apart from every table): ask again */
            }
        }
        free(tids);
        if (nseen > 1) qsort(seen, (size_t)nseen, sizeof *seen, cmp_int);
        if (r != P_OK) break;
        /* a listing of task/ is not atomic (the newest threads may be missing): after threads ended untold, one more */
        int other = !found && !moved && moved_before && untold(host, dir, first_dir, held, nheld, p->first, seen, nseen);
        if (!found && !moved && !other) break;
        moved_before |= moved;
        if (pass == LOOK_TABLE_PASSES) {
            if (found || other || untold(host, dir, first_dir, held, nheld, p->first, seen, nseen)) {
                snprintf(msg, msglen, MON_TOO_MUCH "pid %d has threads with descriptor tables of their own that come faster than a look reads them",
                         p->pid);
                r = P_TOO_MUCH;
            }
            break;
        }
    }
    free(seen);
    return r;
}

/* A root as Java's Path prints it: no trailing or doubled slashes. */
static void normal_root(const char *in, char *out, size_t n) {
    size_t at = 0;
    for (size_t i = 0; in[i] && at + 1 < n; i++) {
        if (in[i] == '/' && at > 0 && out[at - 1] == '/') continue;
        out[at++] = in[i];
    }
    while (at > 1 && out[at - 1] == '/') at--;
    out[at] = 0;
}

static struct mon_look *look_read(const char *proc_root_in, const char *cgroup_root_in, const char *payload, const char *container,
                                  long init, int count_threshold, char *err, size_t errlen) {
    char proc_root[MON_PATH], cgroup_root[MON_PATH], cgroup[MON_PATH], path[MON_PATH];
    normal_root(proc_root_in, proc_root, sizeof proc_root);
    normal_root(cgroup_root_in, cgroup_root, sizeof cgroup_root);
    /* HostView.cgroupOf */
    static const char *const forms[3] = {"pids/", "", "unified/"};
    int found = 0, v1pids = 0;
    for (int i = 0; i < 3 && !found; i++) {
        struct stat st;
        int k = snprintf(cgroup, sizeof cgroup, "%s/%s%s", cgroup_root, forms[i], payload);
        if (k <= 0 || (size_t)k >= sizeof cgroup || !join(path, sizeof path, cgroup, "cgroup.procs")) continue;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) found = 1, v1pids = i == 0;
    }
    if (!found) {
        snprintf(err, errlen, "cannot observe %s: no cgroup under %s (neither v1 pids/%s nor v2 %s); is the container running?", payload,
                 cgroup_root, payload, payload);
        return NULL;
    }
    struct mon_look *look = calloc(1, sizeof *look);
    if (!look) {
        snprintf(err, errlen, "cannot observe %s: out of memory", container);
        return NULL;
    }
    int cap = 0;
    struct walk walk = {0, container, err, errlen};
    err[0] = 0;
    long long before = counted(cgroup);
    if (walk_cgroup(look, &cap, cgroup, &walk) < 0 || accounted(look, &cap, proc_root, cgroup, v1pids, payload, before, &walk) < 0) {
        mon_look_free(look);
        return NULL;
    }
    if (look->npids == 0 && look->unaccounted > 0) {
        /* no container stopping: its tasks are hidden (HostView.tree gives such a tree, for the guard) */
        snprintf(err, errlen, MON_TOO_MUCH "%s hides every task from its cgroup walk: pids.current counts %lld, walking twice and scanning /proc"
                 " found none", container, look->unaccounted);
        mon_look_free(look);
        return NULL;
    }
    if (look->npids == 0) {
        snprintf(err, errlen, "cannot observe %s: its cgroup %s has no process", container, cgroup);
        mon_look_free(look);
        return NULL;
    }
    if (look->npids > count_threshold) {
        /* HostView.bare: Proc.bare(pid) of each, which no detector of one look answers to (no program, arguments,
           descriptors or sockets), so they are kept as the pid list only */
        look->bare = 1;
        return look;
    }
    /* HostView.detailed */
    if (look->npids > LOOK_PROCS) {
        snprintf(err, errlen, MON_TOO_MUCH "%s has %d processes to read one by one, more than %d", container, look->npids, LOOK_PROCS);
        mon_look_free(look);
        return NULL;
    }
    struct uidmap *uids = malloc(sizeof *uids);
    char msg[MON_PATH];
    int r = uids ? read_uidmap(proc_root, look->pids[0], uids, msg, sizeof msg) : P_NOMEM;
    struct budget budget = {LOOK_FDS, LOOK_CMDLINES, 0};
    for (int i = 0; i < look->npids && r == P_OK; i++) {
        struct mon_proc *p = NULL;
        r = read_proc(proc_root, look->pids[i], uids, &budget, &p, msg, sizeof msg);
        if (r == P_GONE) r = P_OK; /* it ended between the listing and now: skipped as HostView skips it */
        else if (r == P_OK && add_proc(look, p) < 0) {
            mon_proc_free(p);
            r = P_NOMEM;
        } else if (r == P_OK && p->threads > 1) {
            r = read_tables(look, proc_root, p, &budget, msg, sizeof msg);
        }
    }
    free(uids);
    if (r != P_OK) {
        if (r == P_DENIED) not_readable(err, errlen, container, msg);
        else if (r == P_TOO_MUCH) snprintf(err, errlen, "%s", msg);
        else snprintf(err, errlen, "cannot observe %s: out of memory", container);
        mon_look_free(look);
        return NULL;
    }
    if (read_connections(look, proc_root, init, err, errlen) < 0) {
        mon_look_free(look);
        return NULL;
    }
    return look;
}

struct mon_look *mon_look_read(const char *proc_root, const char *cgroup_root, const char *payload, long init, int count_threshold,
                               char *err, size_t errlen) {
    /* the container's name, as the messages give it: the payload without lxc.payload. (a project's keeps its PROJECT_) */
    const char *container = strncmp(payload, "lxc.payload.", 12) == 0 ? payload + 12 : payload;
    return look_read(proc_root, cgroup_root, payload, container, init, count_threshold, err, errlen);
}

long long mon_look_unaccounted(const struct mon_look *look) {
    return look->unaccounted;
}

const char *mon_look_refused(const struct mon_look *look) {
    return look->marked ? look->too_much : NULL;
}

int mon_look_pids(const struct mon_look *look, const int **pids) {
    *pids = look->pids;
    return look->npids;
}

void mon_look_add_execs(struct mon_look *look, struct mon_proc **procs, int n) {
    for (int i = 0; i < n; i++) {
        struct mon_proc *p = procs[i];
        if (!p) continue;
        int seen = look->bare && has_pid(look, p->pid);
        for (int j = 0; j < look->nprocs && !seen; j++) seen = look->procs[j]->pid == p->pid;
        if (seen) {
            mon_proc_free(p);
        } else if (p->marked || add_proc(look, p) < 0) {
            /* one the detectors would not see whole (or at all): they fail on this look */
            if (!look->marked) {
                snprintf(look->too_much, sizeof look->too_much, "%s",
                         p->marked && p->too_much ? p->too_much : "cannot observe the container: out of memory at an exec");
                look->marked = 1;
            }
            mon_proc_free(p);
        }
        procs[i] = NULL;
    }
}

/* ---------------------------------------------------------------- detectors */

/* a copy cut at a UTF-8 boundary */
static void copy_cut(char *dst, size_t n, const char *src) {
    size_t l = strlen(src);
    if (l >= n) {
        l = n - 1;
        while (l > 0 && ((unsigned char)src[l] & 0xC0) == 0x80) l--;
    }
    memcpy(dst, src, l);
    dst[l] = 0;
}

/*
 * snprintf into a title or description (the text whole, however long: a program name is as long as the agent makes
 * it). One longer than dst is cut at a UTF-8 boundary and ends with " [cut: fnv1a64 H]", H the FNV-1a-64 of the
 * whole text as 16 letters a..p (one a nibble: Threat.dedupKey folds the digits of a title), so that two different
 * long titles do not share a dedup key. 0, or -1 out of memory.
 */
__attribute__((format(printf, 3, 4))) static int textf(char *dst, size_t n, const char *fmt, ...) {
    char small[1024], *text = small;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0) return -1;
    if ((size_t)k >= sizeof small) {
        if (!(text = malloc((size_t)k + 1))) return -1;
        va_start(ap, fmt);
        vsnprintf(text, (size_t)k + 1, fmt, ap);
        va_end(ap);
    }
    if ((size_t)k < n) {
        memcpy(dst, text, (size_t)k + 1);
    } else {
        uint64_t h = fnv1a(FNV_OFFSET, text, (size_t)k);
        char mark[40] = " [cut: fnv1a64 ";
        size_t ml = strlen(mark);
        for (int i = 15; i >= 0; i--) mark[ml++] = (char)('a' + ((h >> (4 * i)) & 0xF));
        mark[ml++] = ']';
        mark[ml] = 0;
        size_t keep = n - 1 - ml;
        while (keep > 0 && ((unsigned char)text[keep] & 0xC0) == 0x80) keep--;
        memcpy(dst, text, keep);
        memcpy(dst + keep, mark, ml + 1);
    }
    if (text != small) free(text);
    return 0;
}

static void describe(const struct mon_proc *p, struct mon_threat *t) {
    t->has_process = 1;
    t->pid = p->pid;
    t->ppid = p->ppid;
    t->uid = p->uid;
    t->has_exe_value = p->exe != NULL;
    if (p->exe) copy_cut(t->exe, sizeof t->exe, p->exe);
    else t->exe[0] = 0;
    size_t l = p->cmdlen < sizeof t->cmdline ? p->cmdlen : sizeof t->cmdline;
    if (l) memcpy(t->cmdline, p->cmd, l);
    else if (p->comm && *p->comm) {
        /* Proc.info(): "[comm]" for a process that shows no command line (read mid-exec or as it exits) */
        int n = snprintf(t->cmdline, sizeof t->cmdline, "[%s]", p->comm);
        l = n < 0 ? 0 : (size_t)n < sizeof t->cmdline ? (size_t)n : sizeof t->cmdline - 1;
    }
    t->cmdline_len = l;
}

static void network(const struct conn *c, struct mon_threat *t) {
    t->has_network = 1;
    snprintf(t->net_local, sizeof t->net_local, "%s:%d", c->local, c->lport);
    snprintf(t->net_remote, sizeof t->net_remote, "%s:%d", c->remote, c->rport);
    t->net_port = c->rport;
    snprintf(t->net_protocol, sizeof t->net_protocol, "%s", c->udp ? "udp" : "tcp");
}

static int loopback(const char *a) {
    return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0;
}

static int remote_peer(const struct conn *c) {
    return c->rport != 0 && !loopback(c->remote) && !(c->remote[0] == 0 || strcmp(c->remote, "0.0.0.0") == 0 || strcmp(c->remote, "::") == 0);
}

/* The next threat of out, NULL when there are max already (the caller fails: nothing is left out). */
static struct mon_threat *next(struct mon_threat *out, int max, int *n, int level, const char *category) {
    if (*n >= max) return NULL;
    struct mon_threat *t = &out[(*n)++];
    memset(t, 0, sizeof *t);
    t->level = level;
    snprintf(t->category, sizeof t->category, "%s", category);
    return t;
}

/*
 * An index of socket inodes: the first of a sequence with each inode (open addressing), built once per look where
 * it is needed, so that finding a socket's connection (Snapshot.socket) or owner (Snapshot.owner) is not a scan of
 * every connection or descriptor (a look has up to LOOK_CONNS sockets and LOOK_FDS descriptors).
 */
struct index {
    long long *keys;
    int *vals; /* -1 free */
    size_t mask;
};

static void index_free(struct index *x) {
    free(x->keys);
    free(x->vals);
    memset(x, 0, sizeof *x);
}

static size_t index_slot(const struct index *x, long long key) {
    size_t h = (size_t)((unsigned long long)key * 0x9E3779B97F4A7C15ULL >> 17) & x->mask;
    while (x->vals[h] >= 0 && x->keys[h] != key) h = (h + 1) & x->mask;
    return h;
}

static int index_init(struct index *x, size_t n) {
    size_t cap = 16;
    while (cap < 2 * n + 1) cap *= 2;
    x->keys = malloc(cap * sizeof *x->keys);
    x->vals = malloc(cap * sizeof *x->vals);
    x->mask = cap - 1;
    if (!x->keys || !x->vals) {
        index_free(x);
        return -1;
    }
    for (size_t i = 0; i < cap; i++) x->vals[i] = -1;
    return 0;
}

/* The first value put for key is kept. */
static void index_put(struct index *x, long long key, int val) {
    size_t h = index_slot(x, key);
    if (x->vals[h] < 0) {
        x->keys[h] = key;
        x->vals[h] = val;
    }
}

static int index_get(const struct index *x, long long key) {
    return x->vals[index_slot(x, key)];
}

/* inode -> the first connection with it */
static int conn_index(const struct mon_look *look, struct index *x) {
    if (x->vals) return 0;
    if (index_init(x, (size_t)look->nconns) < 0) return -1;
    for (int k = 0; k < look->nconns; k++) index_put(x, look->conns[k].inode, k);
    return 0;
}

/* inode -> the first process (in the look's order, execs last) with a descriptor on it */
static int owner_index(const struct mon_look *look, struct index *x) {
    if (x->vals) return 0;
    size_t n = 0;
    for (int i = 0; i < look->nprocs; i++) n += (size_t)look->procs[i]->nsocks;
    if (index_init(x, n) < 0) return -1;
    for (int i = 0; i < look->nprocs; i++)
        for (int j = 0; j < look->procs[i]->nsocks; j++) index_put(x, look->procs[i]->socks[j], i);
    return 0;
}

static int has_port(const struct mon_settings *s, int port) {
    for (int i = 0; i < s->nports && i < MON_MAX_PORTS; i++)
        if (s->ports[i] == port) return 1;
    return 0;
}

/* A threat of the detectors, or the fail of mon_detect_look: more than max, or out of memory. */
#define NEXT(level, category)                                                                                                    \
    do {                                                                                                                         \
        if (!(t = next(out, max, &n, level, category))) goto fail;                                                               \
    } while (0)
#define TEXT(dst, ...)                                                                                                           \
    do {                                                                                                                         \
        if (textf(dst, sizeof dst, __VA_ARGS__) < 0) goto fail;                                                                  \
    } while (0)

/*
 * Detectors.reverseShells, .connections, .credentialScans. -1 when there would be more than max threats, when an exec
 * added to the look could not be read whole (mon_look_add_execs), or out of memory: the caller hands the container back.
 */
int mon_detect_look(const struct mon_look *look, const struct mon_settings *settings, struct mon_threat *out, int max) {
    int n = 0;
    struct mon_threat *t;
    struct index conns = {0}, owners = {0};
    if (look->marked) return -1;
    /* Detectors.reverseShells */
    for (int i = 0; i < look->nprocs; i++) {
        const struct mon_proc *p = look->procs[i];
        if (is_interpreter(p->program)) {
            for (int fd = 0; fd <= 2; fd++) {
                if (p->stdio[fd] < 0) continue;
                if (conn_index(look, &conns) < 0) goto fail;
                int k = index_get(&conns, p->stdio[fd]);
                const struct conn *c = k >= 0 ? &look->conns[k] : NULL;
                if (!c || !remote_peer(c)) continue;
                NEXT(3, "reverse_shell");
                TEXT(t->title, "reverse shell: %s with its %s on a connection to %s:%d", p->program,
                     fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr", c->remote, c->rport);
                TEXT(t->description, "a shell or interpreter reads commands from a network peer");
                describe(p, t);
                network(c, t);
                break;
            }
        }
        if (in_set(p->program, NETCATS, sizeof NETCATS / sizeof *NETCATS) && (p->flags & F_NC_EXEC)) {
            NEXT(3, "reverse_shell");
            TEXT(t->title, "reverse shell: %s executing a program for a connection", p->program);
            TEXT(t->description, "netcat or socat with an exec option hands a program's stdio to a network peer");
            describe(p, t);
        } else if (p->flags & F_DEVNET) {
            NEXT(3, "reverse_shell");
            TEXT(t->title, "reverse shell: %s redirecting to /dev/tcp or /dev/udp", p->program);
            TEXT(t->description, "a shell redirection opens a network connection");
            describe(p, t);
        }
    }
    /* Detectors.connections: the owner is looked up for the connections that raise a threat only */
    for (int k = 0; k < look->nconns; k++) {
        const struct conn *c = &look->conns[k];
        int outgoing = remote_peer(c) && c->state != ST_LISTEN && c->state != ST_TIME_WAIT;
        if (outgoing && (strcmp(c->remote, "169.254.169.254") == 0 || strcmp(c->remote, "fd00:ec2::254") == 0)) {
            NEXT(2, "network");
            TEXT(t->title, "connection to the cloud metadata address %s", c->remote);
            TEXT(t->description, "the metadata service hands out cloud credentials");
        } else if (outgoing && has_port(settings, c->rport)) {
            NEXT(2, "network");
            TEXT(t->title, "connection to suspicious port %d of %s", c->rport, c->remote);
            TEXT(t->description, "a port listed in suspicious_ports, typical of attack tooling");
        } else if (c->state == ST_LISTEN && has_port(settings, c->lport)) {
            NEXT(2, "network");
            TEXT(t->title, "listening on suspicious port %d", c->lport);
            TEXT(t->description, "a port listed in suspicious_ports, typical of a bind shell");
        } else {
            continue;
        }
        if (owner_index(look, &owners) < 0) goto fail;
        int o = index_get(&owners, c->inode);
        if (o >= 0) describe(look->procs[o], t);
        network(c, t);
    }
    /* Detectors.credentialScans */
    for (int i = 0; i < look->nprocs; i++) {
        const struct mon_proc *p = look->procs[i];
        int tool = -1;
        for (int k = 0; k < 3 && tool < 0; k++)
            if ((p->flags & (F_TOOL0 << k)) && !(strcmp(p->program, TOOLS[k]) == 0 || (p->flags & (F_ISTOOL0 << k)))) tool = k;
        if (p->flags & F_ENV_OTHER) {
            NEXT(1, "credential_scan");
            TEXT(t->title, "reading other processes' environment");
            TEXT(t->description, "environment variables of other processes often hold API keys");
        } else if (in_set(p->program, SEARCHERS, sizeof SEARCHERS / sizeof *SEARCHERS) && (p->flags & F_SECRET)) {
            NEXT(1, "credential_scan");
            TEXT(t->title, "searching for credentials with %s", p->program);
            TEXT(t->description, "a search for KEY, TOKEN, SECRET or PASSWORD");
        } else if (tool >= 0) {
            NEXT(1, "credential_scan");
            TEXT(t->title, "reading %s's credential file by %s", TOOLS[tool], p->program);
            TEXT(t->description, "the coding tool's login token, read by a process that is not the tool");
        } else if (!in_set(p->program, CREDENTIAL_OWNERS, sizeof CREDENTIAL_OWNERS / sizeof *CREDENTIAL_OWNERS) && (p->flags & F_CRED)) {
            NEXT(1, "credential_scan");
            TEXT(t->title, "reading credential files by %s", p->program);
            TEXT(t->description, "~/.ssh, ~/.aws, ~/.config/gh hold keys and tokens");
        } else {
            continue;
        }
        describe(p, t);
    }
    index_free(&conns);
    index_free(&owners);
    return n;
fail:
    index_free(&conns);
    index_free(&owners);
    return -1;
}

#undef NEXT
#undef TEXT

/* Detectors.unowned: whether c is an established TCP connection to a remote peer that no process of the look holds */
static int unowned(const struct conn *c, const struct index *owners) {
    return !c->udp && c->state == ST_ESTABLISHED && c->inode != 0 && remote_peer(c) && index_get(owners, c->inode) < 0;
}

int mon_detect_unowned(const struct mon_look *now, const struct mon_look *before, struct mon_threat *out) {
    struct index owners = {0}, before_owners = {0}, before_conns = {0};
    int n = 0, failed = 0;
    if (!before || now->nconns == 0 || before->nconns == 0) return 0;
    if (owner_index(now, &owners) < 0 || owner_index(before, &before_owners) < 0 || conn_index(before, &before_conns) < 0) {
        failed = 1;
    } else {
        for (int k = 0; k < now->nconns && n == 0; k++) {
            const struct conn *c = &now->conns[k];
            if (!unowned(c, &owners)) continue;
            int b = index_get(&before_conns, c->inode);
            if (b < 0 || !unowned(&before->conns[b], &before_owners)) continue;
            struct mon_threat *t = &out[n++];
            memset(t, 0, sizeof *t);
            t->level = 2;
            snprintf(t->category, sizeof t->category, "network");
            if (textf(t->title, sizeof t->title, "connection to %s:%d held by no process", c->remote, c->rport) < 0
                || textf(t->description, sizeof t->description, "its socket is in no process's descriptors, in two looks in a row: sent over a unix"
                         " socket and not received, or registered with io_uring and closed, as a reverse shell hides its connection") < 0) {
                failed = 1;
                break;
            }
            network(c, t);
        }
    }
    index_free(&owners);
    index_free(&before_owners);
    index_free(&before_conns);
    return failed ? -1 : n;
}

int mon_look_describe(const struct mon_look *look, int pid, struct mon_threat *t) {
    for (int i = 0; i < look->nprocs; i++) {
        if (look->procs[i]->pid != pid) continue;
        describe(look->procs[i], t);
        return 1;
    }
    if (!look->bare || !has_pid(look, pid)) return 0;
    /* Proc.bare(pid).info() */
    t->has_process = 1;
    t->pid = pid;
    t->ppid = 0;
    t->uid = -1;
    t->has_exe_value = 0;
    t->exe[0] = 0;
    t->cmdline_len = 0;
    return 1;
}

/* ---------------------------------------------------------------- JSON and the dedup key */

struct out {
    char *buf;
    size_t n, at;
    int over;
};

static void put(struct out *o, const char *s, size_t l) {
    if (o->over || l >= o->n - o->at) {
        o->over = 1;
        return;
    }
    memcpy(o->buf + o->at, s, l);
    o->at += l;
    o->buf[o->at] = 0;
}

static void puts_(struct out *o, const char *s) {
    put(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct out *o, const char *fmt, ...) {
    char small[64];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof small) {
        o->over = 1;
        return;
    }
    put(o, small, (size_t)k);
}

/* a JSON string of (what should be) UTF-8: any byte that is not is written as U+FFFD, as Java reads it */
static void put_string(struct out *o, const char *s, size_t l) {
    size_t m;
    char *v = jstr(s, l, &m);
    if (!v) {
        o->over = 1;
        return;
    }
    put(o, "\"", 1);
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"') put(o, "\\\"", 2);
        else if (c == '\\') put(o, "\\\\", 2);
        else if (c < 0x20) putf(o, "\\u%04x", c);
        else put(o, (const char *)&v[i], 1);
    }
    put(o, "\"", 1);
    free(v);
}

static const char *const LEVELS[4] = {"info", "warning", "high", "critical"};

int mon_threat_json(const struct mon_threat *t, const char *container, char *buf, size_t n) {
    if (n == 0) return -1;
    struct out o = {buf, n, 0, 0};
    buf[0] = 0;
    puts_(&o, "{\"container\":");
    put_string(&o, container, strlen(container));
    puts_(&o, ",\"killed\":false,\"threat\":{\"level\":\"");
    puts_(&o, LEVELS[t->level >= 0 && t->level < 4 ? t->level : 0]);
    puts_(&o, "\",\"category\":");
    put_string(&o, t->category, strnlen(t->category, sizeof t->category));
    puts_(&o, ",\"title\":");
    put_string(&o, t->title, strnlen(t->title, sizeof t->title));
    puts_(&o, ",\"description\":");
    put_string(&o, t->description, strnlen(t->description, sizeof t->description));
    puts_(&o, ",\"evidence\":{");
    int comma = 0;
    if (t->has_process) {
        putf(&o, "\"process\":{\"pid\":%d,\"ppid\":%d,\"uid\":%d,\"exe\":", t->pid, t->ppid, t->uid);
        if (t->has_exe_value) put_string(&o, t->exe, strnlen(t->exe, sizeof t->exe));
        else puts_(&o, "null");
        puts_(&o, ",\"cmdline\":[");
        size_t len = t->cmdline_len < sizeof t->cmdline ? t->cmdline_len : sizeof t->cmdline;
        for (size_t at = 0, first = 1; at < len; first = 0) {
            const char *nul = memchr(t->cmdline + at, 0, len - at);
            size_t al = nul ? (size_t)(nul - (t->cmdline + at)) : len - at;
            if (!first) put(&o, ",", 1);
            put_string(&o, t->cmdline + at, al);
            at += al + 1;
        }
        puts_(&o, "]}");
        comma = 1;
    }
    if (t->has_network) {
        if (comma) put(&o, ",", 1);
        puts_(&o, "\"network\":{\"local\":");
        put_string(&o, t->net_local, strnlen(t->net_local, sizeof t->net_local));
        puts_(&o, ",\"remote\":");
        put_string(&o, t->net_remote, strnlen(t->net_remote, sizeof t->net_remote));
        putf(&o, ",\"port\":%d,\"protocol\":", t->net_port);
        put_string(&o, t->net_protocol, strnlen(t->net_protocol, sizeof t->net_protocol));
        put(&o, "}", 1);
        comma = 1;
    }
    if (t->has_filesystem) {
        if (comma) put(&o, ",", 1);
        putf(&o, "\"filesystem\":{\"bytes\":%lld,\"window\":", t->fs_bytes);
        put_string(&o, t->fs_window, strnlen(t->fs_window, sizeof t->fs_window));
        put(&o, "}", 1);
    }
    puts_(&o, "}}}");
    if (o.over) {
        buf[0] = 0;
        return -1;
    }
    return (int)o.at;
}

int mon_dedup_key(const struct mon_threat *t, char *buf, size_t n) {
    if (n == 0) return -1;
    struct out o = {buf, n, 0, 0};
    buf[0] = 0;
    put(&o, t->category, strnlen(t->category, sizeof t->category));
    put(&o, "|", 1);
    size_t tl = strnlen(t->title, sizeof t->title);
    for (size_t i = 0; i < tl;) {
        if (t->title[i] >= '0' && t->title[i] <= '9') {
            while (i < tl && t->title[i] >= '0' && t->title[i] <= '9') i++;
            put(&o, "#", 1);
        } else {
            put(&o, &t->title[i++], 1);
        }
    }
    put(&o, "|", 1);
    if (t->has_network) {
        put(&o, t->net_remote, strnlen(t->net_remote, sizeof t->net_remote));
    } else if (t->has_process) {
        size_t len = t->cmdline_len < sizeof t->cmdline ? t->cmdline_len : sizeof t->cmdline;
        for (size_t i = 0; i < len; i++) put(&o, t->cmdline[i] ? &t->cmdline[i] : " ", 1);
    }
    if (o.over) {
        buf[0] = 0;
        return -1;
    }
    return (int)o.at;
}

/* ---------------------------------------------------------------- coi-waiter --look */

static int name_ok(const char *s) {
    if (!*s || strlen(s) >= MON_NAME) return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

static int int_field(const char *s, int *out) {
    return parse_int(s, strlen(s), out);
}

/* One "target" record's fields (after "target") into t; 0 if malformed. */
static int parse_target(char **f, int nf, struct mon_target *t) {
    if (nf != 12) return 0;
    memset(t, 0, sizeof *t);
    if (!name_ok(f[0]) || !name_ok(f[1])) return 0;
    snprintf(t->container, sizeof t->container, "%s", f[0]);
    snprintf(t->payload, sizeof t->payload, "%s", f[1]);
    long long init;
    if (!parse_long(f[2], strlen(f[2]), &init) || init < 0) return 0;
    t->init = (long)init;
    struct mon_settings *s = &t->settings;
    if (!(strcmp(f[3], "0") == 0 || strcmp(f[3], "1") == 0) || !(strcmp(f[4], "0") == 0 || strcmp(f[4], "1") == 0)) return 0;
    s->auto_pause_on_high = f[3][0] == '1';
    s->auto_kill_on_critical = f[4][0] == '1';
    if (!int_field(f[5], &s->file_read_mb) || !int_field(f[6], &s->file_write_mb) || !int_field(f[7], &s->process_count_threshold)
            || !int_field(f[8], &s->process_spawn_rate_threshold))
        return 0;
    if (strcmp(f[9], "-") != 0) {
        for (char *p = f[9];;) {
            char *comma = strchr(p, ',');
            size_t l = comma ? (size_t)(comma - p) : strlen(p);
            if (s->nports >= MON_MAX_PORTS || !parse_int(p, l, &s->ports[s->nports])) return 0;
            s->nports++;
            if (!comma) break;
            p = comma + 1;
        }
    }
    for (int k = 0; k < 2; k++) {
        char *dst = k ? t->dns_counter : t->blocked_counter;
        if (strcmp(f[10 + k], "-") == 0) continue;
        if (!name_ok(f[10 + k])) return 0;
        snprintf(dst, MON_NAME, "%s", f[10 + k]);
    }
    return 1;
}

/*
 * Beyond the spec's three arguments, for tests: --dedup prints each threat's dedup key (a JSON string) on the line after
 * its JSON line; --exec PID (repeatable) reads that process as an exec the process events reported (Monitor.exec:
 * placed by its payload cgroup, read alone, kept with a command line) and adds it to its target's look (withExecs).
 *
 * Exit status: 0, every target looked at and every threat printed; 1, a target cannot be observed natively, the
 * reason on stderr as one line (HostView's message when it cannot be observed at all; a line starting with
 * MON_TOO_MUCH when it holds more than the native look reads without leaving something out: the waiter hands such a
 * container back to the Java monitor), and no target after it is looked at; 2, a usage, targets file or output error.
 */
int mon_look_main(int argc, char **argv) {
    int dedup = 0, nexecs = 0, twice = 0;
    int execs[64];
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--dedup") == 0) {
            dedup = 1;
        } else if (strcmp(argv[i], "--twice") == 0) {
            twice = 1;
        } else if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc && nexecs < 64 && parse_int(argv[i + 1], strlen(argv[i + 1]), &execs[nexecs])) {
            nexecs++;
            i++;
        } else {
            argc = 0;
            break;
        }
    }
    if (argc < 5) {
        fprintf(stderr, "usage: coi-waiter --look PROC_ROOT CGROUP_ROOT TARGETS_FILE [--dedup] [--twice] [--exec PID]...\n");
        return 2;
    }
    char *text;
    size_t len;
    int r = slurp(argv[4], 1024 * 1024, &text, &len);
    if (r < 0) {
        fprintf(stderr, "cannot read %s: %s\n", argv[4], strerror(-r));
        return 2;
    }
    static struct mon_target targets[MON_MAX_TARGETS];
    int ntargets = 0, lineno = 0, bad = memchr(text, 0, len) != NULL;
    for (char *line = text, *end = text + len; line < end && !bad; lineno++) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (nl) *nl = 0; /* text is NUL-terminated at end */
        char *next_line = nl ? nl + 1 : end;
        char *f[16];
        int nf = 0;
        for (char *p = line; p && nf < 16;) {
            char *tab = strchr(p, '\t');
            f[nf++] = p;
            if (tab) *tab = 0;
            p = tab ? tab + 1 : NULL;
            if (p && nf == 16) nf = 17; /* too many fields */
        }
        if (nf > 16) {
            bad = 1;
        } else if (lineno == 0) {
            if (nf != 2 || strcmp(f[0], "coi-monitor-targets") != 0 || strcmp(f[1], "1") != 0) bad = 1;
        } else if (strcmp(f[0], "target") == 0) {
            if (ntargets >= MON_MAX_TARGETS || !parse_target(f + 1, nf - 1, &targets[ntargets])) bad = 1;
            else ntargets++;
        } else if (strcmp(f[0], "nft") == 0) {
            if (nf != 3 || !name_ok(f[1]) || !name_ok(f[2])) bad = 1;
        } else if (strcmp(f[0], "seen") == 0) {
            long long ms;
            size_t hl = strlen(f[3 < nf ? 3 : 0]);
            if (nf != 4 || !name_ok(f[1]) || !parse_long(f[2], strlen(f[2]), &ms) || hl == 0 || hl % 2
                    || strspn(f[3], "0123456789abcdefABCDEF") != hl)
                bad = 1;
        } else {
            bad = 1;
        }
        line = next_line;
    }
    free(text);
    if (bad || lineno == 0) {
        fprintf(stderr, "%s: not a targets file (line %d)\n", argv[4], lineno);
        return 2;
    }
    struct mon_threat *threats = malloc(MON_MAX_THREATS * sizeof *threats);
    char *json = malloc(64 * 1024);
    if (!threats || !json) {
        free(threats);
        free(json);
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    int status = 0;
    for (int i = 0; i < ntargets; i++) {
        char err[2 * MON_PATH];
        struct mon_look *look = look_read(argv[2], argv[3], targets[i].payload, targets[i].container, targets[i].init,
                                          targets[i].settings.process_count_threshold, err, sizeof err);
        if (!look) {
            fprintf(stderr, "%s\n", err);
            status = 1;
            break;
        }
        if (look->unaccounted > 0) {
            /* one look: nothing to wait for, the watch would hand the container back if this lasted */
            fprintf(stderr, MON_TOO_MUCH "%s hides tasks from its cgroup walk: pids.current counts %lld more than walking twice and scanning"
                    " /proc found\n", targets[i].container, look->unaccounted);
            mon_look_free(look);
            status = 1;
            break;
        }
        for (int k = 0; k < nexecs; k++) {
            char payload[MON_NAME];
            if (!mon_payload_of(argv[2], execs[k], payload, sizeof payload) || strcmp(payload, targets[i].payload) != 0) continue;
            struct mon_proc *p = mon_proc_read(argv[2], execs[k]);
            if (p) mon_look_add_execs(look, &p, 1);
        }
        int n;
        if (twice) {
            /* a second look, and what the detectors over two looks find in them (Detectors.unownedConnections) */
            struct mon_look *again = look_read(argv[2], argv[3], targets[i].payload, targets[i].container, targets[i].init,
                                               targets[i].settings.process_count_threshold, err, sizeof err);
            n = again ? mon_detect_unowned(again, look, threats) : -1;
            mon_look_free(again);
            if (n < 0) {
                fprintf(stderr, "%s\n", again ? "out of memory" : err);
                mon_look_free(look);
                status = 1;
                break;
            }
        } else {
            n = mon_detect_look(look, &targets[i].settings, threats, MON_MAX_THREATS);
        }
        if (n < 0) {
            if (mon_look_refused(look)) fprintf(stderr, "%s\n", mon_look_refused(look));
            else fprintf(stderr, MON_TOO_MUCH "more than %d threats in one look at %s (or out of memory)\n", MON_MAX_THREATS, targets[i].container);
            mon_look_free(look);
            status = 1;
            break;
        }
        for (int k = 0; k < n && status == 0; k++) {
            char key[16 * 1024];
            if (mon_threat_json(&threats[k], targets[i].container, json, 64 * 1024) < 0 || (dedup && mon_dedup_key(&threats[k], key, sizeof key) < 0)) {
                fprintf(stderr, "a threat of %s does not fit the output: %s\n", targets[i].container, threats[k].title);
                status = 2;
                break;
            }
            printf("%s\n", json);
            if (!dedup) continue;
            struct out o = {json, 64 * 1024, 0, 0};
            put_string(&o, key, strlen(key));
            printf("%s\n", o.over ? "null" : json);
        }
        mon_look_free(look);
        if (status != 0) break;
    }
    free(threats);
    free(json);
    if (fflush(stdout) != 0) return 2;
    return status;
}
