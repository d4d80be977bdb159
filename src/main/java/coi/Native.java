package coi;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library through FFM, for the calls the JDK has no way to make (the monitor's fanotify, netlink
 * and kcmp; {@link FileCalls} without libcoi-unix.so): downcall handles, with or without
 * the call's errno captured into a {@link #CALL_STATE} segment, system calls by number, and close. Each handle is linked
 * (a class spun) when it is made, so callers make theirs where they are first needed.
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    /** The segment a call made by a {@link #withErrno} handle takes first; {@link #errno} reads why it failed. */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private Native() {}

    /** libc's {@code name}, its errno captured into the call state segment it takes before its own arguments. */
    public static MethodHandle withErrno(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = java.util.Arrays.copyOf(options, options.length + 1);
        all[options.length] = Linker.Option.captureCallState("errno");
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, all);
    }

    /** libc's {@code name}, for a call whose failure needs no reason. */
    public static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /**
     * libc's {@code long syscall(long number, ...)} with five arguments (unused ones 0), its errno captured into
     * {@code state}: negative when it failed, then {@link #errno} says why. One downcall for every system call
     * coi makes by number (the monitor's kcmp), linked at the first.
     */
    public static long syscall(MemorySegment state, long number, long a, long b, long c, long d, long e) {
        try {
            return (long) Syscall.HANDLE.invokeExact(state, number, a, b, c, d, e);
        } catch (Throwable t) {
            throw new IllegalStateException("system call " + number, t);
        }
    }

    private static final class Syscall {
        static final MethodHandle HANDLE = withErrno("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    }

    /** Why the last call made with {@code state} failed. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** Closes a descriptor; a failed close has nothing left to undo. */
    public static void close(int fd) {
        try {
            int ignored = (int) Close.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close", t);
        }
    }

    /** Linked at the first close, not with the first handle of another call. */
    private static final class Close {
        static final MethodHandle CLOSE = plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
}
