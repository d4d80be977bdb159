/* Small pieces shared by the waiter's translation units (coi-waiter.c, monitor.c). */
#ifndef COI_UTIL_H
#define COI_UTIL_H

#include <stddef.h>

/* Writes all n bytes (again after EINTR and short writes); 0, or -1 with errno. */
int write_all(int fd, const void *buf, size_t n);

#endif
