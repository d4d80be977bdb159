package coi.tool;

import coi.PlainFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Looks into a tool's transcripts in a session's state dir on the host. The agent writes them,
 * so nothing is followed through a link, only plain files are opened (a FIFO's open would block
 * the launch), and at most {@link #LIMIT} bytes of a file are read.
 */
final class Transcripts {
    static final int LIMIT = 1 << 20;

    private Transcripts() {}

    /**
     * Whether a regular file named {@code *suffix} in {@code stateDir/relativeDir} contains
     * {@code text} in its first {@link #LIMIT} bytes. No folder on the way may be a link.
     */
    static boolean anyHolds(Path stateDir, String relativeDir, String suffix, String text) {
        Path dir = stateDir;
        for (Path part : Path.of(relativeDir)) {
            dir = dir.resolve(part);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + suffix)) {
            for (Path file : files) {
                if (holds(file, text)) return true;
            }
        } catch (IOException unreadable) {
            // nothing readable to continue: the tool starts a new conversation
        }
        return false;
    }

    /** Opened without following a link or blocking (a FIFO put there after the listing is refused unread, see {@link PlainFile}). */
    private static boolean holds(Path file, String text) {
        return PlainFile.head(file, LIMIT) instanceof PlainFile.Content(byte[] head)
                && new String(head, StandardCharsets.UTF_8).contains(text);
    }
}
