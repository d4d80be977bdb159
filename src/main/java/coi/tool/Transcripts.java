package coi.tool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Looks into a tool's transcripts in a session's state dir on the host. The agent writes them,
 * so nothing is followed through a link and at most {@link #LIMIT} bytes of a file are read.
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
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && holds(file, text)) return true;
            }
        } catch (IOException unreadable) {
            // nothing readable to continue: the tool starts a new conversation
        }
        return false;
    }

    private static boolean holds(Path file, String text) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return new String(in.readNBytes(LIMIT), StandardCharsets.UTF_8).contains(text);
        }
    }
}
