package coi.session;

import coi.CoiException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock per name under the sessions folder ({@code locks/<name>.lock}), held by one coi process
 * at a time. Its main use: it serialises installing a container's rules with removing the rules
 * of a container of the same name that is gone. A removal that runs after coi returned (see {@link Reaper}) checks, under
 * this lock, that no container of that name exists; a launch installs under it after creating
 * its container. So a late removal can never take down the rules of a new container that
 * reuses the name (`coi-<hash>-<slot>` names are reused all the time). Pool fills also take
 * turns under it, so two refills never make more members than the pool's size. Threads of one
 * process take turns too (a file lock is the process's: a second thread's would fail, not wait),
 * e.g. the supervisor's events thread removing a gone container's rules while its monitor stops it.
 */
final class NameLock implements AutoCloseable {
    /** The process's own turn per lock file, taken before the file lock. */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final FileChannel channel;
    private final FileLock lock;
    private final ReentrantLock local;

    private NameLock(FileChannel channel, FileLock lock, ReentrantLock local) {
        this.channel = channel;
        this.lock = lock;
        this.local = local;
    }

    static NameLock hold(Path sessionsRoot, String name) {
        return lock(sessionsRoot, name, true).orElseThrow();
    }

    /** The lock if no other process holds it now, else empty (a caller that only tidies up moves on). */
    static Optional<NameLock> tryHold(Path sessionsRoot, String name) {
        return lock(sessionsRoot, name, false);
    }

    /**
     * The lock of one file in a folder that exists (the file is made if missing, the folder never: one deleted
     * meanwhile is not made again for a lock), held by this thread once the call returns; empty when the folder is gone.
     */
    static Optional<NameLock> holdFile(Path file) {
        try {
            return lock(file, true, false);
        } catch (FolderGone e) {
            return Optional.empty();
        }
    }

    private static Optional<NameLock> lock(Path sessionsRoot, String name, boolean wait) {
        return lock(sessionsRoot.resolve("locks").resolve(name + ".lock"), wait, true);
    }

    /** {@link #holdFile}'s folder is gone. */
    private static final class FolderGone extends RuntimeException {
        FolderGone() {
            super(null, null, false, false);
        }
    }

    private static Optional<NameLock> lock(Path file, boolean wait, boolean makeFolder) {
        ReentrantLock local = LOCAL.computeIfAbsent(file.toAbsolutePath().normalize(), f -> new ReentrantLock());
        if (wait) local.lock();
        else if (!local.tryLock()) return Optional.empty();
        boolean held = false;
        try {
            if (makeFolder) Files.createDirectories(file.getParent());
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (java.nio.file.NoSuchFileException e) {
                if (makeFolder) throw e;
                throw new FolderGone();
            }
            FileLock lock;
            try {
                lock = wait ? channel.lock() : channel.tryLock();
            } catch (OverlappingFileLockException sameThreadAgain) {
                lock = null;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                if (wait) throw new CoiException("cannot lock " + file + ": this thread holds it already");
                return Optional.empty();
            }
            held = true;
            return Optional.of(new NameLock(channel, lock, local));
        } catch (IOException e) {
            throw new CoiException("cannot lock " + file + ": " + e.getMessage(), e);
        } finally {
            if (!held) local.unlock();
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock in any case
        } finally {
            local.unlock();
        }
    }
}
