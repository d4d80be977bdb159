package coi;

import static coi.LinuxAbi.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a file the agent can write (the workspace, a session's state dir) so that what is read is
 * what was checked, and the open cannot block. A check before an open (no-follow stat, then open)
 * leaves the agent the moment between them to put a FIFO there, whose open blocks until a writer
 * comes, for as long as the agent likes. Here the open is the check: {@code open(O_RDONLY |
 * O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)} (a link fails it, a FIFO's or a leased file's
 * open returns at once, a terminal never becomes coi's), then {@code statx} of the descriptor
 * decides: only a plain file of at most the limit is read, anything else is closed unread.
 * The JDK cannot open without blocking or stat a descriptor, hence the system calls through FFM
 * (amd64 and aarch64).
 */
public final class PlainFile {
    /** What a read found. */
    public sealed interface Outcome {}

    /** The whole content of a plain file of at most the limit. */
    public record Content(byte[] bytes) implements Outcome {}

    /** Nothing at the path (or a folder on the way is missing). */
    public record Absent() implements Outcome {}

    /** The last component is a symbolic link: not followed. */
    public record Link() implements Outcome {}

    /** Something other than a plain file: {@code kind} is "FIFO", "device", "folder", "socket or device"... */
    public record NotPlain(String kind) implements Outcome {}

    /** A plain file larger than the limit, left unread. */
    public record TooLarge(long size) implements Outcome {}

    /** The open or read failed for another reason, {@code why} ("permission denied"...). */
    public record Failed(String why) implements Outcome {}

    private static final int OPEN_FLAGS = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC; // O_RDONLY is 0

    private PlainFile() {}

    /** Links the system calls now: a thread of its own can, while its starter does something else. */
    public static void link() {
        Native.linkSyscall();
    }

    /** The content of {@code file} when it is a plain file of at most {@code limit} bytes; else why not. */
    public static Outcome read(Path file, int limit) {
        return open(file, limit, false);
    }

    /** The first {@code limit} bytes (or fewer) of {@code file} when it is a plain file of any size; else why not. */
    public static Outcome head(Path file, int limit) {
        return open(file, limit, true);
    }

    private static Outcome open(Path file, int limit, boolean head) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(C.CALL_STATE);
            long fd = C.call(state, C.OPENAT, AT_FDCWD, arena.allocateFrom(file.toString()).address(), OPEN_FLAGS, 0, 0);
            if (fd < 0) {
                int errno = C.errno(state);
                return switch (errno) {
                    case ENOENT, ENOTDIR -> new Absent();
                    case ELOOP -> new Link();
                    // what open says of a socket (or a device without a driver)
                    case ENXIO -> new NotPlain("socket or device");
                    default -> new Failed(why(errno));
                };
            }
            try {
                MemorySegment statx = arena.allocate(STATX_BYTES, 8);
                if (C.call(state, C.STATX, fd, arena.allocateFrom("").address(), AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, statx.address()) < 0) {
                    return new Failed(why(C.errno(state)));
                }
                int mode = statx.get(JAVA_SHORT, STX_MODE) & 0xffff;
                long size = statx.get(JAVA_LONG, STX_SIZE);
                if ((mode & S_IFMT) != S_IFREG) return new NotPlain(kind(mode));
                if (size > limit && !head) return new TooLarge(size);
                // limit + 1 bytes at most: one more than the limit says a file grew past it since its stat
                Outcome read = readUpTo(arena, state, fd, limit + 1L);
                if (read instanceof Content(byte[] bytes) && bytes.length > limit) {
                    return head ? new Content(Arrays.copyOf(bytes, limit)) : new TooLarge(bytes.length);
                }
                return read;
            } finally {
                C.call(state, C.CLOSE, fd, 0, 0, 0, 0);
            }
        }
    }

    /** The content up to its end or {@code max} bytes, whichever comes first. */
    private static Outcome readUpTo(Arena arena, MemorySegment state, long fd, long max) {
        MemorySegment buffer = arena.allocate(max);
        long total = 0;
        while (total < max) {
            long n = C.call(state, C.READ, fd, buffer.address() + total, max - total, 0, 0);
            if (n < 0) {
                int errno = C.errno(state);
                if (errno == EINTR) continue;
                return new Failed(why(errno));
            }
            if (n == 0) break;
            total += n;
        }
        return new Content(buffer.asSlice(0, total).toArray(JAVA_BYTE));
    }

    private static String why(int errno) {
        return switch (errno) {
            case EACCES, EPERM -> "permission denied";
            case EAGAIN -> "another process holds a lease on it";
            default -> reason(errno);
        };
    }

    /** The four system calls, through {@link Native#syscall}, by their numbers here. */
    private static final class C {
        static final StructLayout CALL_STATE = Native.CALL_STATE;
        static final long OPENAT = ARM ? 56 : 257, STATX = ARM ? 291 : 332, READ = ARM ? 63 : 0, CLOSE = ARM ? 57 : 3;

        /** The system call's result, negative on failure (then {@link #errno} says why). */
        static long call(MemorySegment state, long number, long a, long b, long c, long d, long e) {
            return Native.syscall(state, number, a, b, c, d, e);
        }

        static int errno(MemorySegment state) {
            return Native.errno(state);
        }
    }
}
