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
#include <unistd.h>

/* internal bounds */
#define LOOK_CMDLINE (256 * 1024)        /* raw bytes of a command line the detectors see (Linux: 128 KiB per argument) */
#define LOOK_SMALL (16 * 1024)           /* stat, status, io, uid_map, cgroup of a process */
#define LOOK_LIST (16 * 1024 * 1024)     /* a cgroup.procs or a socket table */
#define LOOK_CONNS 65536                 /* sockets of a look */
#define LOOK_SOCKS 65536                 /* socket descriptors kept per process */
#define LOOK_DEPTH 2048                  /* cgroup nesting walked (a path of MON_PATH bytes is not deeper) */
#define LOOK_UIDMAP 340                  /* lines of a uid_map (the kernel's own limit) */
#define LOOK_PROGRAM 1024                /* bytes of a program name kept for titles */

/* what the detectors ask of a process's arguments and descriptors, answered while reading them */
#define F_NC_EXEC 0x1u      /* an argument after the first is a netcat exec flag or socat exec:/system: */
#define F_DEVNET 0x2u       /* an argument names /dev/tcp/ or /dev/udp/ */
#define F_ENV_OTHER 0x4u    /* a path (descriptor or argument) is another process's environ */
#define F_SECRET 0x8u       /* a search argument for KEY, TOKEN, SECRET, PASSW */
#define F_TOOL0 0x10u       /* a path is a tool's credential file (claude, codex, opencode: << i) */
#define F_ISTOOL0 0x80u     /* one of the first two arguments' file name is that tool (<< i) */
#define F_CRED 0x400u       /* a path is under ~/.ssh, ~/.aws, ... */

enum { ST_OTHER, ST_LISTEN, ST_TIME_WAIT };

struct mon_proc {
    int pid, ppid, uid;
    long long rchar, wchar;
    char *exe;          /* NULL: null */
    char *program;      /* Proc.program() */
    char *cmd;          /* arguments joined by NUL, cut at MON_MAX_CMDLINE */
    size_t cmdlen;
    int nargs;          /* arguments (not empty) of the whole command line read */
    long long stdio[3]; /* socket inode on 0, 1, 2; -1 none */
    long long *socks;   /* socket inodes of every descriptor */
    int nsocks;
    unsigned flags;
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

/* Pattern (?i).*(key|token|secret|passw).* matches(): ASCII case folding only (no UNICODE_CASE) */
static int is_secret(const char *s, size_t n) {
    if (has_terminator(s, n)) return 0;
    static const char *const words[] = {"key", "token", "secret", "passw"};
    for (size_t w = 0; w < 4; w++) {
        size_t k = strlen(words[w]);
        for (size_t i = 0; i + k <= n; i++)
            if (strncasecmp(s + i, words[w], k) == 0) return 1;
    }
    return 0;
}

/* Pattern (?i)^(exec|system):.* matches() */
static int is_socat_exec(const char *s, size_t n) {
    if (!((n >= 5 && strncasecmp(s, "exec:", 5) == 0) || (n >= 7 && strncasecmp(s, "system:", 7) == 0))) return 0;
    return !has_terminator(s, n);
}

/* Pattern (^|.*)/(\.ssh|\.aws|\.config/gh|\.docker/config\.json|\.netrc)(/.*)?$ matches() */
static int is_credential_path(const char *s, size_t n) {
    static const char *const names[] = {".ssh", ".aws", ".config/gh", ".docker/config.json", ".netrc"};
    if (has_terminator(s, n)) return 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && s[i - 1] != '/') continue;
        for (size_t k = 0; k < 5; k++) {
            size_t l = strlen(names[k]);
            if (n - i >= l && memcmp(s + i, names[k], l) == 0 && (n - i == l || s[i + l] == '/')) return 1;
        }
    }
    return 0;
}

