/*
 * The file calls of coi.FileCalls through JNI, in libcoi-unix.so beside the unix socket (coi-unix.c):
 * openat, mkdirat, symlinkat, renameat(2), unlinkat, fchmod, chmod, read, write, pread, statx,
 * readlinkat and close, each made once as the Java side asks, nothing else.
 *
 * Why not FFM (java.lang.foreign), which coi used for them: a downcall handle is a class spun at run
 * time, and the thirteen of the host-tree walk (coi.incus.HostTree, coi.PlainFile) took 0.3-0.4 s of a
 * thread's time in every `coi run` (measured with -Xlog:class+init), on a machine of two cores where
 * the daemon starts the session at the same moment. This library is loaded in about a millisecond.
 *
 * Every function returns its result (a descriptor, a count, 0) or -errno, and never throws: what an
 * error means is the Java side's to say. Paths come as NUL-free bytes (the Java side refuses a NUL) and
 * are copied with their terminating NUL onto the stack; one longer than PATH_MAX is ENAMETOOLONG, as
 * the kernel would say. Reads and writes go through a buffer of at most CHUNK bytes per call, taken from
 * the heap: the supervisor's threads have 256 KiB stacks (-Xss256k), too small to lend 64 KiB of them.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536

/* The bytes of `path` into `out` (PATH_MAX bytes) with a NUL after them: 0, or -ENAMETOOLONG. */
static int path_of(JNIEnv *env, jbyteArray path, char *out) {
    jsize n = (*env)->GetArrayLength(env, path);
    if (n >= PATH_MAX) return -ENAMETOOLONG;
    (*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *) out);
    out[n] = 0;
    return 0;
}

#define PATH(var, array)                          \
    char var[PATH_MAX];                           \
    do {                                          \
        int bad_ = path_of(env, array, var);      \
        if (bad_ < 0) return bad_;                \
    } while (0)

static jint result(long r) {
    return r < 0 ? -errno : (jint) r;
}

JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_openat(JNIEnv *env, jclass cls, jint dirfd, jbyteArray path, jint flags, jint mode) {
    (void) cls;
    PATH(p, path);
    return result(openat(dirfd, p, flags, (mode_t) mode));
}

JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_mkdirat(JNIEnv *env, jclass cls, jint dirfd, jbyteArray path, jint mode) {
    (void) cls;
    PATH(p, path);
    return result(mkdirat(dirfd, p, (mode_t) mode));
}

JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_symlinkat(JNIEnv *env, jclass cls, jbyteArray target, jint dirfd, jbyteArray path) {
    (void) cls;
    PATH(t, target);
    PATH(p, path);
    return result(symlinkat(t, dirfd, p));
}

JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_renameat2(JNIEnv *env, jclass cls, jint fromdir, jbyteArray from, jint todir,
                                                            jbyteArray to, jint flags) {
    (void) cls;
    PATH(f, from);
    PATH(t, to);
    return result(flags == 0 ? renameat(fromdir, f, todir, t) : renameat2(fromdir, f, todir, t, (unsigned int) flags));
}

JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_unlinkat(JNIEnv *env, jclass cls, jint dirfd, jbyteArray path, jint flags) {
    (void) cls;
    PATH(p, path);
    return result(unlinkat(dirfd, p, flags));
}

JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_fchmod0(JNIEnv *env, jclass cls, jint fd, jint mode) {
    (void) env;
    (void) cls;
    return result(fchmod(fd, (mode_t) mode));
}

JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_chmod(JNIEnv *env, jclass cls, jbyteArray path, jint mode) {
    (void) cls;
    PATH(p, path);
    return result(chmod(p, (mode_t) mode));
}

/* Up to len bytes (at most CHUNK) from fd into b[off..], at `at` when at >= 0 (pread): the count, 0 at the end, or -errno. */
JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_read1(JNIEnv *env, jclass cls, jint fd, jbyteArray b, jint off, jint len, jlong at) {
    (void) cls;
    if (len > CHUNK) len = CHUNK;
    char *buf = malloc(len > 0 ? (size_t) len : 1);
    if (buf == NULL) return -ENOMEM;
    ssize_t n = at >= 0 ? pread(fd, buf, (size_t) len, (off_t) at) : read(fd, buf, (size_t) len);
    int err = errno;
    if (n > 0) (*env)->SetByteArrayRegion(env, b, off, (jsize) n, (const jbyte *) buf);
    free(buf);
    return n < 0 ? -err : (jint) n;
}

/* Up to len bytes (at most CHUNK) of b[off..] to fd: the count written, or -errno. */
JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_write1(JNIEnv *env, jclass cls, jint fd, jbyteArray b, jint off, jint len) {
    (void) cls;
    if (len > CHUNK) len = CHUNK;
    char *buf = malloc(len > 0 ? (size_t) len : 1);
    if (buf == NULL) return -ENOMEM;
    (*env)->GetByteArrayRegion(env, b, off, len, (jbyte *) buf);
    ssize_t n = write(fd, buf, (size_t) len);
    int err = errno;
    free(buf);
    return n < 0 ? -err : (jint) n;
}

/* statx of path at dirfd: out[0] the mode (stx_mode), out[1] the size; 0, or -errno. */
JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_statx(JNIEnv *env, jclass cls, jint dirfd, jbyteArray path, jint flags, jint mask,
                                                        jlongArray out) {
    (void) cls;
    PATH(p, path);
    struct statx st;
    memset(&st, 0, sizeof st);
    if (statx(dirfd, p, flags, (unsigned int) mask, &st) < 0) return -errno;
    jlong values[2] = {(jlong) st.stx_mode, (jlong) st.stx_size};
    (*env)->SetLongArrayRegion(env, out, 0, 2, values);
    return 0;
}

/* The link at path into b (at most its length): the count (b's length + 1 would not fit: the caller gives room for one more), or -errno. */
JNIEXPORT jint JNICALL Java_coi_FileCalls_00024Jni_readlinkat(JNIEnv *env, jclass cls, jint dirfd, jbyteArray path, jbyteArray b) {
    (void) cls;
    PATH(p, path);
    char buf[PATH_MAX + 1];
    jsize room = (*env)->GetArrayLength(env, b);
    if (room > (jsize) sizeof buf) room = (jsize) sizeof buf;
    ssize_t n = readlinkat(dirfd, p, buf, (size_t) room);
    if (n < 0) return -errno;
    (*env)->SetByteArrayRegion(env, b, 0, (jsize) n, (const jbyte *) buf);
    return (jint) n;
}

JNIEXPORT void JNICALL Java_coi_FileCalls_00024Jni_close0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    close(fd);
}
