package coi.incus;

import static coi.LinuxAbi.*;

import coi.FileCalls;
import coi.LinuxAbi;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A local folder that a pulled tree is written into, or a pushed one is read from, when the agent
 * may write there too (its workspace is the obvious place). Every step is relative to the open
 * descriptor of the folder it is in, and never follows a link. Pulling: a folder made by the pull
 * and swapped for a link to {@code ~/.ssh} while the pull goes on still receives what is pulled into
 * it, not the link's target; a file is written into a new file of its own and renamed over whatever
 * is at its name (a link is replaced, a FIFO never opened); modes are set on descriptors. Pushing: a
 * file or folder swapped for a link to {@code ~/.ssh/id_ed25519} after the listing is sent as the
 * link it now is, never read through; a FIFO is opened without blocking and not read. Only the folder
 * the user named ({@link #open}) is reached by its path, and only when the path is absolute. The
 * JDK works by path (and cannot make a folder relative to a descriptor), hence the *at calls of
 * {@link FileCalls}. The sweep of a workspace's placeholders ({@code coi.session.Placeholders})
 * walks it the same way: what it looks at ({@link #opened}) is what it removes ({@link #remove}).
 */
public final class HostTree implements AutoCloseable {
    private static final int FOLDER = O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC; // O_RDONLY is 0
    /** What is at a name, opened to be looked at: a link fails it (ELOOP), a FIFO's or device's open does not wait. */
    private static final int ANY = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    private static final FileCalls C = FileCalls.get();

    /** What a folder holds at a name, opened without following a link: a {@link Folder}, a {@link Plain} file, a {@link Link}, or {@link Other}. */
    public sealed interface Node extends AutoCloseable permits Folder, Plain, Link, Other {
        @Override
        void close();
    }

    /** A folder, open, with its permission bits as it was opened. */
    public record Folder(HostTree tree, int mode) implements Node {
        @Override
        public void close() {
            tree.close();
        }
    }

    /** A plain file, open: {@code size} and {@code mode} as it was opened. */
    public record Plain(int fd, long size, int mode, Path shown) implements Node {
        /** This open file as a path, as {@link HostTree#opened}. */
        public Path opened() {
            return Path.of("/proc/self/fd/" + fd);
        }

        /** Its content, {@link #size} bytes read as {@link #copyTo} reads them. */
        public byte[] readAll() throws IOException {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream((int) Math.min(size, 1 << 20));
            copyTo(bytes);
            return bytes.toByteArray();
        }

        /**
         * Its first {@link #size} bytes to {@code out}, exactly that many (the length was announced),
         * from its start each time (pread: a request sent again sends the same): a file that shrank
         * meanwhile fails it.
         */
        public void copyTo(OutputStream out) throws IOException {
            byte[] bytes = new byte[(int) Math.min(FileCalls.CHUNK, Math.max(1, size))];
            for (long at = 0; at < size; ) {
                int n = C.read(fd, bytes, 0, (int) Math.min(size - at, bytes.length), at);
                if (n == -EINTR) continue;
                if (n < 0) throw failed(shown, -n);
                if (n == 0) throw new Http.BodyLengthException(shown + " shrank while it was pushed");
                out.write(bytes, 0, n);
                at += n;
            }
        }

        @Override
        public void close() {
            HostTree.close(fd);
        }
    }

    /** A symbolic link, not followed: its target as written. */
    public record Link(String target) implements Node {
        @Override
        public void close() {}
    }

    /** Anything else (a FIFO, a socket, a device), not opened for reading: {@code kind} says what. */
    public record Other(String kind) implements Node {
        @Override
        public void close() {}
    }

    /** Writes into a file it made: {@code content} writes the whole of it. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The longest link target Linux has (PATH_MAX). */
    private static final int MAX_LINK = 4096;

    private final int fd;
    /** The folder's path as the user would name it, for messages only. */
    private final Path shown;

    private HostTree(int fd, Path shown) {
        this.fd = fd;
        this.shown = shown;
    }

    /**
     * The folder the user named. An absolute path is opened by that path, links on the way followed,
     * as any command does: the user wrote it out. A relative one is walked folder by folder from the
     * current directory, and a link on the way is refused: a relative path names a folder of the
     * workspace one is in, where a link may be the agent's (a pull into {@code out/x} with {@code out}
     * a link to {@code ~/.config/systemd/user} would write where the host runs what it finds).
     */
    public static HostTree open(Path dir) throws IOException {
        if (dir.isAbsolute()) {
            int fd = C.openat(AT_FDCWD, dir.toString(), O_DIRECTORY | O_CLOEXEC, 0);
            if (fd < 0) throw failed(dir, -fd);
            return new HostTree(fd, dir);
        }
        int cwd = C.openat(AT_FDCWD, ".", O_DIRECTORY | O_CLOEXEC, 0);
        if (cwd < 0) throw failed(Path.of("."), -cwd);
        HostTree at = new HostTree(cwd, Path.of(""));
        try {
            for (Path part : dir) {
                String name = part.toString();
                if (name.isEmpty() || name.equals(".")) continue;
                HostTree next = at.opened(name, false, at.shown.resolve(name) + " is a symbolic link: coi does not follow a link in a"
                        + " relative path (in a workspace it may be the agent's); give the path without it, or an absolute one");
                at.close();
                at = next;
            }
            return at;
        } catch (IOException | RuntimeException | Error e) {
            at.close();
            throw e;
        }
    }

    /**
     * The subfolder {@code name}, made (mode 0700 until {@link #mode}) when it is not there; a link
     * there fails it with the message {@code refusal}, anything else but a folder as "not a folder".
     */
    HostTree folder(String name, String refusal) throws IOException {
        check(name);
        return opened(name, true, refusal);
    }

    /** The subfolder {@code name} (also ".."), made first when {@code make}; a link there fails it with {@code refusal}. */
    private HostTree opened(String name, boolean make, String refusal) throws IOException {
        if (make) {
            int made = C.mkdirat(fd, name, 0700);
            if (made < 0 && made != -EEXIST) throw failed(shown.resolve(name), -made);
        }
        int sub = C.openat(fd, name, FOLDER, 0);
        if (sub < 0) {
            int errno = -sub;
            // O_DIRECTORY makes a link's open fail as ENOTDIR: a link is what readlinkat can read
            boolean link = errno == ELOOP || errno == ENOTDIR && C.readlinkat(fd, name, new byte[1]) >= 0;
            throw link ? new IOException(refusal) : failed(shown.resolve(name), errno);
        }
        return new HostTree(sub, shown.resolve(name));
    }

    /**
     * The file {@code name} with {@code content} and {@code mode}: written into a new file of its
     * own beside it ({@code .coi-RANDOM.pull}, made exclusively, not through a link; not named after
     * NAME, which may be as long as a name can be), then renamed over whatever is at {@code name}. A
     * failure removes the new file.
     */
    void file(String name, int mode, Content content) throws IOException {
        check(name);
        String temporary = ".coi-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".pull";
        int out = C.openat(fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0) throw failed(shown.resolve(temporary), -out);
        boolean renamed = false;
        try {
            try (Out stream = new Out(out, shown.resolve(name))) {
                content.writeTo(stream);
                int moded = C.fchmod(out, mode & 0777);
                if (moded < 0) throw failed(shown.resolve(name), -moded);
            }
            int moved = C.renameat2(fd, temporary, fd, name, 0);
            if (moved < 0) throw failed(shown.resolve(name), -moved);
            renamed = true;
        } finally {
            if (!renamed) C.unlinkat(fd, temporary, 0);
        }
    }

    /** A symbolic link {@code name} to {@code target}, in place of a file or link there (a folder there fails it). */
    void link(String name, String target) throws IOException {
        check(name);
        int removed = C.unlinkat(fd, name, 0);
        if (removed < 0 && removed != -ENOENT) throw failed(shown.resolve(name), -removed);
        int linked = C.symlinkat(target, fd, name);
        if (linked < 0) throw failed(shown.resolve(name), -linked);
    }

    /**
     * The names in this folder, sorted: listed through {@code /proc/self/fd/N}, which is this open
     * folder, wherever its path leads now.
     */
    public List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd/" + fd))) {
            for (Path entry : entries) names.add(entry.getFileName().toString());
        }
        names.sort(null);
        return names;
    }

    /** What is at {@code name} in this folder, opened without following a link; null when it is gone. */
    public Node at(String name) throws IOException {
        check(name);
        int opened = C.openat(fd, name, ANY, 0);
        if (opened < 0) {
            int errno = -opened;
            if (errno == ENOENT) return null;
            if (errno != ELOOP) throw failed(shown.resolve(name), errno);
            byte[] target = new byte[MAX_LINK + 1];
            int n = C.readlinkat(fd, name, target);
            if (n < 0) throw failed(shown.resolve(name), -n);
            if (n > MAX_LINK) throw new IOException(shown.resolve(name) + ": a link target longer than any path");
            return new Link(new String(target, 0, n, java.nio.charset.StandardCharsets.UTF_8));
        }
        long[] statx = new long[2];
        int looked = C.statx(opened, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE | STATX_SIZE, statx);
        if (looked < 0) {
            close(opened);
            throw failed(shown.resolve(name), -looked);
        }
        int mode = (int) statx[0];
        return switch (mode & S_IFMT) {
            case S_IFDIR -> new Folder(new HostTree(opened, shown.resolve(name)), mode & 0777);
            case S_IFREG -> new Plain(opened, statx[1], mode & 0777, shown.resolve(name));
            default -> {
                close(opened);
                yield new Other(LinuxAbi.kind(mode));
            }
        };
    }

    /**
     * The subfolder {@code name} when a folder is there; null when nothing is, or something else (a
     * link is not followed).
     */
    public HostTree existing(String name) throws IOException {
        check(name);
        int sub = C.openat(fd, name, FOLDER, 0);
        if (sub >= 0) return new HostTree(sub, shown.resolve(name));
        int errno = -sub;
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return null;
        throw failed(shown.resolve(name), errno);
    }

    /** This open folder as a path ({@code /proc/self/fd/N}): what the JDK reads there is this folder, wherever its path leads now. */
    public Path opened() {
        return Path.of("/proc/self/fd/" + fd);
    }

    /**
     * Unlinks {@code name} in this folder, an empty folder when {@code folder}: whatever is at the
     * name now, in this folder wherever its path leads. 0 when done, else the errno (ENOENT,
     * ENOTEMPTY, EBUSY for a mount point...).
     */
    public int remove(String name, boolean folder) throws IOException {
        check(name);
        int removed = C.unlinkat(fd, name, folder ? AT_REMOVEDIR : 0);
        return removed < 0 ? -removed : 0;
    }

    /**
     * Renames {@code from} to {@code to} in this folder, wherever its path leads now, never over
     * anything already at {@code to} (RENAME_NOREPLACE). 0 when done, else the errno (EEXIST when
     * {@code to} is taken, ENOENT when {@code from} is gone...).
     */
    public int move(String from, String to) throws IOException {
        check(from);
        check(to);
        int moved = C.renameat2(fd, from, fd, to, RENAME_NOREPLACE);
        return moved < 0 ? -moved : 0;
    }

    /**
     * Makes an empty file {@code name} with {@code mode} in this folder, never over anything at the name and never through a
     * link there (O_EXCL): 0 when made, else the errno (EEXIST when the name is taken).
     */
    public int createEmpty(String name, int mode) throws IOException {
        check(name);
        int out = C.openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
        if (out < 0) return -out;
        close(out);
        return 0;
    }

    /** Gives this folder's owner write permission (an agent may have taken it away so that nothing in it can be renamed). */
    public void allowWrite() throws IOException {
        mode(permissions() | 0200);
    }

    /**
     * Gives the owner read and search permission on the subfolder {@code name} again. An agent's chmod 000 or 111
     * hides what is below it from a look that lists folders, not from git, which enters a folder by a name it knows.
     * The folder is opened as a path only (O_PATH: no permission on it needed, a link at the name not followed), and
     * its mode changed through {@code /proc/self/fd/N}, which is that folder wherever its name leads meanwhile. False
     * when no folder is at the name (gone, a link, a file) or its owner may read and search it already; an
     * {@link java.nio.file.AccessDeniedException} when coi may not change it (it is not the folder's owner).
     */
    public boolean allowRead(String name) throws IOException {
        check(name);
        int sub = C.openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (sub < 0) {
            int errno = -sub;
            if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return false;
            throw failed(shown.resolve(name), errno);
        }
        try {
            long[] statx = new long[2];
            int looked = C.statx(sub, "", AT_EMPTY_PATH, STATX_MODE, statx);
            if (looked < 0) throw failed(shown.resolve(name), -looked);
            int mode = (int) statx[0] & 07777;
            if ((mode & 0500) == 0500) return false;
            int moded = C.chmod("/proc/self/fd/" + sub, mode | 0500);
            if (moded < 0) throw failed(shown.resolve(name), -moded);
            return true;
        } finally {
            close(sub);
        }
    }

    /** This folder's permission bits. */
    int permissions() throws IOException {
        long[] statx = new long[2];
        int looked = C.statx(fd, "", AT_EMPTY_PATH, STATX_MODE, statx);
        if (looked < 0) throw failed(shown, -looked);
        return (int) statx[0] & 0777;
    }

    /** This folder's permission bits (set-id and sticky bits are never set). */
    void mode(int mode) throws IOException {
        int moded = C.fchmod(fd, mode & 0777);
        if (moded < 0) throw failed(shown, -moded);
    }

    @Override
    public void close() {
        close(fd);
    }

    /** A name of the container's listing: one component, never "." or "..", never empty. */
    private void check(String name) throws IOException {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IOException("the container lists a name no file can have in " + shown + ": \"" + name + "\"");
        }
    }

    private static IOException failed(Path path, int errno) {
        // one that may not be read (the agent's chmod 111 in a workspace) is told apart: it is said, not passed over
        if (errno == LinuxAbi.EACCES || errno == LinuxAbi.EPERM) return new java.nio.file.AccessDeniedException(path.toString(), null, LinuxAbi.reason(errno));
        return new IOException(path + ": " + LinuxAbi.reason(errno));
    }

    private static void close(int fd) {
        C.close(fd);
    }

    /** Writes to a descriptor, whole buffers; closing closes the descriptor. */
    private static final class Out extends OutputStream {
        private final int fd;
        private final Path shown;

        Out(int fd, Path shown) {
            this.fd = fd;
            this.shown = shown;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            while (len > 0) {
                int w = C.write(fd, b, off, len);
                if (w == -EINTR) continue;
                if (w < 0) throw failed(shown, -w);
                off += w;
                len -= w;
            }
        }

        @Override
        public void close() {
            HostTree.close(fd);
        }
    }
}