/* Pattern (^|.*)/FILE$ matches() */
static int is_tool_file(const char *s, size_t n, const char *file) {
    size_t l = strlen(file);
    if (has_terminator(s, n) || n < l || memcmp(s + n - l, file, l) != 0) return 0;
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

/* The flags of one path (a descriptor's target or an argument after the first). */
static unsigned path_flags(const char *s, size_t n, int pid) {
    unsigned f = 0;
    if (is_environ(s, n) && !equals(s, n, "/proc/self/environ")) {
        char own[48];
        int k = snprintf(own, sizeof own, "/proc/%d/environ", pid);
        if (k <= 0 || (size_t)k >= sizeof own || !equals(s, n, own)) f |= F_ENV_OTHER;
    }
    for (int t = 0; t < 3; t++)
        if (is_tool_file(s, n, TOOL_FILES[t])) f |= F_TOOL0 << t;
    if (is_credential_path(s, n)) f |= F_CRED;
    return f;
}

/* Java's Integer.parseInt on ASCII: optional sign, digits, in range; 0 when it is not a number. */
static int parse_int(const char *s, size_t n, int *out) {
    size_t i = 0;
    int neg = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) return 0;
    long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
        if (v > (long long)INT_MAX + 1) return 0;
    }
    if (neg) v = -v;
    if (v > INT_MAX || v < INT_MIN) return 0;
    *out = (int)v;
    return 1;
}

static int parse_long(const char *s, size_t n, long long *out) {
    size_t i = 0;
    int neg = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) return 0;
    unsigned long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        if (v > (ULLONG_MAX - 9) / 10) return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
        if (v > (unsigned long long)LLONG_MAX + 1) return 0;
    }
    if (!neg && v > (unsigned long long)LLONG_MAX) return 0;
    *out = neg ? (long long)(0 - v) : (long long)v;
    return 1;
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

