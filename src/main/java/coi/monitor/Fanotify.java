package coi.monitor;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's fanotify: a mark on one mount (the container's /workspace, reached through
 * /proc/PID/root) reports every read and write of a file through that mount with the pid of the
 * process, however briefly it lived. Only that mount: the host's own use of the same directory,
 * and everything else the container reads, stay out of it. Marking a mount needs CAP_SYS_ADMIN
 * (the supervisor runs as root to read container processes anyway).
 */
final class Fanotify implements AutoCloseable {
    /** One event: a process read (or wrote) a file; the file is its identity (device and inode) and its size then. */
    record Access(int pid, Object file, long size, boolean write) {}

    private static final int FAN_CLOEXEC = 0x1, FAN_NONBLOCK = 0x2, FAN_UNLIMITED_QUEUE = 0x10;
    private static final int FAN_MARK_ADD = 0x1, FAN_MARK_MOUNT = 0x10;
    private static final long FAN_ACCESS = 0x1, FAN_MODIFY = 0x2;
    private static final int O_LARGEFILE = 0x8000, O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800, AT_FDCWD = -100;
    /** struct fanotify_event_metadata: event_len, vers, reserved, metadata_len, mask, fd, pid. */
    private static final int EVENT_HEADER = 24;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(64 * 1024, 8);
    private final MemorySegment pollfd;
    private final int fd;

    private Fanotify(int fd) {
        this.fd = fd;
        this.pollfd = Libc.pollIn(arena, fd);
    }

    /** A group watching reads and writes of files through the mount that holds {@code path}. */
    static Fanotify onMountOf(Path path) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(Libc.CALL_STATE);
            // the events' descriptors non-blocking too: opening a workspace FIFO for one must not wait for its writer
            int fd = (int) Libc.FANOTIFY_INIT.invokeExact(state, FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE, O_LARGEFILE | O_CLOEXEC | O_NONBLOCK);
            if (fd < 0) throw failure("fanotify_init", Libc.errno(state));
            Fanotify group = new Fanotify(fd);
            int marked = (int) Libc.FANOTIFY_MARK.invokeExact(state, fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_ACCESS | FAN_MODIFY, AT_FDCWD,
                    call.allocateFrom(path.toString()));
            if (marked < 0) {
                int errno = Libc.errno(state);
                group.close();
                throw failure("fanotify_mark " + path, errno);
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
        if (!Libc.ready(pollfd, timeoutMillis)) return events;
        long n = Libc.read(fd, buffer);
        for (long at = 0; at + EVENT_HEADER <= n; ) {
            int length = buffer.get(JAVA_INT, at);
            long mask = buffer.get(JAVA_LONG, at + 8);
            int file = buffer.get(JAVA_INT, at + 16), pid = buffer.get(JAVA_INT, at + 20);
            if (file >= 0) {
                try {
                    var attributes = Files.readAttributes(Path.of("/proc/self/fd/" + file), BasicFileAttributes.class);
                    events.add(new Access(pid, attributes.fileKey(), attributes.size(), (mask & FAN_MODIFY) != 0));
                } catch (IOException e) {
                    // not statable through our descriptor: an event less, nothing to charge it to
                } finally {
                    Libc.close(file);
                }
            }
            at += Math.max(length, EVENT_HEADER);
        }
        return events;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }

    private static ObservationException failure(String what, int errno) {
        String reason = switch (errno) {
            case 1 -> "operation not permitted (the monitor needs root, CAP_SYS_ADMIN, to watch the workspace): run coi as root or without --monitor";
            case 2 -> "no such mount (the container has no /workspace)";
            case 38 -> "the kernel has no fanotify (CONFIG_FANOTIFY): the monitor cannot see workspace reads; run without --monitor";
            default -> "errno " + errno;
        };
        return new ObservationException("cannot watch the workspace: " + what + ": " + reason);
    }
}
