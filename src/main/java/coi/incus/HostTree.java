package coi.incus;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A local folder that a pulled tree is written into, when the agent may write there too (its
 * workspace is the obvious place to pull to). Every step is relative to the open descriptor of the
 * folder it is in, and never follows a link: a folder made by the pull and swapped for a link to
 * {@code ~/.ssh} while the pull goes on still receives what is pulled into it, not the link's
 * target; a file is written into a new file of its own and renamed over whatever is at its name (a
 * link is replaced, a FIFO never opened); modes are set on descriptors. Only the folder the user
 * named ({@link #open}) is reached by its path. The JDK writes by path (and cannot make a folder
 * relative to a descriptor), hence the C library's *at calls through FFM.
 */
final class HostTree implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final boolean ARM = System.getProperty("os.arch").equals("aarch64");
    /** O_DIRECTORY and O_NOFOLLOW are not the same numbers on every architecture. */
    private static final int O_WRONLY = 01, O_CREAT = 0100, O_EXCL = 0200, O_CLOEXEC = 02000000,
            O_DIRECTORY = ARM ? 040000 : 0200000, O_NOFOLLOW = ARM ? 0100000 : 0400000;
    private static final int FOLDER = O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC; // O_RDONLY is 0
    private static final int AT_FDCWD = -100;
    private static final int EINTR = 4, ENOENT = 2, EEXIST = 17, ENOTDIR = 20, ELOOP = 40;
    private static final Map<Integer, String> REASONS = Map.of(1, "operation not permitted", ENOENT, "no such file or folder",
            13, "permission denied", EEXIST, "exists", ENOTDIR, "not a folder", 21, "is a folder", 28, "no space left",
            30, "read-only file system", 39, "folder not empty", ELOOP, "is a symbolic link");

    private static final MethodHandle OPENAT = call("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(3));
    private static final MethodHandle MKDIRAT = call("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYMLINKAT = call("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle RENAMEAT = call("renameat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle UNLINKAT = call("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCHMOD = call("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle WRITE = call("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    /** Writes into a file it made: {@code content} writes the whole of it. */
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private final int fd;
    /** The folder's path as the user would name it, for messages only. */
    private final Path shown;

    private HostTree(int fd, Path shown) {
        this.fd = fd;
        this.shown = shown;
    }

    /** The folder the user named, by its path (links on the way followed, as any command does). */
    static HostTree open(Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int fd = (int) OPENAT.invokeExact(state, AT_FDCWD, arena.allocateFrom(dir.toString()), O_DIRECTORY | O_CLOEXEC, 0);
            if (fd < 0) throw failed(dir, errno(state));
            return new HostTree(fd, dir);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openat", t);
        }
    }

    /**
     * The subfolder {@code name}, made (mode 0700 until {@link #mode}) when it is not there; a link
     * there, or anything but a folder, fails it with the message {@code refusal}.
     */
    HostTree folder(String name, String refusal) throws IOException {
        check(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE), path = arena.allocateFrom(name);
            if ((int) MKDIRAT.invokeExact(state, fd, path, 0700) < 0 && errno(state) != EEXIST) throw failed(shown.resolve(name), errno(state));
            int sub = (int) OPENAT.invokeExact(state, fd, path, FOLDER, 0);
            if (sub < 0) {
                int errno = errno(state);
                throw errno == ELOOP || errno == ENOTDIR ? new IOException(refusal) : failed(shown.resolve(name), errno);
            }
            return new HostTree(sub, shown.resolve(name));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mkdirat", t);
        }
    }

    /**
     * The file {@code name} with {@code content} and {@code mode}: written into a new file of its
     * own beside it ({@code .NAME.RANDOM.pull}, made exclusively, not through a link), then renamed
     * over whatever is at {@code name}. A failure removes the new file.
     */
    void file(String name, int mode, Content content) throws IOException {
        check(name);
        String temporary = "." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".pull";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE), tmp = arena.allocateFrom(temporary);
            int out = (int) OPENAT.invokeExact(state, fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (out < 0) throw failed(shown.resolve(temporary), errno(state));
            boolean renamed = false;
            try {
                try (Out stream = new Out(out, shown.resolve(name))) {
                    content.writeTo(stream);
                    if ((int) FCHMOD.invokeExact(state, out, mode & 0777) < 0) throw failed(shown.resolve(name), errno(state));
                }
                if ((int) RENAMEAT.invokeExact(state, fd, tmp, fd, arena.allocateFrom(name)) < 0) throw failed(shown.resolve(name), errno(state));
                renamed = true;
            } finally {
                if (!renamed) {
                    int ignored = (int) UNLINKAT.invokeExact(state, fd, tmp, 0);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openat", t);
        }
    }

    /** A symbolic link {@code name} to {@code target}, in place of a file or link there (a folder there fails it). */
    void link(String name, String target) throws IOException {
        check(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE), path = arena.allocateFrom(name);
            if ((int) UNLINKAT.invokeExact(state, fd, path, 0) < 0 && errno(state) != ENOENT) throw failed(shown.resolve(name), errno(state));
            if ((int) SYMLINKAT.invokeExact(state, arena.allocateFrom(target), fd, path) < 0) throw failed(shown.resolve(name), errno(state));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("symlinkat", t);
        }
    }

    /** This folder's permission bits (set-id and sticky bits are never set). */
    void mode(int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            if ((int) FCHMOD.invokeExact(state, fd, mode & 0777) < 0) throw failed(shown, errno(state));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("fchmod", t);
        }
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
        return new IOException(path + ": " + REASONS.getOrDefault(errno, "error " + errno));
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close", t);
        }
    }

    private static MethodHandle call(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = java.util.Arrays.copyOf(options, options.length + 1);
        all[options.length] = Linker.Option.captureCallState("errno");
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, all);
    }

    /** Writes to a descriptor, whole buffers, through one native buffer; closing closes the descriptor. */
    private static final class Out extends OutputStream {
        private static final int SIZE = 64 * 1024;
        private final int fd;
        private final Path shown;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment buffer = arena.allocate(SIZE), state = arena.allocate(STATE);

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
            while (len > 0) {
                int n = Math.min(len, SIZE);
                MemorySegment.copy(b, off, buffer, JAVA_BYTE, 0, n);
                for (int done = 0; done < n; ) {
                    long w;
                    try {
                        w = (long) WRITE.invokeExact(state, fd, buffer.asSlice(done), (long) (n - done));
                    } catch (Throwable t) {
                        throw new IllegalStateException("write", t);
                    }
                    if (w < 0) {
                        if (errno(state) == EINTR) continue;
                        throw failed(shown, errno(state));
                    }
                    done += (int) w;
                }
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() {
            HostTree.close(fd);
            arena.close();
        }
    }
}