/* Up to cap bytes of a file into a malloc'd buffer (NUL-terminated); 0, or -errno. */
static int slurp(const char *path, size_t cap, char **out, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -errno;
    size_t size = cap < 4096 ? cap : 4096, n = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (n == size) {
            if (size >= cap) break;
            size_t grown = size * 2 > cap ? cap : size * 2;
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
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

/* A link's target (Files.readSymbolicLink) into buf: its length, -ENOENT for none, or -errno. */
static ssize_t read_link(const char *path, char *buf, size_t n) {
    ssize_t r = readlink(path, buf, n);
    if (r < 0) return -errno;
    return r;
}

static const char *not_readable(char *err, size_t errlen, const char *container, const char *path) {
    snprintf(err, errlen,
             "cannot observe %s: %s is not readable (the monitor needs root or CAP_SYS_PTRACE to see container processes): "
             "run coi as root or without --monitor",
             container, path);
    return err;
}

/* ---------------------------------------------------------------- processes */

struct uidmap {
    long long r[LOOK_UIDMAP][3];
    int n;
};

static void read_uidmap(const char *proc_root, int pid, struct uidmap *m) {
    char path[MON_PATH], name[32], *text;
    size_t len;
    m->n = 0;
    snprintf(name, sizeof name, "%d/uid_map", pid);
    if (!join(path, sizeof path, proc_root, name) || slurp(path, LOOK_SMALL, &text, &len) < 0) return;
    char *line = text, *end = text + len;
    while (line < end && m->n < LOOK_UIDMAP) {
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
        if (k == 3 && parse_long(f[0], fl[0], &m->r[m->n][0]) && parse_long(f[1], fl[1], &m->r[m->n][1])
                && parse_long(f[2], fl[2], &m->r[m->n][2]))
            m->n++;
        line = nl ? nl + 1 : end;
    }
    free(text);
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
    free(p->socks);
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

/* The outcome of reading one process: read, gone (skipped as HostView skips it), or not readable (the look fails). */
enum { P_OK, P_GONE, P_DENIED };

/* A process's command line into p (arguments, flags). */
static int read_cmdline(struct mon_proc *p, const char *dir, char *denied, size_t deniedlen) {
    char path[MON_PATH], *raw;
    size_t len;
    if (!join(path, sizeof path, dir, "cmdline")) return P_GONE;
    int r = slurp(path, LOOK_CMDLINE, &raw, &len);
    if (r == -EACCES) {
        snprintf(denied, deniedlen, "%s", path);
        return P_DENIED;
    }
    if (r < 0) return P_GONE;
    p->cmd = malloc(MON_MAX_CMDLINE);
    if (!p->cmd) {
        free(raw);
        return P_GONE;
    }
    size_t at = 0;
    int full = 0;
    while (at < len) {
        char *nul = memchr(raw + at, 0, len - at);
        size_t al = nul ? (size_t)(nul - (raw + at)) : len - at;
        if (al > 0) {
            size_t n;
            char *a = jstr(raw + at, al, &n);
            if (!a) {
                free(raw);
                return P_GONE;
            }
            if (p->nargs > 0) {
                if (in_set(a, NETCAT_FLAGS, sizeof NETCAT_FLAGS / sizeof *NETCAT_FLAGS) || is_socat_exec(a, n)) p->flags |= F_NC_EXEC;
                p->flags |= path_flags(a, n, p->pid);
                if ((a[0] != '-' || utf16_len(a, n) > 2) && is_secret(a, n) && a[0] != '/') p->flags |= F_SECRET;
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
                    return P_GONE;
                }
            }
            /* kept for the evidence: whole arguments while they fit, then the part of one that does */
            if (!full) {
                size_t need = (p->cmdlen ? 1 : 0) + n;
                if (p->cmdlen + need <= MON_MAX_CMDLINE) {
                    if (p->cmdlen) p->cmd[p->cmdlen++] = 0;
                    memcpy(p->cmd + p->cmdlen, a, n);
                    p->cmdlen += n;
                } else {
                    full = 1;
                    size_t room = MON_MAX_CMDLINE - p->cmdlen - (p->cmdlen ? 1 : 0);
                    while (room > 0 && room < n && ((unsigned char)a[room] & 0xC0) == 0x80) room--;
                    if (room > 0 && MON_MAX_CMDLINE > p->cmdlen + 1) {
                        if (p->cmdlen) p->cmd[p->cmdlen++] = 0;
                        memcpy(p->cmd + p->cmdlen, a, room);
                        p->cmdlen += room;
                    }
                }
            }
            p->nargs++;
            free(a);
        }
        at += al + 1;
    }
    free(raw);
    /* a look keeps only what the command line takes */
    char *fit = realloc(p->cmd, p->cmdlen ? p->cmdlen : 1);
    if (fit) p->cmd = fit;
    return P_OK;
}

/* A small file of the process, or P_GONE / P_DENIED. */
static int read_small(const char *dir, const char *name, char **text, size_t *len, char *denied, size_t deniedlen) {
    char path[MON_PATH];
    if (!join(path, sizeof path, dir, name)) return P_GONE;
    int r = slurp(path, LOOK_SMALL, text, len);
    if (r == -EACCES) {
        snprintf(denied, deniedlen, "%s", path);
        return P_DENIED;
    }
    return r < 0 ? P_GONE : P_OK;
}

/* HostView.process(pid, uids): P_OK with *out, P_GONE, or P_DENIED with the path not readable in denied. */
static int read_proc(const char *proc_root, int pid, const struct uidmap *uids, struct mon_proc **out, char *denied, size_t deniedlen) {
    char dir[MON_PATH], name[16], path[MON_PATH];
    char *text = NULL, *comm = NULL;
    size_t len;
    int r;
    snprintf(name, sizeof name, "%d", pid);
    if (!join(dir, sizeof dir, proc_root, name)) return P_GONE;
    struct mon_proc *p = calloc(1, sizeof *p);
    if (!p) return P_GONE;
    p->pid = pid;
    p->stdio[0] = p->stdio[1] = p->stdio[2] = -1;

    /* stat: comm between the first '(' and the last ')', ppid the second field after it */
    if ((r = read_small(dir, "stat", &text, &len, denied, deniedlen)) != P_OK) goto fail;
    {
        size_t n;
        char *stat = jstr(text, len, &n);
        free(text);
        text = stat;
        if (!stat) goto gone;
        char *open = memchr(stat, '(', n), *close = memrchr(stat, ')', n);
        if (!close) goto gone;
        char *from = open ? open + 1 : stat;
        if (from > close) goto gone;
        comm = strndup(from, (size_t)(close - from) < LOOK_PROGRAM ? (size_t)(close - from) : LOOK_PROGRAM);
        if (!comm) goto gone;
        if ((size_t)(close - stat) + 2 > n) goto gone;
        char *rest = close + 2, *end = stat + n;
        char *sp = memchr(rest, ' ', (size_t)(end - rest));
        if (!sp) goto gone;
        char *f1 = sp + 1, *sp2 = memchr(f1, ' ', (size_t)(end - f1));
        if (!parse_int(f1, sp2 ? (size_t)(sp2 - f1) : (size_t)(end - f1), &p->ppid)) goto gone;
        free(text);
        text = NULL;
    }
    /* status: the last Uid: line's first figure, mapped */
    p->uid = -1;
    if ((r = read_small(dir, "status", &text, &len, denied, deniedlen)) != P_OK) goto fail;
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
    /* cmdline */
    if ((r = read_cmdline(p, dir, denied, deniedlen)) != P_OK) goto fail;
    /* io */
    if ((r = read_small(dir, "io", &text, &len, denied, deniedlen)) != P_OK) goto fail;
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
            if (!join(path, sizeof path, dir, w ? "cwd" : "exe")) goto gone;
            ssize_t l = read_link(path, target, sizeof target);
            if (l == -EACCES) {
                snprintf(denied, deniedlen, "%s", path);
                r = P_DENIED;
                goto fail;
            }
            if (l == -ENOENT) continue;
            if (l < 0) goto gone;
            if (w == 0 && !(p->exe = jstr(target, (size_t)l, NULL))) goto gone;
        }
    }
    /* fd/ */
    {
        char fddir[MON_PATH], target[MON_PATH];
        if (!join(fddir, sizeof fddir, dir, "fd")) goto gone;
        DIR *d = opendir(fddir);
        if (!d) {
            if (errno == EACCES) {
                snprintf(denied, deniedlen, "%s", fddir);
                r = P_DENIED;
                goto fail;
            }
            goto gone;
        }
        struct dirent *e;
        int capsocks = 0;
        r = P_OK;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            int fd;
            if (!parse_int(e->d_name, strlen(e->d_name), &fd)) {
                r = P_GONE;
                break;
            }
            if (!join(path, sizeof path, fddir, e->d_name)) {
                r = P_GONE;
                break;
            }
            ssize_t l = read_link(path, target, sizeof target);
            if (l == -ENOENT) continue;
            if (l == -EACCES) {
                snprintf(denied, deniedlen, "%s", path);
                r = P_DENIED;
                break;
            }
            if (l < 0) {
                r = P_GONE;
                break;
            }
            size_t n;
            char *t = jstr(target, (size_t)l, &n);
            if (!t) {
                r = P_GONE;
                break;
            }
            p->flags |= path_flags(t, n, pid);
            long long inode = socket_inode(t, n);
            free(t);
            if (inode < 0) continue;
            if (fd >= 0 && fd <= 2) p->stdio[fd] = inode;
            if (p->nsocks == capsocks) {
                if (capsocks >= LOOK_SOCKS) continue;
                int grown = capsocks ? capsocks * 2 : 8;
                long long *s = realloc(p->socks, (size_t)grown * sizeof *s);
                if (!s) {
                    r = P_GONE;
                    break;
                }
                p->socks = s;
                capsocks = grown;
            }
            p->socks[p->nsocks++] = inode;
        }
        closedir(d);
        if (r != P_OK) goto fail;
    }
    /* Proc.program(): exe's file name, else argv[0]'s, else comm's; " (deleted)" off */
    {
        const char *path0 = p->exe && *p->exe ? p->exe : p->nargs > 0 && p->program ? p->program : comm;
        const char *slash = strrchr(path0, '/');
        const char *base = slash ? slash + 1 : path0;
        size_t bl = strlen(base);
        if (ends(base, bl, " (deleted)")) bl -= 10;
        if (bl > LOOK_PROGRAM) bl = LOOK_PROGRAM;
        while (bl > 0 && ((unsigned char)base[bl] & 0xC0) == 0x80 && base[bl]) bl--;
        char *program = strndup(base, bl);
        if (!program) goto gone;
        free(p->program);
        p->program = program;
    }
    free(comm);
    *out = p;
    return P_OK;
