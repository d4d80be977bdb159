/*
 * An attack for the monitor's integration tests, run as root inside a container: `attack-cgroup-mover CGROUP_DIR PID`
 * watches every cgroup.procs under CGROUP_DIR (inotify) and, each time one has been read and closed (IN_CLOSE_NOWRITE:
 * the host's monitor walking the container's cgroups), moves PID into that cgroup: one the walk has read already.
 * A walk that reads each cgroup once then never sees PID. Prints "watching N" once its watches are set.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define MAX_GROUPS 4096
static char *groups[MAX_GROUPS];
static int inotify, watched;

static int watch(const char *path, const struct stat *st, int type, struct FTW *at) {
    (void)st;
    (void)at;
    if (type != FTW_D) return 0;
    char procs[4096];
    if (snprintf(procs, sizeof procs, "%s/cgroup.procs", path) >= (int)sizeof procs) return 0;
    int w = inotify_add_watch(inotify, procs, IN_CLOSE_NOWRITE);
    if (w >= 0 && w < MAX_GROUPS) groups[w] = strdup(procs), watched++;
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    inotify = inotify_init1(IN_CLOEXEC);
    if (inotify < 0 || nftw(argv[1], watch, 64, FTW_PHYS) < 0) return 1;
    printf("watching %d\n", watched);
    fflush(stdout);
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(inotify, buf, sizeof buf);
        if (n <= 0) return 1;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            p += sizeof *e + e->len;
            if (e->wd < 0 || e->wd >= MAX_GROUPS || !groups[e->wd]) continue;
            int fd = open(groups[e->wd], O_WRONLY | O_CLOEXEC);
            if (fd < 0) continue;
            if (write(fd, argv[2], strlen(argv[2])) < 0) {
                /* a cgroup that takes no process (v2's no-internal-process rule): the next one will */
            }
            close(fd);
        }
    }
}
