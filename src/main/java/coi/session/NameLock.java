package coi.session;

import coi.CoiException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A lock per name under the sessions folder ({@code locks/<name>.lock}), held by one coi process
 * at a time. Its main use: it serialises installing a container's rules with removing the rules
 * of a container of the same name that is gone. A removal that runs after coi returned (see {@link Reaper}) checks, under
 * this lock, that no container of that name exists; a launch installs under it after creating
 * its container. So a late removal can never take down the rules of a new container that
 * reuses the name (`coi-<hash>-<slot>` names are reused all the time). Pool fills also take
 * turns under it, so two refills never make more members than the pool's size.
 */
final class NameLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private NameLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static NameLock hold(Path sessionsRoot, String name) {
        Path file = sessionsRoot.resolve("locks").resolve(name + ".lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new NameLock(channel, channel.lock());
        } catch (IOException e) {
            throw new CoiException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** The lock if no other process holds it now, else empty (a caller that only tidies up moves on). */
    static java.util.Optional<NameLock> tryHold(Path sessionsRoot, String name) {
        Path file = sessionsRoot.resolve("locks").resolve(name + ".lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new NameLock(channel, lock));
        } catch (IOException e) {
            throw new CoiException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock in any case
        }
    }
}