gone:
    r = P_GONE;
fail:
    free(text);
    free(comm);
    mon_proc_free(p);
    return r;
}

struct mon_proc *mon_proc_read(const char *proc_root, int pid) {
    struct uidmap *uids = malloc(sizeof *uids);
    if (!uids) return NULL;
    read_uidmap(proc_root, pid, uids);
    struct mon_proc *p = NULL;
    char denied[MON_PATH];
    int r = read_proc(proc_root, pid, uids, &p, denied, sizeof denied);
    free(uids);
    if (r != P_OK) return NULL;
    if (p->nargs == 0) {
        mon_proc_free(p);
        return NULL;
    }
    return p;
}

int mon_payload_of(const char *proc_root, int pid, char *buf, size_t n) {
    char path[MON_PATH], name[32], *text;
    size_t len;
    snprintf(name, sizeof name, "%d/cgroup", pid);
    if (!join(path, sizeof path, proc_root, name) || slurp(path, LOOK_SMALL, &text, &len) < 0) return 0;
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

static int add_pid(struct mon_look *look, int *cap, int pid) {
    if (pid == 0) return 0; /* the kernel lists no pid 0; 0 marks a free slot */
    if ((look->npids + 1) * 2 > look->pidset_cap) {
        int grown = look->pidset_cap ? look->pidset_cap * 2 : 256;
        int *set = calloc((size_t)grown, sizeof *set);
        if (!set) return -1;
        free(look->pidset);
        look->pidset = set;
        look->pidset_cap = grown;
        for (int i = 0; i < look->npids; i++) look->pidset[pid_slot(look, look->pids[i])] = look->pids[i];
    }
    int slot = pid_slot(look, pid);
    if (look->pidset[slot] == pid) return 0;
    if (look->npids == *cap) {
        int grown = *cap ? *cap * 2 : 64;
        int *p = realloc(look->pids, (size_t)grown * sizeof *p);
        if (!p) return -1;
        look->pids = p;
        *cap = grown;
    }
    look->pidset[slot] = pid;
    look->pids[look->npids++] = pid;
    return 0;
}

/* readProcs: 0, -errno when the file cannot be read */
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
        if (n > 0 && parse_int(s, n, &pid) && add_pid(look, cap, pid) < 0) {
            free(text);
            return -ENOMEM;
        }
        line = nl ? nl + 1 : end;
    }
    free(text);
    return 0;
}

