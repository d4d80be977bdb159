/*
 * A minimal stand-in for monitor-look.c, for NativeWatchTest's C program only: a look is the pids of
 * CGROUP_ROOT/PAYLOAD/cgroup.procs (v2 form) plus the scripted processes; the detectors return the scripted
 * threats; the JSON and dedup key follow the spec closely enough for the tests of monitor.c.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "look-double.h"

struct double_proc double_procs[8];
int double_nprocs;
struct mon_threat double_threats[4];
int double_nthreats;
int double_exec_pids[16];
int double_nexecs;
int double_looks;

struct mon_look {
    int pids[256];
    int n;
};

struct mon_proc {
    int pid;
};

static ssize_t slurp(const char *path, char *buf, size_t n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t r = read(fd, buf, n - 1);
    close(fd);
    if (r < 0) return -1;
    buf[r] = 0;
    return r;
}

const char *double_look_err;
int double_detect_overflow;
const char *double_look_refused;
long long double_unaccounted;

struct mon_look *mon_look_read(const char *proc_root, const char *cgroup_root, const char *payload, long init, int count_threshold, char *err,
                               size_t errlen) {
    (void)proc_root;
    (void)init;
    (void)count_threshold;
    char path[4096], buf[4096];
    if (double_look_err) {
        snprintf(err, errlen, "%s", double_look_err);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/%s/cgroup.procs", cgroup_root, payload);
    if (slurp(path, buf, sizeof buf) < 0) {
        snprintf(err, errlen, "cannot observe %s: no cgroup (double)", payload);
        return NULL;
    }
    struct mon_look *l = calloc(1, sizeof *l);
    for (char *p = buf; *p && l->n < 256;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p) break;
        l->pids[l->n++] = (int)v;
        p = end;
        while (*p == '\n') p++;
    }
    if (l->n == 0) {
        free(l);
        snprintf(err, errlen, "cannot observe %s: its cgroup has no process (double)", payload);
        return NULL;
    }
    double_looks++;
    return l;
}

void mon_look_free(struct mon_look *look) {
    free(look);
}

long long mon_look_unaccounted(const struct mon_look *look) {
    (void)look;
    return double_unaccounted;
}

int mon_look_pids(const struct mon_look *look, const int **pids) {
    *pids = look->pids;
    return look->n;
}

struct mon_proc *mon_proc_read(const char *proc_root, int pid) {
    char path[4096], buf[256];
    snprintf(path, sizeof path, "%s/%d/cmdline", proc_root, pid);
    if (slurp(path, buf, sizeof buf) <= 0) return NULL;
    struct mon_proc *p = calloc(1, sizeof *p);
    p->pid = pid;
    return p;
}

void mon_proc_free(struct mon_proc *p) {
    free(p);
}

int mon_payload_of(const char *proc_root, int pid, char *out, size_t n) {
    char path[4096], buf[4096];
    snprintf(path, sizeof path, "%s/%d/cgroup", proc_root, pid);
    if (slurp(path, buf, sizeof buf) < 0) return 0;
    char *at = strstr(buf, "/lxc.payload.");
    if (!at) return 0;
    at++;
    size_t len = strcspn(at, "/\n");
    if (len >= n) return 0;
    memcpy(out, at, len);
    out[len] = 0;
    return 1;
}

void mon_look_add_execs(struct mon_look *look, struct mon_proc **procs, int n) {
    double_nexecs = 0;
    for (int i = 0; i < n; i++) {
        if (double_nexecs < 16) double_exec_pids[double_nexecs++] = procs[i]->pid;
        int have = 0;
        for (int k = 0; k < look->n; k++)
            if (look->pids[k] == procs[i]->pid) have = 1;
        if (!have && look->n < 256) look->pids[look->n++] = procs[i]->pid;
        free(procs[i]);
    }
}

const char *mon_look_refused(const struct mon_look *look) {
    (void)look;
    return double_look_refused;
}

int mon_detect_look(const struct mon_look *look, const struct mon_settings *settings, struct mon_threat *out, int max) {
    (void)look;
    (void)settings;
    if (double_nthreats > max || double_detect_overflow || double_look_refused) return -1;
    int n = double_nthreats;
    for (int i = 0; i < n; i++) out[i] = double_threats[i];
    return n;
}

int mon_look_describe(const struct mon_look *look, int pid, struct mon_threat *t) {
    int present = 0;
    for (int k = 0; k < look->n; k++)
        if (look->pids[k] == pid) present = 1;
    if (!present) return 0;
    for (int i = 0; i < double_nprocs; i++) {
        struct double_proc *p = &double_procs[i];
        if (p->pid != pid) continue;
        t->has_process = 1;
        t->pid = p->pid;
        t->ppid = p->ppid;
        t->uid = p->uid;
        t->has_exe_value = p->exe != NULL;
        if (p->exe) snprintf(t->exe, sizeof t->exe, "%s", p->exe);
        memcpy(t->cmdline, p->cmd, p->cmd_len);
        t->cmdline_len = p->cmd_len;
        return 1;
    }
    return 0;
}

static int put(char *buf, size_t n, size_t *at, const char *s, size_t len) {
    if (*at + len >= n) return -1;
    memcpy(buf + *at, s, len);
    *at += len;
    return 0;
}

static int str(char *buf, size_t n, size_t *at, const char *s, size_t len) {
    if (put(buf, n, at, "\"", 1)) return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            if (put(buf, n, at, e, 2)) return -1;
        } else if (c < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", c);
            if (put(buf, n, at, e, 6)) return -1;
        } else if (put(buf, n, at, (const char *)&c, 1)) {
            return -1;
        }
    }
    return put(buf, n, at, "\"", 1);
}

int mon_threat_json(const struct mon_threat *t, const char *container, char *buf, size_t n) {
    static const char *levels[] = {"info", "warning", "high", "critical"};
    size_t at = 0;
    char num[160];
#define P(s) if (put(buf, n, &at, s, strlen(s))) return -1
#define S(s, l) if (str(buf, n, &at, s, l)) return -1
    P("{\"container\":");
    S(container, strlen(container));
    P(",\"killed\":false,\"threat\":{\"level\":\"");
    P(levels[t->level & 3]);
    P("\",\"category\":");
    S(t->category, strlen(t->category));
    P(",\"title\":");
    S(t->title, strlen(t->title));
    P(",\"description\":");
    S(t->description, strlen(t->description));
    P(",\"evidence\":{");
    int comma = 0;
    if (t->has_process) {
        snprintf(num, sizeof num, "\"process\":{\"pid\":%d,\"ppid\":%d,\"uid\":%d,\"exe\":", t->pid, t->ppid, t->uid);
        P(num);
        if (t->has_exe_value) {
            S(t->exe, strlen(t->exe));
        } else {
            P("null");
        }
        P(",\"cmdline\":[");
        size_t st = 0;
        int first = 1;
        for (size_t i = 0; i <= t->cmdline_len; i++) {
            if (i == t->cmdline_len || t->cmdline[i] == 0) {
                if (i > st || i < t->cmdline_len) {
                    if (!first) P(",");
                    S(t->cmdline + st, i - st);
                    first = 0;
                }
                st = i + 1;
            }
        }
        P("]}");
        comma = 1;
    }
    if (t->has_filesystem) {
        if (comma) P(",");
        snprintf(num, sizeof num, "\"filesystem\":{\"bytes\":%lld,\"window\":", t->fs_bytes);
        P(num);
        S(t->fs_window, strlen(t->fs_window));
        P("}");
    }
    P("}}}");
    buf[at] = 0;
    return (int)at;
}

int mon_dedup_key(const struct mon_threat *t, char *buf, size_t n) {
    size_t at = 0;
    P(t->category);
    P("|");
    for (const char *c = t->title; *c;) {
        if (isdigit((unsigned char)*c)) {
            P("#");
            while (isdigit((unsigned char)*c)) c++;
        } else {
            if (put(buf, n, &at, c, 1)) return -1;
            c++;
        }
    }
    P("|");
    if (t->has_network) {
        P(t->net_remote);
    } else if (t->has_process) {
        for (size_t i = 0; i < t->cmdline_len; i++) {
            char c = t->cmdline[i] ? t->cmdline[i] : ' ';
            if (put(buf, n, &at, &c, 1)) return -1;
        }
    }
    buf[at] = 0;
    return (int)at;
}

int mon_look_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "look-double: no --look\n");
    return 2;
}

int mon_detect_unowned(const struct mon_look *now, const struct mon_look *before, struct mon_threat *out) {
    (void)now;
    (void)before;
    (void)out;
    return 0;
}
