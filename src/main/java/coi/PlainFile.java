package coi;

import static coi.LinuxAbi.*;

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
 * The JDK cannot open without blocking or stat a descriptor, hence the calls of {@link FileCalls}.
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

    /** The content of {@code file} when it is a plain file of at most {@code limit} bytes; else why not. */
    public static Outcome read(Path file, int limit) {
        return open(file, limit, false);
    }

    /** The first {@code limit} bytes (or fewer) of {@code file} when it is a plain file of any size; else why not. */
    public static Outcome head(Path file, int limit) {
        return open(file, limit, true);
    }

    private static Outcome open(Path file, int limit, boolean head) {
        FileCalls c = FileCalls.get();
        int fd = c.openat(AT_FDCWD, file.toString(), OPEN_FLAGS, 0);
        if (fd < 0) {
            return switch (-fd) {
                case ENOENT, ENOTDIR -> new Absent();
                case ELOOP -> new Link();
                // what open says of a socket (or a device without a driver)
                case ENXIO -> new NotPlain("socket or device");
                default -> new Failed(why(-fd));
            };
        }
        try {
            long[] statx = new long[2];
            int looked = c.statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, statx);
            if (looked < 0) return new Failed(why(-looked));
            int mode = (int) statx[0];
            long size = statx[1];
            if ((mode & S_IFMT) != S_IFREG) return new NotPlain(kind(mode));
            if (size > limit && !head) return new TooLarge(size);
            // limit + 1 bytes at most: one more than the limit says a file grew past it since its stat
            Outcome read = readUpTo(c, fd, (int) Math.min(limit + 1L, Integer.MAX_VALUE - 8), size);
            if (read instanceof Content(byte[] bytes) && bytes.length > limit) {
                return head ? new Content(Arrays.copyOf(bytes, limit)) : new TooLarge(bytes.length);
            }
            return read;
        } finally {
            c.close(fd);
        }
    }

    /** The content up to its end or {@code max} bytes, whichever comes first; room for {@code size} (its stat's) and one byte more first. */
    private static Outcome readUpTo(FileCalls c, int fd, int max, long size) {
        byte[] buffer = new byte[(int) Math.min(max, Math.max(size + 1, 64))];
        int total = 0;
        while (total < max) {
            // a file that grew since its stat: more room, up to max
            if (total == buffer.length) buffer = Arrays.copyOf(buffer, (int) Math.min(max, 2L * buffer.length));
            int n = c.read(fd, buffer, total, buffer.length - total, -1);
            if (n == -EINTR) continue;
            if (n < 0) return new Failed(why(-n));
            if (n == 0) break;
            total += n;
        }
        return new Content(total == max ? buffer : Arrays.copyOf(buffer, total));
    }

    private static String why(int errno) {
        return switch (errno) {
            case EACCES, EPERM -> "permission denied";
            case EAGAIN -> "another process holds a lease on it";
            default -> reason(errno);
        };
    }

}
