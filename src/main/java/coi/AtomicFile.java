package coi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a file whole or not at all: a temp file of the writer's own beside it (mode 0600, so two
 * writers of one file never share one; see SessionStore), then a rename over it. A crash leaves the
 * old file or the new one, never half of one; a failed write removes its temp file.
 */
public final class AtomicFile {
    private static final FileAttribute<?> OWNER_ONLY = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final Set<StandardOpenOption> NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    /** Names taken by someone else before a temp file is made: a folder where that many are is not written. */
    private static final int TAKEN_MOST = 100;
    static final AtomicLong COUNTER = new AtomicLong();

    private AtomicFile() {}

    public static void write(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = null;
        try {
            tmp = writeNew(file, content);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                if (tmp != null) Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the caller reports the first failure; a stray temp file is harmless
            }
            throw e;
        }
    }

    /**
     * {@code content} in a new temp file beside {@code file}, written through the descriptor that created it.
     * Its name is this process's and a counter's, not Files.createTempFile's random one, whose SecureRandom is
     * seeded at its first use (milliseconds of a launch, which writes its session's records through here); a
     * name that is already there, whoever made it (a file, a link), is passed over, as O_EXCL refuses it.
     */
    private static Path writeNew(Path file, byte[] content) throws IOException {
        String prefix = "." + file.getFileName() + "." + ProcessHandle.current().pid() + ".";
        for (int taken = 0; ; taken++) {
            Path tmp = file.resolveSibling(prefix + COUNTER.incrementAndGet() + ".tmp");
            SeekableByteChannel channel;
            try {
                channel = Files.newByteChannel(tmp, NEW, OWNER_ONLY);
            } catch (FileAlreadyExistsException e) {
                if (taken >= TAKEN_MOST) throw e;
                continue;
            }
            try (channel) {
                ByteBuffer rest = ByteBuffer.wrap(content);
                while (rest.hasRemaining()) channel.write(rest);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            return tmp;
        }
    }
}
