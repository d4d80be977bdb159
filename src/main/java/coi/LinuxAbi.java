package coi;

/**
 * The numbers of Linux's file interface that coi passes to the C library ({@link FileCalls}: {@link PlainFile} and
 * {@code incus.HostTree}), for the two architectures it knows: some open flags and the system call
 * numbers differ between them, and on another a link would be followed where O_NOFOLLOW was meant,
 * so any other is refused when this class loads. struct statx is one layout on every architecture.
 */
public final class LinuxAbi {
    public static final boolean ARM = System.getProperty("os.arch").equals("aarch64");

    static {
        if (!ARM && !System.getProperty("os.arch").equals("amd64")) {
            throw new IllegalStateException("coi knows the open flags and system call numbers of amd64 and aarch64 only, not of "
                    + System.getProperty("os.arch"));
        }
    }

    /** O_PATH: a file opened only to name it (no permission on it is needed; nothing can be read through it). */
    public static final int O_PATH = 010000000;
    public static final int O_WRONLY = 01, O_CREAT = 0100, O_EXCL = 0200, O_NOCTTY = 0400, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
    /** Not the same numbers on every architecture. */
    public static final int O_DIRECTORY = ARM ? 040000 : 0200000, O_NOFOLLOW = ARM ? 0100000 : 0400000;
    public static final int AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, AT_REMOVEDIR = 0x200, RENAME_NOREPLACE = 1;
    public static final int STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_SIZE = 0x200;
    /** struct statx: stx_mode at 28, stx_size at 40, 256 bytes in all. */
    public static final long STATX_BYTES = 256, STX_MODE = 28, STX_SIZE = 40;
    public static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFDIR = 0040000, S_IFIFO = 0010000,
            S_IFCHR = 0020000, S_IFBLK = 0060000, S_IFSOCK = 0140000, S_IFLNK = 0120000;
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, EAGAIN = 11, EACCES = 13, EEXIST = 17, ENOTDIR = 20,
            EISDIR = 21, ENOSPC = 28, EROFS = 30, ENOTEMPTY = 39, ELOOP = 40;

    private LinuxAbi() {}

    /** A failed file call's errno in words ("permission denied", ...); "errno N" for one without. */
    public static String reason(int errno) {
        return switch (errno) {
            case EPERM -> "operation not permitted";
            case ENOENT -> "no such file or folder";
            case EIO -> "input/output error";
            case EACCES -> "permission denied";
            case EEXIST -> "exists";
            case ENOTDIR -> "not a folder";
            case EISDIR -> "is a folder";
            case ENOSPC -> "no space left";
            case EROFS -> "read-only file system";
            case ENOTEMPTY -> "folder not empty";
            case ELOOP -> "is a symbolic link";
            default -> "errno " + errno;
        };
    }

    /** What a file of this st_mode is, in words ("FIFO", "device", ...). */
    public static String kind(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFIFO -> "FIFO";
            case S_IFCHR, S_IFBLK -> "device";
            case S_IFDIR -> "folder";
            case S_IFSOCK -> "socket";
            case S_IFLNK -> "symbolic link";
            default -> "special file";
        };
    }
}
