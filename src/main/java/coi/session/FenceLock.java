package coi.session;

import coi.CoiException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Serialises installing a container's rules with removing the rules of a container of the same
 * name that is gone. A removal that runs after coi returned (see {@link Reaper}) checks, under
 * this lock, that no container of that name exists; a launch installs under it after creating
 * its container. So a late removal can never take down the rules of a new container that
 * reuses the name (`coi-<hash>-<slot>` names are reused all the time).
 */
final class FenceLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private FenceLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static FenceLock hold(Path sessionsRoot, String container) {
        Path file = sessionsRoot.resolve("locks").resolve(container + ".lock");
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new FenceLock(channel, channel.lock());
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
