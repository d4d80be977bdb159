package coi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The file system calls the JDK cannot make (relative to an open folder, never through a link) for
 * {@code coi.incus.HostTree} and {@link PlainFile}: each returns its result (a descriptor, a count, 0)
 * or -errno. Through libcoi-unix.so ({@link Jni}, src/main/c/coi-files.c) when it is loaded ({@link
 * NativeLib}); else through FFM ({@link Ffm}), the C library's functions linked at their first call.
 * FFM links a downcall by spinning classes: the host-tree walk's took 0.3-0.4 s of a thread in every
 * `coi run`, beside the daemon starting the session on a machine of two cores; the library loads in
 * about a millisecond. Paths are passed as UTF-8, as FFM's strings are; a NUL in one is refused.
 */
public abstract sealed class FileCalls permits FileCalls.Jni, FileCalls.Ffm {
    /** The most {@link #read} and {@link #write} move in one call. */
    public static final int CHUNK = 64 * 1024;
    private static final FileCalls CALLS = NativeLib.loaded() ? new Jni() : new Ffm();

    FileCalls() {}

    /** The library's calls when it is loaded, else FFM's. */
    public static FileCalls get() {
        return CALLS;
    }

    public abstract int openat(int dirfd, String path, int flags, int mode);

    public abstract int mkdirat(int dirfd, String path, int mode);

    public abstract int symlinkat(String target, int dirfd, String path);

    /** renameat2 with {@code flags}; renameat when they are 0. */
    public abstract int renameat2(int fromDir, String from, int toDir, String to, int flags);

    public abstract int unlinkat(int dirfd, String path, int flags);

    public abstract int fchmod(int fd, int mode);

    public abstract int chmod(String path, int mode);