/*
 * HostView.collect: each subgroup (a directory, links followed) whose cgroup.procs can be read, then its own subgroups;
 * one that cannot is skipped with what is under it. The names of a folder are listed before going down (readdir order,
 * as Java's directory stream gives them), so that only one folder is open at a time whatever the depth; path is
 * the folder's, extended in place, MON_PATH bytes (deeper than that Java cannot open them either).
 */
static void collect(struct mon_look *look, int *cap, char *path, size_t len, int depth) {
    if (depth >= LOOK_DEPTH) return;
    DIR *d = opendir(path);
    if (!d) return;
    char **names = NULL;
    size_t n = 0, capnames = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (n == capnames) {
            size_t grown = capnames ? capnames * 2 : 16;
            char **g = realloc(names, grown * sizeof *g);
            if (!g) break;
            names = g;
            capnames = grown;
        }
        if (!(names[n] = strdup(e->d_name))) break;
        n++;
    }
    closedir(d);
    struct stat st;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (len + 1 + l < MON_PATH) {
            path[len] = '/';
            memcpy(path + len + 1, names[i], l + 1);
            if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && read_procs(look, cap, path) == 0) collect(look, cap, path, len + 1 + l, depth + 1);
            path[len] = 0;
        }
        free(names[i]);
    }
    free(names);
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

/* HostView.parseNet of one table into the look */
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
        if (look->nconns == *cap) {
            if (*cap >= LOOK_CONNS) return 0;
            int grown = *cap ? *cap * 2 : 32;
            struct conn *g = realloc(look->conns, (size_t)grown * sizeof *g);
            if (!g) return -1;
            look->conns = g;
            *cap = grown;
        }
        look->conns[look->nconns++] = c;
    }
    return 0;
}

