/*
 * An attack for the monitor's integration tests, run as root inside a container: a process whose main thread ends
 * (pthread_exit) while another thread runs on. Its /proc/PID then shows an empty command line, no exe, no cwd and no
 * descriptors: a reverse shell so made looks like nothing. It holds a socket on its stdin and keeps its arguments
 * (e.g. a /dev/tcp/ path that it never opens) in its command line, for the monitor to find through the thread.
 */
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static void *wait_forever(void *unused) {
    (void)unused;
    for (;;) pause();
    return NULL;
}

int main(void) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) < 0 || dup2(pair[0], 0) < 0) return 1;
    pthread_t t;
    if (pthread_create(&t, NULL, wait_forever, NULL) != 0) return 1;
    pthread_exit(NULL);
}
