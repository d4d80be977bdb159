package coi.monitor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import coi.LinuxAbi;
import coi.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The few C library calls the monitor's kernel interfaces need (fanotify, the process events
 * connector), through the FFM API. Calls that can fail take a call-state segment first, from
 * which {@link #errno} reads why.
 */
final class Libc {
    static final StructLayout CALL_STATE = Native.CALL_STATE;

    static final MethodHandle FANOTIFY_INIT = withErrno("fanotify_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle FANOTIFY_MARK = withErrno("fanotify_mark",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
    static final MethodHandle SOCKET = withErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle BIND = withErrno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle SEND = withErrno("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle POLL = plain("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle READ = plain("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private static final int POLLIN = 1;

    private Libc() {}

    static int errno(MemorySegment state) {
        return Native.errno(state);
    }

    /** A struct pollfd waiting for input on {@code fd}. */
    static MemorySegment pollIn(Arena arena, int fd) {
        MemorySegment pollfd = arena.allocate(8, 4);
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, (short) POLLIN);
        return pollfd;
    }

    /** Waits up to {@code timeoutMillis} for input; false when none came. */
    static boolean ready(MemorySegment pollfd, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(pollfd, 1L, timeoutMillis) > 0;
        } catch (Throwable t) {
            throw new IllegalStateException("poll", t);
        }
    }

    /** Bytes read into {@code buffer}, or a negative number when nothing was there to read. */
    static long read(int fd, MemorySegment buffer) {
        try {
            return (long) READ.invokeExact(fd, buffer, buffer.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("read", t);
        }
    }

    /**
     * kcmp(a, b, KCMP_FILES): 0 when tasks a and b share one descriptor table, 1 or 2 when they do not, -errno when the
     * kernel cannot tell (-ESRCH: one of them has ended).
     */
    static int kcmpFiles(int a, int b) {
        MemorySegment state = Kcmp.STATE.get();
        long r = Native.syscall(state, Kcmp.NUMBER, a, b, Kcmp.FILES, 0, 0);
        return r < 0 ? -errno(state) : (int) r;
    }

    /** Whether the kernel answers kcmp(KCMP_FILES): a process's own main thread compared with itself. */
    static final boolean KCMP = kcmpFiles((int) ProcessHandle.current().pid(), (int) ProcessHandle.current().pid()) == 0;

    private static final class Kcmp {
        /** Each calling thread's errno segment: a look at a process of thousands of threads calls kcmp for each. */
        static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.global().allocate(CALL_STATE));
        static final long FILES = 2, NUMBER = LinuxAbi.ARM ? 272 : 312;
    }

    static void close(int fd) {
        Native.close(fd);
    }

    private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return Native.plain(name, descriptor);
    }

    private static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
        return Native.withErrno(name, descriptor);
    }
}
