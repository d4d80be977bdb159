package coi.monitor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's fanotify, through the FFM API: a mark on one mount (the container's /workspace,
 * reached through /proc/PID/root) reports every read and write of a file through that mount with
 * the pid of the process, however briefly it lived. Only that mount: the host's own use of the
 * same directory, and everything else the container reads, stay out of it. Marking a mount needs
 * CAP_SYS_ADMIN (the supervisor runs as root to read container processes anyway).
 */
final class Fanotify implements AutoCloseable {
    /** One event: a process read (or wrote) a file; the file is its identity (device and inode) and its size then. */
    record Access(int pid, Object file, long size, boolean write) {}

    private static final int FAN_CLOEXEC = 0x1, FAN_NONBLOCK = 0x2, FAN_UNLIMITED_QUEUE = 0x10;
    private static final int FAN_MARK_ADD = 0x1, FAN_MARK_MOUNT = 0x10;
    private static final long FAN_ACCESS = 0x1, FAN_MODIFY = 0x2;
    private static final int O_LARGEFILE = 0x8000, O_CLOEXEC = 0x80000, AT_FDCWD = -100, POLLIN = 1;
    private static final int EVENT_HEADER = 24;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle INIT = errnoCall("fanotify_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MARK = errnoCall("fanotify_mark",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle POLL = call("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ = call("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(64 * 1024, 8);
    private final MemorySegment pollfd = arena.allocate(8, 4);
    private final int fd;

    private Fanotify(int fd) {
        this.fd = fd;
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, (short) POLLIN);
    }

    /** A group watching reads and writes of files through the mount that holds {@code path}. */
    static Fanotify onMountOf(Path path) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(CALL_STATE);
            int fd = (int) INIT.invokeExact(state, FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE, O_LARGEFILE | O_CLOEXEC);
            if (fd < 0) throw failure("fanotify_init", state);
            Fanotify group = new Fanotify(fd);
            int marked = (int) MARK.invokeExact(state, fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_ACCESS | FAN_MODIFY, AT_FDCWD,
                    call.allocateFrom(path.toString()));
            if (marked < 0) {
                ObservationException e = failure("fanotify_mark " + path, state);
                group.close();
                throw e;
            }
            return group;
        } catch (ObservationException e) {
            throw e;
        } catch (Throwable t) {
            throw new ObservationException("cannot watch the workspace mount: " + t);
        }
    }

    /** The events that arrive within {@code timeoutMillis} (none when nothing happened); each event's descriptor is closed. */
    List<Access> next(int timeoutMillis) {
        List<Access> events = new ArrayList<>();
        try {
            if ((int) POLL.invokeExact(pollfd, 1L, timeoutMillis) <= 0) return events;
            long n = (long) READ.invokeExact(fd, buffer, buffer.byteSize());
            for (long at = 0; at + EVENT_HEADER <= n; ) {
                int length = buffer.get(JAVA_INT, at);
                long mask = buffer.get(JAVA_LONG, at + 8);
                int file = buffer.get(JAVA_INT, at + 16), pid = buffer.get(JAVA_INT, at + 20);
                if (file >= 0) {
                    try {
                        var attributes = Files.readAttributes(Path.of("/proc/self/fd/" + file), BasicFileAttributes.class);
                        events.add(new Access(pid, attributes.fileKey(), attributes.size(), (mask & FAN_MODIFY) != 0));
                    } catch (IOException e) {
                        // not statable (removed meanwhile does not matter: the descriptor holds it): skipped
                    } finally {
                        int closed = (int) CLOSE.invokeExact(file);
                    }
                }
                at += Math.max(length, EVENT_HEADER);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("reading fanotify events", t);
        }
        return events;
    }

    @Override
    public void close() {
        try {
            int closed = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        arena.close();
    }

    private static ObservationException failure(String what, MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        String reason = switch (errno) {
            case 1 -> "operation not permitted (the monitor needs root, CAP_SYS_ADMIN, to watch the workspace): run coi as root or without --monitor";
            case 2 -> "no such mount (the container has no /workspace)";
            case 38 -> "the kernel has no fanotify (CONFIG_FANOTIFY): the monitor cannot see workspace reads; run without --monitor";
            default -> "errno " + errno;
        };
        return new ObservationException("cannot watch the workspace: " + what + ": " + reason);
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    private static MethodHandle errnoCall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, Linker.Option.captureCallState("errno"));
    }
}
