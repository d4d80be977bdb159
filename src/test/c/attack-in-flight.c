/*
 * An attack for the monitor's integration tests, run as root inside a container: a connection held in no descriptor
 * table. It connects to ADDRESS:PORT (listening itself, so nothing leaves the container when ADDRESS is its own),
 * sends both ends over a unix socket to itself (SCM_RIGHTS) and closes them: until received, the sockets are in
 * flight, in no process's /proc/PID/fd, as a reverse shell would park its connection between two uses.
 *
 * Usage: attack-in-flight ADDRESS PORT; prints "ready" once both ends are in flight.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* fd sent over the unix socket sp, then closed here */
static void park(int sp, int fd) {
    char byte = 'x';
    struct iovec io = {&byte, 1};
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &fd, sizeof fd);
    if (sendmsg(sp, &m, 0) < 0) {
        perror("sendmsg");
        exit(1);
    }
    close(fd);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
        return 2;
    }
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &peer.sin_addr) != 1) return 2;
    struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = peer.sin_port, .sin_addr = {htonl(INADDR_ANY)}};
    int sp[2], one = 1;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) < 0 || listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(listener, (struct sockaddr *)&any, sizeof any) < 0 || listen(listener, 1) < 0) {
        perror("listen");
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&peer, sizeof peer) < 0) {
        perror("connect");
        return 1;
    }
    int accepted = accept(listener, NULL, NULL);
    if (accepted < 0) {
        perror("accept");
        return 1;
    }
    close(listener);
    park(sp[0], s);
    park(sp[0], accepted);
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}
