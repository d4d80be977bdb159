package coi;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library through FFM, for the calls the JDK has no way to make ({@link PlainFile},
 * {@code incus.HostTree}, the monitor's fanotify and netlink): downcall handles, with or without
 * the call's errno captured into a {@link #CALL_STATE} segment, and close. Each handle is linked
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
