/*
 * libcoi-unix.so: the local daemon's unix socket for the JVM (coi.incus.NativeUnixSocket), through
 * JNI: socket, connect, recv, send, poll, shutdown and close, nothing else.
 *
 * Why not the JDK's own unix-domain SocketChannel: its first use initialises sun.nio.ch.UnixDomainSockets,
 * which seeds a SecureRandom (for names of auto-bound sockets, which coi never makes) and so starts the
 * whole security framework (java.security read and parsed, the SUN provider's services registered): 30-45
 * ms of every coi command's start here, on the critical path of `coi list` (bench/startup). This library
 * loads and connects in about 1 ms; bin/coi names it (-Dcoi.unixlib) and coi falls back to the JDK's
 * channel when it is missing or does not load.
 *
 * The socket is non-blocking; each call waits with poll() for at most its timeout (0: for ever), so a
 * daemon that accepts and never answers cannot hang coi. Errors are thrown as the JDK's channel throws
 * them (the same exception classes for the same errno values, strerror's text), timeouts are returned
 * (TIMED_OUT) for the Java side to say what it waited for. Writes use MSG_NOSIGNAL: a daemon that went
 * away makes a write fail with EPIPE, never a SIGPIPE. The descriptor is close-on-exec.
 */
#include <jni.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define TIMED_OUT (-2)
#define CHUNK 16384

static void throw_errno(JNIEnv *env, int err) {
    /* as the JDK's Net.c maps a socket error to an exception class */
    const char *type = "java/net/SocketException";
    if (err == ECONNREFUSED || err == ETIMEDOUT || err == ENOTCONN) type = "java/net/ConnectException";
    else if (err == EHOSTUNREACH) type = "java/net/NoRouteToHostException";
    else if (err == EADDRINUSE || err == EADDRNOTAVAIL || err == EACCES) type = "java/net/BindException";
    jclass cls = (*env)->FindClass(env, type);
    if (cls != NULL) (*env)->ThrowNew(env, cls, strerror(err));
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits until fd is ready for events, at most timeout_ms (0: for ever): 1 when ready, 0 when the time is up,
 * -1 with errno on an error. A signal does not shorten the wait. */
static int await(int fd, short events, int timeout_ms) {
    long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int wait = -1;
        if (timeout_ms > 0) {
            long long left = deadline - now_ms();
            if (left <= 0) return 0;
            wait = (int) left;
        }
        int n = poll(&p, 1, wait);
        if (n > 0) return 1;
        if (n == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

/* A connected socket's descriptor; TIMED_OUT when the daemon did not take it within timeout_ms. */
JNIEXPORT jint JNICALL Java_coi_incus_NativeUnixSocket_connect(JNIEnv *env, jclass cls, jbyteArray path, jint timeout_ms) {
    (void) cls;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    jsize len = (*env)->GetArrayLength(env, path);
    if (len <= 0 || (size_t) len >= sizeof addr.sun_path) {
        jclass type = (*env)->FindClass(env, "java/net/SocketException");
        if (type != NULL) (*env)->ThrowNew(env, type, "Unix domain path too long");
        return -1;
    }
    (*env)->GetByteArrayRegion(env, path, 0, len, (jbyte *) addr.sun_path);
    if (memchr(addr.sun_path, 0, (size_t) len) != NULL) {
        jclass type = (*env)->FindClass(env, "java/net/SocketException");
        if (type != NULL) (*env)->ThrowNew(env, type, "Unix domain path holds a NUL");
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw_errno(env, errno);
        return -1;
    }
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) == 0) return fd;
    int err = errno;
    if (err == EAGAIN || err == EINPROGRESS || err == EINTR) {
        /* a listener whose backlog is full: wait for it to take us */
        int ready = await(fd, POLLOUT, timeout_ms);
        if (ready == 0) {
            close(fd);
            return TIMED_OUT;
        }
        socklen_t size = sizeof err;
        if (ready < 0) err = errno;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &size) < 0) err = errno;
        if (ready > 0 && err == 0) return fd;
    }
    close(fd);
    throw_errno(env, err);
    return -1;
}

/* Up to len bytes into b[off..]: how many, -1 at the end of the stream, TIMED_OUT when none came within timeout_ms. */
JNIEXPORT jint JNICALL Java_coi_incus_NativeUnixSocket_read(JNIEnv *env, jclass cls, jint fd, jbyteArray b, jint off, jint len,
                                                           jint timeout_ms) {
    (void) cls;
    char buf[CHUNK];
    if (len > CHUNK) len = CHUNK;
    for (;;) {
        ssize_t n = recv(fd, buf, (size_t) len, 0);
        if (n > 0) {
            (*env)->SetByteArrayRegion(env, b, off, (jsize) n, (const jbyte *) buf);
            return (jint) n;
        }
        if (n == 0) return -1;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) break;
        int ready = await(fd, POLLIN, timeout_ms);
        if (ready == 0) return TIMED_OUT;
        if (ready < 0) break;
    }
    throw_errno(env, errno);
    return -1;
}

/* All of b[off..off+len]; 0 when sent, TIMED_OUT when the daemon took nothing for timeout_ms. */
JNIEXPORT jint JNICALL Java_coi_incus_NativeUnixSocket_write(JNIEnv *env, jclass cls, jint fd, jbyteArray b, jint off, jint len,
                                                            jint timeout_ms) {
    (void) cls;
    char buf[CHUNK];
    while (len > 0) {
        jint part = len > CHUNK ? CHUNK : len;
        (*env)->GetByteArrayRegion(env, b, off, part, (jbyte *) buf);
        jint sent = 0;
        while (sent < part) {
            ssize_t n = send(fd, buf + sent, (size_t) (part - sent), MSG_NOSIGNAL);
            if (n >= 0) {
                sent += (jint) n;
                continue;
            }
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                throw_errno(env, errno);
                return -1;
            }
            int ready = await(fd, POLLOUT, timeout_ms);
            if (ready == 0) return TIMED_OUT;
            if (ready < 0) {
                throw_errno(env, errno);
                return -1;
            }
        }
        off += part;
        len -= part;
    }
    return 0;
}

/* Ends both directions: a thread waiting in read or write on fd wakes (the end of the stream, or EPIPE). */
JNIEXPORT void JNICALL Java_coi_incus_NativeUnixSocket_shutdown(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    shutdown(fd, SHUT_RDWR);
}

JNIEXPORT void JNICALL Java_coi_incus_NativeUnixSocket_close(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    close(fd);
}