/* HostView.connections: through the first pid that still exists (its net folder is there; a table not there is skipped) */
static int read_connections(struct mon_look *look, const char *proc_root, char *err, size_t errlen) {
    static const char *const tables[4] = {"tcp", "tcp6", "udp", "udp6"};
    int cap = 0;
    for (int i = 0; i < look->npids; i++) {
        char net[MON_PATH], name[32], path[MON_PATH];
        struct stat folder;
        snprintf(name, sizeof name, "%d/net", look->pids[i]);
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
            if (r < 0) {
                snprintf(err, errlen, "cannot read the sockets of the container through %s: %s: %s", net, path, strerror(-r));
                return -1;
            }
            r = parse_net(look, &cap, t >= 2, text, len);
            free(text);
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
                                  int count_threshold, char *err, size_t errlen) {
    char proc_root[MON_PATH], cgroup_root[MON_PATH], cgroup[MON_PATH], path[MON_PATH];
    normal_root(proc_root_in, proc_root, sizeof proc_root);
    normal_root(cgroup_root_in, cgroup_root, sizeof cgroup_root);
    /* HostView.cgroupOf */
    static const char *const forms[3] = {"pids/", "", "unified/"};
    int found = 0;
    for (int i = 0; i < 3 && !found; i++) {
        struct stat st;
        int k = snprintf(cgroup, sizeof cgroup, "%s/%s%s", cgroup_root, forms[i], payload);
        if (k <= 0 || (size_t)k >= sizeof cgroup || !join(path, sizeof path, cgroup, "cgroup.procs")) continue;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) found = 1;
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
    int r = read_procs(look, &cap, cgroup);
    if (r < 0) {
        if (!join(path, sizeof path, cgroup, "cgroup.procs")) path[0] = 0;
        snprintf(err, errlen, "cannot read the processes of %s: %s", cgroup, r == -ENOENT || r == -EACCES ? path : strerror(-r));
        mon_look_free(look);
        return NULL;
    }
    collect(look, &cap, cgroup, strlen(cgroup), 0);
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
    struct uidmap *uids = malloc(sizeof *uids);
    if (!uids) {
        snprintf(err, errlen, "cannot observe %s: out of memory", container);
        mon_look_free(look);
        return NULL;
    }
    read_uidmap(proc_root, look->pids[0], uids);
    for (int i = 0; i < look->npids; i++) {
        struct mon_proc *p = NULL;
        char denied[MON_PATH];
        r = read_proc(proc_root, look->pids[i], uids, &p, denied, sizeof denied);
        if (r == P_DENIED) {
            not_readable(err, errlen, container, denied);
            free(uids);
            mon_look_free(look);
            return NULL;
        }
        if (r == P_OK && add_proc(look, p) < 0) {
            mon_proc_free(p);
            snprintf(err, errlen, "cannot observe %s: out of memory", container);
            free(uids);
            mon_look_free(look);
            return NULL;
        }
    }
    free(uids);
    if (read_connections(look, proc_root, err, errlen) < 0) {
        mon_look_free(look);
        return NULL;
    }
    return look;
}

struct mon_look *mon_look_read(const char *proc_root, const char *cgroup_root, const char *payload, int count_threshold, char *err,
                               size_t errlen) {
    /* the container's name, as the messages give it: the payload without lxc.payload. (a project's keeps its PROJECT_) */
    const char *container = strncmp(payload, "lxc.payload.", 12) == 0 ? payload + 12 : payload;
    return look_read(proc_root, cgroup_root, payload, container, count_threshold, err, errlen);
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
        if (seen || add_proc(look, p) < 0) mon_proc_free(p);
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

/* snprintf into a title or description; cut at a UTF-8 boundary when longer */
__attribute__((format(printf, 3, 4))) static void textf(char *dst, size_t n, const char *fmt, ...) {
    char big[4096];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(big, sizeof big, fmt, ap);
    va_end(ap);
    if (k < 0) big[0] = 0;
    copy_cut(dst, n, big);
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

static struct mon_threat *next(struct mon_threat *out, int max, int *n, int level, const char *category) {
    if (*n >= max) return NULL;
    struct mon_threat *t = &out[(*n)++];
    memset(t, 0, sizeof *t);
    t->level = level;
    snprintf(t->category, sizeof t->category, "%s", category);
    return t;
}

static const struct mon_proc *owner(const struct mon_look *look, long long inode) {
    for (int i = 0; i < look->nprocs; i++)
        for (int j = 0; j < look->procs[i]->nsocks; j++)
            if (look->procs[i]->socks[j] == inode) return look->procs[i];
    return NULL;
}

static int has_port(const struct mon_settings *s, int port) {
    for (int i = 0; i < s->nports && i < MON_MAX_PORTS; i++)
        if (s->ports[i] == port) return 1;
    return 0;
}

int mon_detect_look(const struct mon_look *look, const struct mon_settings *settings, struct mon_threat *out, int max) {
    int n = 0;
    struct mon_threat *t;
    /* Detectors.reverseShells */
    for (int i = 0; i < look->nprocs; i++) {
        const struct mon_proc *p = look->procs[i];
        if (is_interpreter(p->program)) {
            for (int fd = 0; fd <= 2; fd++) {
                if (p->stdio[fd] < 0) continue;
                const struct conn *c = NULL;
                for (int k = 0; k < look->nconns && !c; k++)
                    if (look->conns[k].inode == p->stdio[fd]) c = &look->conns[k];
                if (!c || !remote_peer(c)) continue;
                if (!(t = next(out, max, &n, 3, "reverse_shell"))) return n;
                textf(t->title, sizeof t->title, "reverse shell: %s with its %s on a connection to %s:%d", p->program,
                      fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr", c->remote, c->rport);
                textf(t->description, sizeof t->description, "a shell or interpreter reads commands from a network peer");
                describe(p, t);
                network(c, t);
                break;
            }
        }
        if (in_set(p->program, NETCATS, sizeof NETCATS / sizeof *NETCATS) && (p->flags & F_NC_EXEC)) {
            if (!(t = next(out, max, &n, 3, "reverse_shell"))) return n;
            textf(t->title, sizeof t->title, "reverse shell: %s executing a program for a connection", p->program);
            textf(t->description, sizeof t->description, "netcat or socat with an exec option hands a program's stdio to a network peer");
            describe(p, t);
        } else if (p->flags & F_DEVNET) {
            if (!(t = next(out, max, &n, 3, "reverse_shell"))) return n;
            textf(t->title, sizeof t->title, "reverse shell: %s redirecting to /dev/tcp or /dev/udp", p->program);
            textf(t->description, sizeof t->description, "a shell redirection opens a network connection");
            describe(p, t);
        }
    }
    /* Detectors.connections */
    for (int k = 0; k < look->nconns; k++) {
        const struct conn *c = &look->conns[k];
        const struct mon_proc *o = owner(look, c->inode);
        int outgoing = remote_peer(c) && c->state != ST_LISTEN && c->state != ST_TIME_WAIT;
        if (outgoing && (strcmp(c->remote, "169.254.169.254") == 0 || strcmp(c->remote, "fd00:ec2::254") == 0)) {
            if (!(t = next(out, max, &n, 2, "network"))) return n;
            textf(t->title, sizeof t->title, "connection to the cloud metadata address %s", c->remote);
            textf(t->description, sizeof t->description, "the metadata service hands out cloud credentials");
        } else if (outgoing && has_port(settings, c->rport)) {
            if (!(t = next(out, max, &n, 2, "network"))) return n;
            textf(t->title, sizeof t->title, "connection to suspicious port %d of %s", c->rport, c->remote);
            textf(t->description, sizeof t->description, "a port listed in suspicious_ports, typical of attack tooling");
        } else if (c->state == ST_LISTEN && has_port(settings, c->lport)) {
            if (!(t = next(out, max, &n, 2, "network"))) return n;
            textf(t->title, sizeof t->title, "listening on suspicious port %d", c->lport);
            textf(t->description, sizeof t->description, "a port listed in suspicious_ports, typical of a bind shell");
        } else {
            continue;
        }
        if (o) describe(o, t);
        network(c, t);
    }
    /* Detectors.credentialScans */
    for (int i = 0; i < look->nprocs; i++) {
        const struct mon_proc *p = look->procs[i];
        int tool = -1;
        for (int k = 0; k < 3 && tool < 0; k++)
            if ((p->flags & (F_TOOL0 << k)) && !(strcmp(p->program, TOOLS[k]) == 0 || (p->flags & (F_ISTOOL0 << k)))) tool = k;
        if (p->flags & F_ENV_OTHER) {
            if (!(t = next(out, max, &n, 1, "credential_scan"))) return n;
            textf(t->title, sizeof t->title, "reading other processes' environment");
            textf(t->description, sizeof t->description, "environment variables of other processes often hold API keys");
        } else if (in_set(p->program, SEARCHERS, sizeof SEARCHERS / sizeof *SEARCHERS) && (p->flags & F_SECRET)) {
            if (!(t = next(out, max, &n, 1, "credential_scan"))) return n;
            textf(t->title, sizeof t->title, "searching for credentials with %s", p->program);
            textf(t->description, sizeof t->description, "a search for KEY, TOKEN, SECRET or PASSWORD");
        } else if (tool >= 0) {
            if (!(t = next(out, max, &n, 1, "credential_scan"))) return n;
            textf(t->title, sizeof t->title, "reading %s's credential file by %s", TOOLS[tool], p->program);
            textf(t->description, sizeof t->description, "the coding tool's login token, read by a process that is not the tool");
        } else if (!in_set(p->program, CREDENTIAL_OWNERS, sizeof CREDENTIAL_OWNERS / sizeof *CREDENTIAL_OWNERS) && (p->flags & F_CRED)) {
            if (!(t = next(out, max, &n, 1, "credential_scan"))) return n;
            textf(t->title, sizeof t->title, "reading credential files by %s", p->program);
            textf(t->description, sizeof t->description, "~/.ssh, ~/.aws, ~/.config/gh hold keys and tokens");
        } else {
            continue;
        }
        describe(p, t);
    }
    return n;
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
 */
int mon_look_main(int argc, char **argv) {
    int dedup = 0, nexecs = 0;
    int execs[64];
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--dedup") == 0) {
            dedup = 1;
        } else if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc && nexecs < 64 && parse_int(argv[i + 1], strlen(argv[i + 1]), &execs[nexecs])) {
            nexecs++;
            i++;
        } else {
            argc = 0;
            break;
        }
    }
    if (argc < 5) {
        fprintf(stderr, "usage: coi-waiter --look PROC_ROOT CGROUP_ROOT TARGETS_FILE [--dedup] [--exec PID]...\n");
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
        struct mon_look *look = look_read(argv[2], argv[3], targets[i].payload, targets[i].container,
                                          targets[i].settings.process_count_threshold, err, sizeof err);
        if (!look) {
            fprintf(stderr, "%s\n", err);
            status = 1;
            break;
        }
        for (int k = 0; k < nexecs; k++) {
            char payload[MON_NAME];
            if (!mon_payload_of(argv[2], execs[k], payload, sizeof payload) || strcmp(payload, targets[i].payload) != 0) continue;
            struct mon_proc *p = mon_proc_read(argv[2], execs[k]);
            if (p) mon_look_add_execs(look, &p, 1);
        }
        int n = mon_detect_look(look, &targets[i].settings, threats, MON_MAX_THREATS);
        for (int k = 0; k < n; k++) {
            if (mon_threat_json(&threats[k], targets[i].container, json, 64 * 1024) < 0) continue;
            printf("%s\n", json);
            if (!dedup) continue;
            char key[16 * 1024];
            if (mon_dedup_key(&threats[k], key, sizeof key) < 0) continue;
            struct out o = {json, 64 * 1024, 0, 0};
            put_string(&o, key, strlen(key));
            printf("%s\n", o.over ? "null" : json);
        }
        mon_look_free(look);
    }
    free(threats);
    free(json);
    if (fflush(stdout) != 0) return 2;
    return status;
}