    /** Up to {@code len} bytes (at most {@link #CHUNK}) into {@code b[off..]}, at {@code at} (pread) when it is not negative: the count, 0 at the end. */
    public final int read(int fd, byte[] b, int off, int len, long at) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        return readChunk(fd, b, off, Math.min(len, CHUNK), at);
    }

    /** Up to {@code len} bytes (at most {@link #CHUNK}) of {@code b[off..]}: the count written. */
    public final int write(int fd, byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        return writeChunk(fd, b, off, Math.min(len, CHUNK));
    }

    /** {@link #read} of a range within {@code b} of at most {@link #CHUNK} bytes. */
    abstract int readChunk(int fd, byte[] b, int off, int len, long at);

    /** {@link #write} of a range within {@code b} of at most {@link #CHUNK} bytes. */
    abstract int writeChunk(int fd, byte[] b, int off, int len);

    /** statx of {@code path} at {@code dirfd}: {@code out[0]} the mode, {@code out[1]} the size. */
    public abstract int statx(int dirfd, String path, int flags, int mask, long[] out);

    /** The link's target at {@code path} into {@code b}: the count of bytes (b's length when it may not have fit). */
    public abstract int readlinkat(int dirfd, String path, byte[] b);

    /** Closes a descriptor; a failed close has nothing left to undo. */
    public abstract void close(int fd);

    static byte[] bytes(String path) {
        if (path.indexOf('\0') >= 0) throw new IllegalArgumentException("a path with a NUL character: " + path);
        return path.getBytes(StandardCharsets.UTF_8);
    }

    /** Through libcoi-unix.so. */
    static final class Jni extends FileCalls {
        @Override public int openat(int dirfd, String path, int flags, int mode) { return openat(dirfd, bytes(path), flags, mode); }
        @Override public int mkdirat(int dirfd, String path, int mode) { return mkdirat(dirfd, bytes(path), mode); }
        @Override public int symlinkat(String target, int dirfd, String path) { return symlinkat(bytes(target), dirfd, bytes(path)); }
        @Override public int renameat2(int fromDir, String from, int toDir, String to, int flags) {
            return renameat2(fromDir, bytes(from), toDir, bytes(to), flags);
        }
        @Override public int unlinkat(int dirfd, String path, int flags) { return unlinkat(dirfd, bytes(path), flags); }
        @Override public int chmod(String path, int mode) { return chmod(bytes(path), mode); }
        @Override int readChunk(int fd, byte[] b, int off, int len, long at) { return read1(fd, b, off, len, at); }
        @Override int writeChunk(int fd, byte[] b, int off, int len) { return write1(fd, b, off, len); }
        @Override public int statx(int dirfd, String path, int flags, int mask, long[] out) { return statx(dirfd, bytes(path), flags, mask, out); }
        @Override public int readlinkat(int dirfd, String path, byte[] b) { return readlinkat(dirfd, bytes(path), b); }
        @Override public int fchmod(int fd, int mode) { return fchmod0(fd, mode); }
        @Override public void close(int fd) { close0(fd); }

        private static native int openat(int dirfd, byte[] path, int flags, int mode);
        private static native int mkdirat(int dirfd, byte[] path, int mode);
        private static native int symlinkat(byte[] target, int dirfd, byte[] path);
        private static native int renameat2(int fromDir, byte[] from, int toDir, byte[] to, int flags);
        private static native int unlinkat(int dirfd, byte[] path, int flags);
        private static native int chmod(byte[] path, int mode);
        private static native int fchmod0(int fd, int mode);
        private static native void close0(int fd);
        private static native int read1(int fd, byte[] b, int off, int len, long at);
        private static native int write1(int fd, byte[] b, int off, int len);
        private static native int statx(int dirfd, byte[] path, int flags, int mask, long[] out);
        private static native int readlinkat(int dirfd, byte[] path, byte[] b);
    }

    /** Through FFM: the C library's functions, each linked at its first call. */
    static final class Ffm extends FileCalls {
        /** A call with an arena and the errno state; returns its result or -errno. */
        private interface Call {
            long run(Arena arena, MemorySegment state) throws Throwable;
        }

        private static int call(String what, Call body) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Native.CALL_STATE);
                long r = body.run(arena, state);
                return (int) (r < 0 ? -Native.errno(state) : r);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(what, t);
            }
        }

        private static final class H {
            static final MethodHandle OPENAT = Native.withErrno("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                    Linker.Option.firstVariadicArg(3));
            static final MethodHandle MKDIRAT = Native.withErrno("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            static final MethodHandle SYMLINKAT = Native.withErrno("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
            static final MethodHandle RENAMEAT2 = Native.withErrno("renameat2",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
            static final MethodHandle UNLINKAT = Native.withErrno("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            static final MethodHandle FCHMOD = Native.withErrno("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
            static final MethodHandle CHMOD = Native.withErrno("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            static final MethodHandle READ = Native.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
            static final MethodHandle PREAD = Native.withErrno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
            static final MethodHandle WRITE = Native.withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
            static final MethodHandle STATX = Native.withErrno("statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
            static final MethodHandle READLINKAT = Native.withErrno("readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        }

        private static MemorySegment path(Arena arena, String path) {
            bytes(path);
            return arena.allocateFrom(path);
        }

        @Override public int openat(int dirfd, String path, int flags, int mode) {
            return call("openat", (a, s) -> (int) H.OPENAT.invokeExact(s, dirfd, path(a, path), flags, mode));
        }

        @Override public int mkdirat(int dirfd, String path, int mode) {
            return call("mkdirat", (a, s) -> (int) H.MKDIRAT.invokeExact(s, dirfd, path(a, path), mode));
        }

        @Override public int symlinkat(String target, int dirfd, String path) {
            return call("symlinkat", (a, s) -> (int) H.SYMLINKAT.invokeExact(s, path(a, target), dirfd, path(a, path)));
        }

        @Override public int renameat2(int fromDir, String from, int toDir, String to, int flags) {
            return call("renameat2", (a, s) -> (int) H.RENAMEAT2.invokeExact(s, fromDir, path(a, from), toDir, path(a, to), flags));
        }

        @Override public int unlinkat(int dirfd, String path, int flags) {
            return call("unlinkat", (a, s) -> (int) H.UNLINKAT.invokeExact(s, dirfd, path(a, path), flags));
        }

        @Override public int fchmod(int fd, int mode) {
            return call("fchmod", (a, s) -> (int) H.FCHMOD.invokeExact(s, fd, mode));
        }

        @Override public int chmod(String path, int mode) {
            return call("chmod", (a, s) -> (int) H.CHMOD.invokeExact(s, path(a, path), mode));
        }

        @Override int readChunk(int fd, byte[] b, int off, int n, long at) {
            return call("read", (a, s) -> {
                MemorySegment buffer = a.allocate(Math.max(1, n));
                long r = at >= 0 ? (long) H.PREAD.invokeExact(s, fd, buffer, (long) n, at) : (long) H.READ.invokeExact(s, fd, buffer, (long) n);
                if (r > 0) MemorySegment.copy(buffer, JAVA_BYTE, 0, b, off, (int) r);
                return r;
            });
        }

        @Override int writeChunk(int fd, byte[] b, int off, int n) {
            return call("write", (a, s) -> {
                MemorySegment buffer = a.allocate(Math.max(1, n));
                MemorySegment.copy(b, off, buffer, JAVA_BYTE, 0, n);
                return (long) H.WRITE.invokeExact(s, fd, buffer, (long) n);
            });
        }

        @Override public int statx(int dirfd, String path, int flags, int mask, long[] out) {
            return call("statx", (a, s) -> {
                MemorySegment statx = a.allocate(LinuxAbi.STATX_BYTES, 8);
                int r = (int) H.STATX.invokeExact(s, dirfd, path(a, path), flags, mask, statx);
                if (r == 0) {
                    out[0] = statx.get(JAVA_SHORT, LinuxAbi.STX_MODE) & 0xffff;
                    out[1] = statx.get(JAVA_LONG, LinuxAbi.STX_SIZE);
                }
                return r;
            });
        }

        @Override public int readlinkat(int dirfd, String path, byte[] b) {
            return call("readlinkat", (a, s) -> {
                MemorySegment target = a.allocate(Math.max(1, b.length));
                long r = (long) H.READLINKAT.invokeExact(s, dirfd, path(a, path), target, (long) b.length);
                if (r > 0) MemorySegment.copy(target, JAVA_BYTE, 0, b, 0, (int) r);
                return r;
            });
        }

        @Override public void close(int fd) {
            Native.close(fd);
        }
    }
}
