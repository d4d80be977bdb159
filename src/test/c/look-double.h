/* A test double of monitor-look.c (what NativeWatchTest's C program links instead): scripted looks. */
#ifndef COI_LOOK_DOUBLE_H
#define COI_LOOK_DOUBLE_H
#include "../../main/c/monitor.h"

/* A process every look describes (when its pid is asked for). */
struct double_proc {
    int pid, ppid, uid;
    const char *exe;     /* NULL: unknown */
    const char *cmd;     /* NUL-joined */
    size_t cmd_len;
};

extern struct double_proc double_procs[8];
extern int double_nprocs;
/* threats every mon_detect_look returns */
extern struct mon_threat double_threats[4];
extern int double_nthreats;
/* pids of the execs the last look was given */
extern int double_exec_pids[16];
extern int double_nexecs;
extern int double_looks;
/* when set, every look fails with this err (e.g. MON_TOO_MUCH ...) */
extern const char *double_look_err;
/* when set, mon_detect_look answers -1: more threats than max */
extern int double_detect_overflow;
/* when set, mon_detect_look answers -1 and mon_look_refused this: an exec read over its bounds */
extern const char *double_look_refused;
/* what every look says of the tasks its pids.current counted that it did not find (mon_look_unaccounted) */
extern long long double_unaccounted;

#endif
